"""Task model."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from operations.agency.models import Agency
from operations.db import Base, UTCDateTime, enum_type
from operations.enums import TLP, Priority, TaskStatus
from operations.operation.models import Operation

TITLE_MAX = 200
TEXT_MAX = 3000


class Task(Base):
    """A piece of work in an operation, assigned to an agency."""

    __tablename__ = "task"
    __table_args__ = (
        UniqueConstraint("operation_id", "number"),
        # covers the summary's counts: (agency, status) groups and overdue per agency
        Index(
            "ix_task_operation_agency_status_due",
            "operation_id",
            "assignee_agency_id",
            "status",
            "due_at",
        ),
        # the summary's "needs attention": the most overdue tasks of each open status
        Index("ix_task_operation_status_due", "operation_id", "status", "due_at"),
        Index("ix_task_status_due_at", "status", "due_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    operation_id: Mapped[int] = mapped_column(ForeignKey("operation.id"))
    number: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(TITLE_MAX))
    details: Mapped[str | None] = mapped_column(Text)
    assignee_agency_id: Mapped[int] = mapped_column(ForeignKey("agency.id"), index=True)
    assignee_member_id: Mapped[int | None] = mapped_column(ForeignKey("member.id"))
    status: Mapped[TaskStatus] = mapped_column(enum_type(TaskStatus))
    priority: Mapped[Priority] = mapped_column(enum_type(Priority))
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    tlp: Mapped[TLP] = mapped_column(enum_type(TLP))
    blocked_reason: Mapped[str | None] = mapped_column(String(TEXT_MAX))
    created_by_id: Mapped[int] = mapped_column(ForeignKey("member.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())

    operation: Mapped[Operation] = relationship(lazy="raise")
    assignee_agency: Mapped[Agency] = relationship(lazy="raise")

    @property
    def ref(self) -> str:
        """Human reference such as PANGEA-18#12 (needs `operation` loaded)."""
        return f"{self.operation.code}#{self.number}"


class TaskNote(Base):
    """A note someone added to a task (`task note REF "text"`); it carries the task's marking."""

    __tablename__ = "task_note"

    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("task.id"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("member.id"))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
