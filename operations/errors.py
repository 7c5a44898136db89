"""Typed domain errors. They carry data, never chat text; the bot layer words them."""

from __future__ import annotations

import math
from datetime import datetime
from typing import Any


class DomainError(Exception):
    """Base of every error a service raises on purpose."""

    # the audit action of a refused access attempt (operations.audit.access), or None
    refusal: str | None = None


class NotFound(DomainError):
    """No such thing, or the caller may not know it exists (need-to-know)."""

    def __init__(self, kind: str, key: str) -> None:
        super().__init__(kind, key)
        self.kind = kind
        self.key = key


class NotPermitted(DomainError):
    """The caller's role or agency does not allow the action."""

    refusal = "command.refused"

    def __init__(
        self,
        action: str,
        *,
        reason: str = "policy",
        grants: tuple[Any, ...] = (),
        operation: str | None = None,
        lead: str | None = None,
        **detail: str,
    ) -> None:
        super().__init__(action, reason)
        self.action = action
        self.reason = reason
        self.grants = grants  # the acting table's grants for the action (operations.acting)
        self.operation = operation
        self.lead = lead
        self.detail = detail

    @property
    def roles(self) -> tuple[str, ...]:
        """The roles some grant for the action is given to, in the table's order."""
        return tuple(dict.fromkeys(grant.role for grant in self.grants))


class InvalidTransition(DomainError):
    """The thing is in a state from which the requested change is not allowed."""

    def __init__(self, kind: str, key: str, *, current: str, target: str) -> None:
        super().__init__(kind, key, current, target)
        self.kind = kind
        self.key = key
        self.current = current
        self.target = target


class Conflict(DomainError):
    """The change collides with something that already exists or was already done."""

    def __init__(self, kind: str, key: str, *, reason: str = "exists") -> None:
        super().__init__(kind, key, reason)
        self.kind = kind
        self.key = key
        self.reason = reason


class Invalid(DomainError):
    """A value the domain does not accept; `reason` is a machine key, `detail` the data."""

    def __init__(self, field: str, reason: str, **detail: str) -> None:
        super().__init__(field, reason, detail)
        self.field = field
        self.reason = reason
        self.detail = detail


class Throttled(DomainError):
    """Too many failed attempts from one account: refused until `until` (whatever it sends)."""

    refusal = "code.throttled"

    def __init__(self, action: str, *, until: datetime, now: datetime) -> None:
        super().__init__(action, until)
        self.action = action
        self.until = until
        self.minutes = max(1, math.ceil((until - now).total_seconds() / 60))
