"""internal notes take no number from the customer's sequence

The customer's messages are numbered without gaps (docs/webchat-protocol.md). An internal note
carries the number of the message it follows (staff read notes by that number, then by id), so the
number is unique among what the customer sees only: a partial unique index instead of a constraint.

Revision ID: 0003_note_numbers
Revises: 0002_llm_usage
Create Date: 2026-12-03 16:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0003_note_numbers'
down_revision = '0002_llm_usage'
branch_labels = None
depends_on = None

SEEN_BY_THE_CUSTOMER = sa.text("author != 'note'")


def upgrade() -> None:
    with op.batch_alter_table('message', schema=None) as batch_op:
        batch_op.drop_constraint('uq_message_seq', type_='unique')
    op.create_index('uq_message_seq', 'message', ['conversation_id', 'seq'], unique=True,
                    sqlite_where=SEEN_BY_THE_CUSTOMER, postgresql_where=SEEN_BY_THE_CUSTOMER)


def downgrade() -> None:
    op.drop_index('uq_message_seq', table_name='message')
    with op.batch_alter_table('message', schema=None) as batch_op:
        batch_op.create_unique_constraint('uq_message_seq', ['conversation_id', 'seq'])
