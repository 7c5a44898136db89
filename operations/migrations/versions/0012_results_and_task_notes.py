"""results and task notes: what agencies achieved in an operation (result, results); notes
on tasks (task note)

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-03 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from operations.db import UTCDateTime

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "result",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("operation_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("preliminary", sa.Boolean(), nullable=False),
        sa.Column("note", sa.String(length=500), nullable=True),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("withdrawn_at", UTCDateTime(), nullable=True),
        sa.Column("withdrawn_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["operation_id"], ["operation.id"], name=op.f("fk_result_operation_id_operation")
        ),
        sa.ForeignKeyConstraint(
            ["agency_id"], ["agency.id"], name=op.f("fk_result_agency_id_agency")
        ),
        sa.ForeignKeyConstraint(
            ["author_id"], ["member.id"], name=op.f("fk_result_author_id_member")
        ),
        sa.ForeignKeyConstraint(
            ["withdrawn_by_id"], ["member.id"], name=op.f("fk_result_withdrawn_by_id_member")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_result")),
        sa.UniqueConstraint("operation_id", "number", name=op.f("uq_result_operation_id_number")),
    )
    with op.batch_alter_table("result", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_result_agency_id"), ["agency_id"], unique=False)

    op.create_table(
        "task_note",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("task_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["task_id"], ["task.id"], name=op.f("fk_task_note_task_id_task")),
        sa.ForeignKeyConstraint(
            ["author_id"], ["member.id"], name=op.f("fk_task_note_author_id_member")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_task_note")),
    )
    with op.batch_alter_table("task_note", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_task_note_task_id"), ["task_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("task_note", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_task_note_task_id"))
    op.drop_table("task_note")
    with op.batch_alter_table("result", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_result_agency_id"))
    op.drop_table("result")
