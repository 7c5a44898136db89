"""What the audit vouches for in each kind of domain row: one place per kind.

Every event that creates, changes or deletes such a row carries the row's key (`task:12`) and
the digest of the fields listed here, as they are after the change (or GONE). `audit verify`
recomputes the digest of every row and compares it with the row's last event.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import Enum
from typing import Any, cast

from operations.agency.models import Agency
from operations.channel.models import Channel
from operations.db import Base
from operations.member.models import Identity, Invite, LinkCode, Member
from operations.operation.models import Operation, Participation
from operations.release.models import ReleaseRequest
from operations.result.models import Result
from operations.status.models import Ack, StatusUpdate
from operations.task.models import Task, TaskNote

GONE = "gone"  # the digest of a row its event deleted


@dataclass(frozen=True, slots=True)
class Kind:
    """A kind of row the audit vouches for: its key prefix, model and the fields digested."""

    name: str
    model: type[Base]
    fields: tuple[str, ...]
    # fields added after rows of the kind were first audited: digested only when set (not
    # None, not False), so that the digests recorded before they existed stay valid
    later: tuple[str, ...] = ()

    @property
    def columns(self) -> tuple[str, ...]:
        """Every field the digest may read."""
        return self.fields + self.later


KINDS = (
    Kind("agency", Agency, ("code", "name", "country", "timezone", "language")),
    # who a person is allowed to be; their own language, timezone and digest are preferences
    Kind("member", Member, ("display_name", "agency_id", "role", "removed_at")),
    Kind("identity", Identity, ("platform", "workspace", "external_id", "member_id")),
    Kind(
        "invite",
        Invite,
        (
            "code_hash",
            "agency_id",
            "role",
            "created_by_id",
            "expires_at",
            "used_at",
            "used_by_id",
            "revoked_at",
        ),
    ),
    Kind("link_code", LinkCode, ("code_hash", "member_id", "expires_at", "used_at")),
    Kind("channel", Channel, ("platform", "workspace", "external_id", "agency_id")),
    Kind(
        "operation",
        Operation,
        (
            "code",
            "name",
            "objective",
            "status",
            "lead_agency_id",
            "starts_at",
            "ends_at",
            "tlp",
            "cadence_seconds",
        ),
        later=("four_eyes",),
    ),
    Kind("participation", Participation, ("operation_id", "agency_id", "role")),
    Kind(
        "task",
        Task,
        (
            "operation_id",
            "number",
            "title",
            "details",
            "assignee_agency_id",
            "assignee_member_id",
            "status",
            "priority",
            "due_at",
            "tlp",
            "blocked_reason",
        ),
    ),
    Kind("status_update", StatusUpdate, ("operation_id", "author_id", "text", "tlp", "created_at")),
    Kind(
        "result",
        Result,
        (
            "operation_id",
            "number",
            "agency_id",
            "kind",
            "count",
            "preliminary",
            "note",
            "author_id",
            "created_at",
            "withdrawn_at",
            "withdrawn_by_id",
        ),
    ),
    Kind("task_note", TaskNote, ("task_id", "author_id", "text", "created_at")),
    Kind("ack", Ack, ("status_update_id", "agency_id", "acknowledged_by_id", "acknowledged_at")),
    Kind(
        "release",
        ReleaseRequest,
        ("operation_id", "command", "requester_id", "state", "decided_by_id", "decided_at"),
    ),
)
_BY_MODEL = {kind.model: kind for kind in KINDS}


def kind_of(row: object) -> Kind:
    """The kind of a model instance (TypeError for a model the audit does not vouch for)."""
    kind = _BY_MODEL.get(cast(type[Base], type(row)))
    if kind is None:
        raise TypeError(f"the audit keeps no fingerprint of {type(row).__name__}")
    return kind


def key(row: object) -> str:
    """How the audit names a row: `task:12` (its kind and primary key)."""
    return f"{kind_of(row).name}:{cast(Any, row).id}"


def fingerprint(row: object) -> str:
    """The digest of a row's audited fields, as they are now."""
    kind = kind_of(row)
    return digest(kind, lambda field: getattr(row, field))


def digest(kind: Kind, value: Callable[[str], Any]) -> str:
    """The digest of the fields of `kind`, each read by `value(field)` (an ORM row, a result
    row: the same digest for the same content)."""
    canonical = [kind.name, *(_plain(value(field)) for field in kind.fields)]
    canonical += [[field, _plain(value(field))] for field in kind.later if value(field)]
    text = json.dumps(canonical, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    if isinstance(value, Enum):
        return value.value
    return value
