"""acknowledgements: status updates numbered within their operation, status --ack, and one
ack row per agency asked (ack, acks, the chase)

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-03 13:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from operations.db import UTCDateTime

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("status_update", schema=None) as batch_op:
        batch_op.add_column(sa.Column("number", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column("ack_requested", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(sa.Column("ack_lead_told_at", UTCDateTime(), nullable=True))
    # number the existing updates in the order they were posted, per operation
    op.execute(
        "UPDATE status_update SET number = (SELECT COUNT(*) FROM status_update AS earlier"
        " WHERE earlier.operation_id = status_update.operation_id"
        " AND earlier.id <= status_update.id)"
    )
    with op.batch_alter_table("status_update", schema=None) as batch_op:
        batch_op.alter_column("number", existing_type=sa.Integer(), nullable=False)
        batch_op.alter_column("ack_requested", server_default=None)
        batch_op.create_unique_constraint(
            batch_op.f("uq_status_update_operation_id_number"), ["operation_id", "number"]
        )

    op.create_table(
        "ack",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("status_update_id", sa.Integer(), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("acknowledged_by_id", sa.Integer(), nullable=True),
        sa.Column("acknowledged_at", UTCDateTime(), nullable=True),
        sa.Column("chased_at", UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["status_update_id"],
            ["status_update.id"],
            name=op.f("fk_ack_status_update_id_status_update"),
        ),
        sa.ForeignKeyConstraint(["agency_id"], ["agency.id"], name=op.f("fk_ack_agency_id_agency")),
        sa.ForeignKeyConstraint(
            ["acknowledged_by_id"], ["member.id"], name=op.f("fk_ack_acknowledged_by_id_member")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ack")),
        sa.UniqueConstraint(
            "status_update_id", "agency_id", name=op.f("uq_ack_status_update_id_agency_id")
        ),
    )
    with op.batch_alter_table("ack", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_ack_agency_id"), ["agency_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("ack", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ack_agency_id"))
    op.drop_table("ack")
    with op.batch_alter_table("status_update", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_status_update_operation_id_number"), type_="unique")
        batch_op.drop_column("ack_lead_told_at")
        batch_op.drop_column("ack_requested")
        batch_op.drop_column("number")
