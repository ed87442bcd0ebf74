"""Indexes for what is asked all day, so that its cost does not grow with the office's history

- Every inbound message asks whether anything is held for its sender (bot/outbox.py `releasable`):
  the window opened, so a held host notice can go. Without an index on the address SQLite answered
  from the office's index, reading every message the office ever sent.
- Every open dashboard asks every few seconds what changed today (bot/dashboard/live.py): the
  messages and visits of its offices updated since midnight, which read all of them without; and
  Beranda, reloaded on each change, counts today's messages and conversations.
- The outbox's index on the office alone goes: each of the new ones starts with the office.
- A WhatsApp user ID is always looked up within an office: its index starts with the office too, or
  SQLite preferred the office's new index to it.

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
    op.create_index("ix_outbound_office_updated", "outbound_messages", ["office", "updated_at"])
    op.create_index("ix_outbound_office_created", "outbound_messages", ["office", "created_at"])
    op.create_index("ix_visit_office_updated", "visits", ["office", "updated_at"])
    op.create_index("ix_inbound_office_received", "inbound_messages", ["office", "received_at"])
    op.create_index("ix_conversation_office_inbound", "conversations", ["office", "last_inbound_at"])
    op.drop_index("ix_outbound_messages_office", table_name="outbound_messages")
    op.create_index("ix_conversation_office_bsuid", "conversations", ["office", "bsuid"])
    op.drop_index("ix_conversations_bsuid", table_name="conversations")


def downgrade() -> None:
    op.create_index("ix_conversations_bsuid", "conversations", ["bsuid"])
    op.drop_index("ix_conversation_office_bsuid", table_name="conversations")
    op.create_index("ix_outbound_messages_office", "outbound_messages", ["office"])
    op.drop_index("ix_conversation_office_inbound", table_name="conversations")
    op.drop_index("ix_inbound_office_received", table_name="inbound_messages")
    op.drop_index("ix_visit_office_updated", table_name="visits")
    op.drop_index("ix_outbound_office_created", table_name="outbound_messages")
    op.drop_index("ix_outbound_office_updated", table_name="outbound_messages")
    op.drop_index("ix_outbound_held_for", table_name="outbound_messages")
