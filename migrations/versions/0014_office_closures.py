"""An office's own days off: cuti bersama and local closures, beside the national holidays

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-30 07:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "office_days_off",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("office", sa.String(length=64), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("office", "day", name="uq_office_days_off_office_day"),
    )


def downgrade() -> None:
    op.drop_table("office_days_off")
