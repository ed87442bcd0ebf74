"""WhatsApp usernames: every column holding a person's address takes a business-scoped user ID
(BSUID, up to 131 characters); a conversation remembers its BSUID, an inbound message its
ExternalUserId

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-29 05:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

ADDRESS = sa.String(length=140)
# (table, column, length before)
WIDENED = (("conversations", "phone", 32), ("inbound_messages", "from_number", 64),
           ("outbound_messages", "to_number", 64), ("complaints", "phone", 32), ("handoffs", "phone", 32),
           ("survey_invitations", "phone", 32), ("consents", "phone", 32), ("visits", "citizen_phone", 32))


def upgrade() -> None:
    for table, column, before in WIDENED:
        with op.batch_alter_table(table) as batch:
            batch.alter_column(column, type_=ADDRESS, existing_type=sa.String(length=before))
    with op.batch_alter_table("conversations") as batch:
        batch.add_column(sa.Column("bsuid", ADDRESS, nullable=True))
        batch.create_index("ix_conversations_bsuid", ["bsuid"])
    with op.batch_alter_table("inbound_messages") as batch:
        batch.add_column(sa.Column("external_user_id", ADDRESS, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("inbound_messages") as batch:
        batch.drop_column("external_user_id")
    with op.batch_alter_table("conversations") as batch:
        batch.drop_index("ix_conversations_bsuid")
        batch.drop_column("bsuid")
    for table, column, before in WIDENED:
        with op.batch_alter_table(table) as batch:
            batch.alter_column(column, type_=sa.String(length=before), existing_type=ADDRESS)
