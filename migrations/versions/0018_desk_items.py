"""Guest book desk items per office's SOP: what was handed out and held at check-in, what came back

Two nullable JSON columns (JSON is native on PostgreSQL and text on SQLite): the items differ per office
(a phone held at Kapuas, a gate pass at Alor) and will differ again, so a column per item would need a
migration for each new SOP; the badge, locker and identity card keep their columns (search and slip).

Revision ID: 0018
Revises: 0017
Create Date: 2026-11-29 12:50:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("visits") as batch:
        batch.add_column(sa.Column("desk_items", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("desk_returned", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("visits") as batch:
        batch.drop_column("desk_returned")
        batch.drop_column("desk_items")
