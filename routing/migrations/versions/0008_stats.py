"""stats, feedback and training: sentiments per case, answer topics, feedback, ratings, trainers' notes,
and the indexes the supervisors' report reads through

Revision ID: 0008_stats
Revises: 0007_unanswered
Create Date: 2026-11-27 10:00:00
"""
import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = '0008_stats'
down_revision = '0007_unanswered'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('customer', schema=None) as batch_op:
        batch_op.add_column(sa.Column('answers_asked_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('rating_asked_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
    with op.batch_alter_table('case', schema=None) as batch_op:
        batch_op.add_column(sa.Column('first_sentiment', sa.Float(), nullable=True))
        batch_op.add_column(sa.Column('handover_sentiment', sa.Float(), nullable=True))
        batch_op.add_column(sa.Column('closing_sentiment', sa.Float(), nullable=True))
        batch_op.add_column(sa.Column('first_claimed_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('messages', sa.Integer(), server_default='0', nullable=False))
        batch_op.create_index('ix_case_opened_at', ['opened_at'], unique=False)
    with op.batch_alter_table('message', schema=None) as batch_op:
        batch_op.add_column(sa.Column('topic', sqlmodel.sql.sqltypes.AutoString(), nullable=True))
    # The facts the new columns hold, for the cases there already are.
    op.execute('UPDATE "case" SET messages = (SELECT count(*) FROM message WHERE message.case_id = "case".id '
               "AND message.author IN ('customer', 'bot', 'staff')), "
               'first_claimed_at = (SELECT min(claim.claimed_at) FROM claim WHERE claim.case_id = "case".id)')

    op.create_table('answerfeedback',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('conversation_id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('message_id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('topic', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('language', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('helpful', sa.Boolean(), nullable=False),
    sa.Column('at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['case.id'], ),
    sa.ForeignKeyConstraint(['conversation_id'], ['conversation.id'], ),
    sa.ForeignKeyConstraint(['message_id'], ['message.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('conversation_id', 'seq', name='uq_answerfeedback_message')
    )
    with op.batch_alter_table('answerfeedback', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_answerfeedback_case_id'), ['case_id'], unique=False)

    op.create_table('caserating',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('score', sa.Integer(), nullable=True),
    sa.Column('comment', sa.Text(), nullable=True),
    sa.Column('asked_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('rated_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('dismissed', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['case.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('case_id')
    )

    op.create_table('trainingnote',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('author_name', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('channel', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['case.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('trainingnote', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_trainingnote_case_id'), ['case_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('trainingnote', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_trainingnote_case_id'))
    op.drop_table('trainingnote')
    op.drop_table('caserating')
    with op.batch_alter_table('answerfeedback', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_answerfeedback_case_id'))
    op.drop_table('answerfeedback')
    with op.batch_alter_table('message', schema=None) as batch_op:
        batch_op.drop_column('topic')
    with op.batch_alter_table('case', schema=None) as batch_op:
        batch_op.drop_index('ix_case_opened_at')
        batch_op.drop_column('messages')
        batch_op.drop_column('first_claimed_at')
        batch_op.drop_column('closing_sentiment')
        batch_op.drop_column('handover_sentiment')
        batch_op.drop_column('first_sentiment')
    with op.batch_alter_table('customer', schema=None) as batch_op:
        batch_op.drop_column('rating_asked_at')
        batch_op.drop_column('answers_asked_at')
