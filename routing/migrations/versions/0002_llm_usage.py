"""llm usage: tokens, latency and outcome per customer turn a language model took part in

Revision ID: 0002_llm_usage
Revises: 0001
Create Date: 2026-11-26 10:00:00
"""
import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = '0002_llm_usage'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('llmusage',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('conversation_id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=True),
    sa.Column('message_id', sa.Integer(), nullable=True),
    sa.Column('model', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('outcome', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('calls', sa.Integer(), nullable=False),
    sa.Column('prompt_tokens', sa.Integer(), nullable=False),
    sa.Column('completion_tokens', sa.Integer(), nullable=False),
    sa.Column('latency_ms', sa.Integer(), nullable=False),
    sa.Column('at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['case.id'], ),
    sa.ForeignKeyConstraint(['conversation_id'], ['conversation.id'], ),
    sa.ForeignKeyConstraint(['message_id'], ['message.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('llmusage', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_llmusage_at'), ['at'], unique=False)
        batch_op.create_index(batch_op.f('ix_llmusage_conversation_id'), ['conversation_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('llmusage', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_llmusage_conversation_id'))
        batch_op.drop_index(batch_op.f('ix_llmusage_at'))
    op.drop_table('llmusage')
