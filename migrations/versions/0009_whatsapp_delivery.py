"""WhatsApp delivery: notices keep their named template values, language and expiry, and replies their
tap-able choices; officers mark held or failed messages handled; inbound taps keep their button id and
the tapped message's SID

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-29 04:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("outbound_messages") as batch:
        batch.add_column(sa.Column("template_values", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("interactive", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("lang", sa.String(length=8), nullable=True))
        batch.add_column(sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("handled_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("handled_by", sa.String(length=64), nullable=True))
    with op.batch_alter_table("inbound_messages") as batch:
        batch.add_column(sa.Column("button_payload", sa.String(length=200), nullable=True))
        batch.add_column(sa.Column("replied_sid", sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("inbound_messages") as batch:
        batch.drop_column("replied_sid")
        batch.drop_column("button_payload")
    with op.batch_alter_table("outbound_messages") as batch:
        batch.drop_column("handled_by")
        batch.drop_column("handled_at")
        batch.drop_column("expires_at")
        batch.drop_column("lang")
        batch.drop_column("interactive")
        batch.drop_column("template_values")
