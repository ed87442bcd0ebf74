"""Guest book desk: check-in and check-out, badge, locker, the identity card held and returned

Revision ID: 0006
Revises: 0002
Create Date: 2026-11-23 12:20:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0002"
branch_labels = None
depends_on = None

COLUMNS = (
    ("walk_in", lambda: sa.Column("walk_in", sa.Boolean(), nullable=False, server_default=sa.false())),
    ("checked_in_at", lambda: sa.Column("checked_in_at", sa.DateTime(timezone=True), nullable=True)),
    ("checked_in_by", lambda: sa.Column("checked_in_by", sa.String(length=64), nullable=True)),
    ("badge_number", lambda: sa.Column("badge_number", sa.String(length=32), nullable=True)),
    ("locker_key", lambda: sa.Column("locker_key", sa.String(length=32), nullable=True)),
    ("id_held_type", lambda: sa.Column("id_held_type", sa.String(length=8), nullable=True)),
    ("id_held_last4", lambda: sa.Column("id_held_last4", sa.String(length=4), nullable=True)),
    ("id_returned_at", lambda: sa.Column("id_returned_at", sa.DateTime(timezone=True), nullable=True)),
    ("checked_out_at", lambda: sa.Column("checked_out_at", sa.DateTime(timezone=True), nullable=True)),
    ("checked_out_by", lambda: sa.Column("checked_out_by", sa.String(length=64), nullable=True)),
)


def upgrade() -> None:
    with op.batch_alter_table("visits") as batch:
        for _name, column in COLUMNS:
            batch.add_column(column())


def downgrade() -> None:
    with op.batch_alter_table("visits") as batch:
        for name, _column in reversed(COLUMNS):
            batch.drop_column(name)
