"""Personal data rights (UU 27/2022): the register of access, erasure and withdrawal requests

Revision ID: 0012
Revises: 0010
Create Date: 2026-11-29 06:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "rights_requests",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("reference", sa.String(length=32), nullable=False),
        sa.Column("office", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("actor", sa.String(length=80), nullable=False),
        sa.Column("counts", sa.JSON(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("reference", name="uq_rights_requests_reference"),
    )
    op.create_index("ix_rights_requests_office", "rights_requests", ["office"])


def downgrade() -> None:
    op.drop_index("ix_rights_requests_office", table_name="rights_requests")
    op.drop_table("rights_requests")
