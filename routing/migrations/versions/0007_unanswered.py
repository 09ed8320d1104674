"""an index of the customer messages not answered yet (the sweep that answers what a failed answer left)

Revision ID: 0007_unanswered
Revises: 0006_scheduler
Create Date: 2026-12-03 17:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0007_unanswered'
down_revision = '0006_scheduler'
branch_labels = None
depends_on = None

UNANSWERED = sa.text("author = 'customer' AND handled = false")


def upgrade() -> None:
    # Partial: it holds only the few messages waiting for an answer, so it costs the message path nothing
    # to keep up, and the sweep every worker runs every half minute reads a handful of rows, not the table.
    op.create_index('ix_message_unanswered', 'message', ['created_at'], sqlite_where=UNANSWERED,
                    postgresql_where=UNANSWERED)


def downgrade() -> None:
    op.drop_index('ix_message_unanswered', table_name='message')
