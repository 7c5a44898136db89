"""Closed vocabularies of the domain."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    """A member's role; decides what they may do."""

    ADMIN = "admin"
    COORDINATOR = "coordinator"
    SUPERVISOR = "supervisor"
    LIAISON = "liaison"
    OBSERVER = "observer"


class Language(StrEnum):
    """The four official working languages."""

    EN = "en"
    FR = "fr"
    ES = "es"
    AR = "ar"


class OperationStatus(StrEnum):
    PLANNED = "planned"
    ACTIVE = "active"
    SUSPENDED = "suspended"
    CLOSED = "closed"


# the operations whose reminders, cadence and notices go out (suspended: held until it resumes;
# closed: never again); the one rule every periodic job reads
REMINDING_OPERATION_STATUSES = (OperationStatus.PLANNED, OperationStatus.ACTIVE)


class ParticipationRole(StrEnum):
    LEAD = "lead"
    PARTICIPANT = "participant"
    OBSERVER = "observer"


class TaskStatus(StrEnum):
    OPEN = "open"
    IN_PROGRESS = "in_progress"
    BLOCKED = "blocked"
    DONE = "done"
    CANCELLED = "cancelled"


OPEN_TASK_STATUSES = (TaskStatus.OPEN, TaskStatus.IN_PROGRESS, TaskStatus.BLOCKED)


class Priority(StrEnum):
    LOW = "low"
    NORMAL = "normal"
    HIGH = "high"
    URGENT = "urgent"


class ResultKind(StrEnum):
    """What an agency achieved, as `result` records it (DESIGN.md § Commands)."""

    ARRESTS = "arrests"
    SEARCHES = "searches"
    SEIZURES = "seizures"
    PACKAGES = "packages"
    WEBSITES = "websites"  # taken down
    ACCOUNTS = "accounts"  # frozen
    VICTIMS = "victims"  # identified or rescued
    SUSPECTS = "suspects"  # identified
    OTHER = "other"


class ReleaseState(StrEnum):
    """Where a four-eyes release request stands."""

    PENDING = "pending"
    APPROVED = "approved"  # and run
    REJECTED = "rejected"
    EXPIRED = "expired"
    FAILED = "failed"  # approved, but the action could no longer be done


class TLP(StrEnum):
    """Traffic Light Protocol 2.0 markings, least to most restricted."""

    CLEAR = "CLEAR"
    GREEN = "GREEN"
    AMBER = "AMBER"
    AMBER_STRICT = "AMBER+STRICT"
    RED = "RED"


class Platform(StrEnum):
    CONSOLE = "console"
    TELEGRAM = "telegram"
    SLACK = "slack"
