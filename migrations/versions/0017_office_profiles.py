"""Office profiles edited on the dashboard, laid over config/offices/, with what the admin confirmed

Revision ID: 0017
Revises: 0016
Create Date: 2026-11-29 09:10:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "office_profiles",
        sa.Column("office", sa.String(length=64), primary_key=True),
        sa.Column("profile", sa.JSON(), nullable=False),
        sa.Column("hours_confirmed_by", sa.String(length=64), nullable=True),
        sa.Column("hours_confirmed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("whatsapp_confirmed_by", sa.String(length=64), nullable=True),
        sa.Column("whatsapp_confirmed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_by", sa.String(length=64), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("office_profiles")
