"""each task's next reminder instant, and an index for overdue task lists

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02 15:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from operations.db import UTCDateTime

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "task_reminder_schedule",
        sa.Column("task_id", sa.Integer(), nullable=False),
        sa.Column("next_at", UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["task_id"], ["task.id"]),
        sa.PrimaryKeyConstraint("task_id"),
    )
    with op.batch_alter_table("task_reminder_schedule", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_task_reminder_schedule_next_at"), ["next_at"], unique=False
        )
    # every open task with a due time is looked at by the first sweep, then moved to its
    # next stage; the others have nothing pending
    op.execute(
        "INSERT INTO task_reminder_schedule (task_id, next_at) "
        "SELECT id, CASE WHEN due_at IS NOT NULL AND status IN ('open', 'in_progress', 'blocked') "
        "THEN updated_at END FROM task"
    )


def downgrade() -> None:
    with op.batch_alter_table("task_reminder_schedule", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_task_reminder_schedule_next_at"))
    op.drop_table("task_reminder_schedule")
