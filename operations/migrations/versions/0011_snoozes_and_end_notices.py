"""reminder snoozes and operation lifecycle: a snooze is a reminder for one agency; when an
operation's lead agency was told its planned end had passed

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02 18:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from operations.db import UTCDateTime

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("reminder", schema=None) as batch_op:
        batch_op.add_column(sa.Column("snooze_agency_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_reminder_snooze_agency_id_agency"),
            "agency",
            ["snooze_agency_id"],
            ["id"],
        )
    with op.batch_alter_table("operation", schema=None) as batch_op:
        batch_op.add_column(sa.Column("ends_told_at", UTCDateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("operation", schema=None) as batch_op:
        batch_op.drop_column("ends_told_at")
    with op.batch_alter_table("reminder", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_reminder_snooze_agency_id_agency"), type_="foreignkey"
        )
        batch_op.drop_column("snooze_agency_id")
