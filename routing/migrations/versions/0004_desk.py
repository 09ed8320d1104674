"""desk: attachments (photos and documents) and the indexes of the desk's history of closed cases

Revision ID: 0004_desk
Revises: 0003_note_numbers
Create Date: 2026-12-03 15:00:00
"""
import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = '0004_desk'
down_revision = '0003_note_numbers'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('attachment',
    sa.Column('id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('conversation_id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('author', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('content_type', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('filename', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('width', sa.Integer(), nullable=True),
    sa.Column('height', sa.Integer(), nullable=True),
    sa.Column('sha256', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('key', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('has_thumbnail', sa.Boolean(), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['conversation_id'], ['conversation.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('attachment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_attachment_conversation_id'), ['conversation_id'], unique=False)
    with op.batch_alter_table('message', schema=None) as batch_op:
        batch_op.add_column(sa.Column('attachment_id', sqlmodel.sql.sqltypes.AutoString(), nullable=True))
        batch_op.create_foreign_key('fk_message_attachment_id', 'attachment', ['attachment_id'], ['id'])
    with op.batch_alter_table('case', schema=None) as batch_op:
        batch_op.create_index('ix_case_state_closed_at', ['state', 'closed_at'], unique=False)
    with op.batch_alter_table('customer', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_customer_account_id'), ['account_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('customer', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_customer_account_id'))
    with op.batch_alter_table('case', schema=None) as batch_op:
        batch_op.drop_index('ix_case_state_closed_at')
    with op.batch_alter_table('message', schema=None) as batch_op:
        batch_op.drop_constraint('fk_message_attachment_id', type_='foreignkey')
        batch_op.drop_column('attachment_id')
    with op.batch_alter_table('attachment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_attachment_conversation_id'))
    op.drop_table('attachment')
