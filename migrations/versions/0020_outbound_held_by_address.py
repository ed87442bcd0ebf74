"""Held messages found by their address, not by scanning the office's whole outbox

Every inbound message asks whether anything is held for its sender (bot/outbox.py `releasable`): the
window opened, so a held host notice can go. Without an index on the address SQLite answered from
the office's index, reading every message the office ever sent, a cost that grew with each message.

Revision ID: 0020
Revises: 0019
Create Date: 2026-11-29 16:00:00
"""

from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_outbound_held_for", "outbound_messages", ["office", "to_number", "status"])


def downgrade() -> None:
    op.drop_index("ix_outbound_held_for", table_name="outbound_messages")
