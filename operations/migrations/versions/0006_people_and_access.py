"""people and access: removed members, last seen accounts, revoked invites

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02 14:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import operations.db

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("member", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("removed_at", operations.db.UTCDateTime(timezone=True), nullable=True)
        )
    with op.batch_alter_table("identity", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("last_seen_at", operations.db.UTCDateTime(timezone=True), nullable=True)
        )
    with op.batch_alter_table("invite", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("revoked_at", operations.db.UTCDateTime(timezone=True), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("invite", schema=None) as batch_op:
        batch_op.drop_column("revoked_at")
    with op.batch_alter_table("identity", schema=None) as batch_op:
        batch_op.drop_column("last_seen_at")
    with op.batch_alter_table("member", schema=None) as batch_op:
        batch_op.drop_column("removed_at")
