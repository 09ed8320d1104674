"""machine translation: the state of a message's translation, and the customer's language choice

A message keeps what was written (`text`) and its machine translation (`translation`, in
`translation_language`); `translation_state` is NULL when none is needed, else 'pending', 'done' or
'failed' (failed ones are tried again at `translation_retry_at`). The conversation keeps the
customer's choice: a staff language to continue in, or 'translate' (keep theirs, machine-translated).

Revision ID: 0005_translation
Revises: 0004_desk
Create Date: 2026-12-10 10:00:00
"""
import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = '0005_translation'
down_revision = '0004_desk'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('message', schema=None) as batch_op:
        batch_op.add_column(sa.Column('translation_language', sqlmodel.sql.sqltypes.AutoString(), nullable=True))
        batch_op.add_column(sa.Column('translation_state', sqlmodel.sql.sqltypes.AutoString(), nullable=True))
        batch_op.add_column(sa.Column('translation_attempts', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('translation_retry_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
        batch_op.create_index('ix_message_translation_due', ['translation_state', 'translation_retry_at'],
                              unique=False)
    with op.batch_alter_table('conversation', schema=None) as batch_op:
        batch_op.add_column(sa.Column('language_choice', sqlmodel.sql.sqltypes.AutoString(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('conversation', schema=None) as batch_op:
        batch_op.drop_column('language_choice')
    with op.batch_alter_table('message', schema=None) as batch_op:
        batch_op.drop_index('ix_message_translation_due')
        batch_op.drop_column('translation_retry_at')
        batch_op.drop_column('translation_attempts')
        batch_op.drop_column('translation_state')
        batch_op.drop_column('translation_language')
