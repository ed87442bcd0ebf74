"""Employee directory edited on the dashboard: aliases, active, and who owns each row (file or dashboard)

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-23 13:10:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("employees") as batch:
        batch.add_column(sa.Column("aliases", sa.JSON(), nullable=False, server_default="[]"))
        batch.add_column(sa.Column("active", sa.Boolean(), nullable=False, server_default=sa.true()))
        batch.add_column(sa.Column("managed_by", sa.String(length=16), nullable=False, server_default="file"))


def downgrade() -> None:
    with op.batch_alter_table("employees") as batch:
        batch.drop_column("managed_by")
        batch.drop_column("active")
        batch.drop_column("aliases")
