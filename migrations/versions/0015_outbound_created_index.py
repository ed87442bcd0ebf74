"""Outbound messages by creation time: /metrics counts the last 24 hours at every scrape

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-29 07:00:00
"""

from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_outbound_created_at", "outbound_messages", ["created_at"])


def downgrade() -> None:
    op.drop_index("ix_outbound_created_at", table_name="outbound_messages")
