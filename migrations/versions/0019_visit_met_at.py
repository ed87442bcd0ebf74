"""When the host came out to meet a guest they had agreed to see before the guest arrived

A host who accepts on WhatsApp the day before leaves no moment of meeting: the desk records it with one
click ("pegawai sudah menemui tamu"), and the office's standard clock (bot/visits/standard.py) measures
the guest's wait up to it.

Revision ID: 0019
Revises: 0018
Create Date: 2026-11-29 13:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("visits") as batch:
        batch.add_column(sa.Column("met_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("visits") as batch:
        batch.drop_column("met_at")
