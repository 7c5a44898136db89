"""four eyes: operation.four_eyes and the release requests it holds actions as

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-03 15:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from operations.db import UTCDateTime

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("operation", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("four_eyes", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    with op.batch_alter_table("operation", schema=None) as batch_op:
        batch_op.alter_column("four_eyes", server_default=None)

    op.create_table(
        "release_request",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("operation_id", sa.Integer(), nullable=False),
        sa.Column("command", sa.Text(), nullable=False),
        sa.Column("requester_id", sa.Integer(), nullable=False),
        sa.Column("platform", sa.String(length=16), nullable=False),
        sa.Column("workspace", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.String(length=64), nullable=False),
        sa.Column("chat_id", sa.String(length=64), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("expires_at", UTCDateTime(), nullable=False),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", UTCDateTime(), nullable=True),
        sa.Column("reason", sa.String(length=500), nullable=True),
        sa.ForeignKeyConstraint(
            ["operation_id"],
            ["operation.id"],
            name=op.f("fk_release_request_operation_id_operation"),
        ),
        sa.ForeignKeyConstraint(
            ["requester_id"], ["member.id"], name=op.f("fk_release_request_requester_id_member")
        ),
        sa.ForeignKeyConstraint(
            ["decided_by_id"], ["member.id"], name=op.f("fk_release_request_decided_by_id_member")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_release_request")),
    )
    with op.batch_alter_table("release_request", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_release_request_operation_id"), ["operation_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_release_request_requester_id"), ["requester_id"], unique=False
        )
        batch_op.create_index(
            "ix_release_request_state_expires_at", ["state", "expires_at"], unique=False
        )


def downgrade() -> None:
    op.drop_table("release_request")
    with op.batch_alter_table("operation", schema=None) as batch_op:
        batch_op.drop_column("four_eyes")
