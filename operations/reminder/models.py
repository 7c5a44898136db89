"""Reminder models: the log of what fired, and reminders people set."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from operations.db import Base, UTCDateTime


class ReminderLog(Base):
    """A reminder that fired; its key makes it fire once, whatever the replicas and restarts."""

    __tablename__ = "reminder_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    fired_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Reminder(Base):
    """A reminder someone asked for on a task (`remind REF WHEN`), or a snooze (`snooze REF
    FOR`: `snooze_agency_id` set): a snooze holds the task's stage reminders for that agency
    until `fire_at`, then fires once in their place."""

    __tablename__ = "reminder"
    __table_args__ = (Index("ix_reminder_pending", "fired_at", "fire_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("task.id"), index=True)
    fire_at: Mapped[datetime] = mapped_column(UTCDateTime())
    note: Mapped[str | None] = mapped_column(String(500))
    created_by_id: Mapped[int] = mapped_column(ForeignKey("member.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    fired_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    snooze_agency_id: Mapped[int | None] = mapped_column(ForeignKey("agency.id"))


class TaskReminderSchedule(Base):
    """Per task, the next instant its reminders need the sweep (operations.reminder.schedule).

    NULL when nothing is pending (closed, no due time, operation not reminding). The sweep
    reads only rows whose instant has come, through ix_task_reminder_schedule_next_at, so a
    backlog of overdue tasks already reminded today is not read again until tomorrow's stage.
    """

    __tablename__ = "task_reminder_schedule"

    task_id: Mapped[int] = mapped_column(ForeignKey("task.id"), primary_key=True)
    next_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)


# the flush hook that keeps TaskReminderSchedule current, registered with the models
from operations.reminder import schedule as _schedule  # noqa: E402, F401
