"""scheduler: the case's waiting clocks and rounds, the customer's place in the queue, and the steps taken

Revision ID: 0006_scheduler
Revises: 0005_translation
Create Date: 2026-12-03 15:00:00
"""
import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = '0006_scheduler'
down_revision = '0005_translation'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('case', schema=None) as batch_op:
        batch_op.add_column(sa.Column('waiting_since', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('customer_waiting_since', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('waiting_round', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('ladder_step', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('queue_position', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('told_position', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('informed_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('follow_up_email', sqlmodel.sql.sqltypes.AutoString(), nullable=True))
        batch_op.create_index('ix_case_ladder', ['state', 'team', 'ladder_step', 'waiting_since'], unique=False)
        batch_op.create_index('ix_case_stalled', ['state', 'team', 'ladder_step', 'customer_waiting_since'],
                              unique=False)
    # Cases already waiting when this runs start their clock at their hand-over.
    op.execute('UPDATE "case" SET waiting_since = handed_over_at WHERE state = \'waiting\'')
    with op.batch_alter_table('conversation', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_conversation_last_seen_at'), ['last_seen_at'], unique=False)
    op.create_table('reminder',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('waiting_round', sa.Integer(), nullable=False),
    sa.Column('step', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('team', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('detail', sa.Text(), nullable=False),
    sa.Column('at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['case.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('case_id', 'waiting_round', 'step', name='uq_reminder_step')
    )
    with op.batch_alter_table('reminder', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_reminder_case_id'), ['case_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('reminder', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_reminder_case_id'))
    op.drop_table('reminder')
    with op.batch_alter_table('conversation', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_conversation_last_seen_at'))
    with op.batch_alter_table('case', schema=None) as batch_op:
        batch_op.drop_index('ix_case_stalled')
        batch_op.drop_index('ix_case_ladder')
        for column in ('follow_up_email', 'informed_at', 'told_position', 'queue_position', 'ladder_step',
                       'waiting_round', 'customer_waiting_since', 'waiting_since'):
            batch_op.drop_column(column)
