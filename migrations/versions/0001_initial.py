"""Initial schema: conversations, inbound and outbound messages, status events

Revision ID: 0001
Revises:
Create Date: 2026-11-23 11:00:30.283697
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "conversations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("office", sa.String(length=64), nullable=False),
        sa.Column("phone", sa.String(length=32), nullable=False),
        sa.Column("profile_name", sa.String(length=200), nullable=True),
        sa.Column("lang", sa.String(length=8), nullable=False),
        sa.Column("state", sa.JSON(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("last_inbound_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("office", "phone", name="uq_conversation_office_phone"),
    )
    op.create_table(
        "inbound_messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("message_sid", sa.String(length=64), nullable=False),
        sa.Column("office", sa.String(length=64), nullable=True),
        sa.Column("conversation_id", sa.Integer(), nullable=True),
        sa.Column("from_number", sa.String(length=64), nullable=False),
        sa.Column("to_number", sa.String(length=64), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("num_media", sa.Integer(), nullable=False),
        sa.Column("media", sa.JSON(), nullable=False),
        sa.Column("profile_name", sa.String(length=200), nullable=True),
        sa.Column("wa_id", sa.String(length=32), nullable=True),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("processed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["conversations.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("message_sid"),
    )
    with op.batch_alter_table("inbound_messages", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_inbound_messages_conversation_id"), ["conversation_id"], unique=False
        )
        batch_op.create_index("ix_inbound_unprocessed", ["processed_at", "received_at"], unique=False)

    op.create_table(
        "outbound_messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("office", sa.String(length=64), nullable=True),
        sa.Column("conversation_id", sa.Integer(), nullable=True),
        sa.Column("in_reply_to_id", sa.Integer(), nullable=True),
        sa.Column("to_number", sa.String(length=64), nullable=False),
        sa.Column("from_number", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("media_urls", sa.JSON(), nullable=False),
        sa.Column("content_sid", sa.String(length=64), nullable=True),
        sa.Column("content_variables", sa.JSON(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("error_code", sa.String(length=32), nullable=True),
        sa.Column("error_message", sa.Text(), nullable=True),
        sa.Column("twilio_sid", sa.String(length=64), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["conversations.id"],
        ),
        sa.ForeignKeyConstraint(
            ["in_reply_to_id"],
            ["inbound_messages.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("twilio_sid"),
    )
    with op.batch_alter_table("outbound_messages", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_outbound_messages_conversation_id"), ["conversation_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_outbound_messages_in_reply_to_id"), ["in_reply_to_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_outbound_messages_office"), ["office"], unique=False)
        batch_op.create_index("ix_outbound_status_next", ["status", "next_attempt_at"], unique=False)

    op.create_table(
        "status_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("twilio_sid", sa.String(length=64), nullable=False),
        sa.Column("outbound_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("error_code", sa.String(length=32), nullable=True),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["outbound_id"],
            ["outbound_messages.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("status_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_status_events_outbound_id"), ["outbound_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_status_events_twilio_sid"), ["twilio_sid"], unique=False)



def downgrade() -> None:
    with op.batch_alter_table("status_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_status_events_twilio_sid"))
        batch_op.drop_index(batch_op.f("ix_status_events_outbound_id"))

    op.drop_table("status_events")
    with op.batch_alter_table("outbound_messages", schema=None) as batch_op:
        batch_op.drop_index("ix_outbound_status_next")
        batch_op.drop_index(batch_op.f("ix_outbound_messages_office"))
        batch_op.drop_index(batch_op.f("ix_outbound_messages_in_reply_to_id"))
        batch_op.drop_index(batch_op.f("ix_outbound_messages_conversation_id"))

    op.drop_table("outbound_messages")
    with op.batch_alter_table("inbound_messages", schema=None) as batch_op:
        batch_op.drop_index("ix_inbound_unprocessed")
        batch_op.drop_index(batch_op.f("ix_inbound_messages_conversation_id"))

    op.drop_table("inbound_messages")
    op.drop_table("conversations")
