"""What happened, and which agencies' chats hear of it.

Services `emit` events into the session as they change things; the bot layer `take`s them at
the end of the command and publishes them. `HEARS` says which agencies an event concerns, and
`audience` runs each of them through the knowing policy: the one place that decides where a
broadcast goes. Reminders and failure notices, raised by the sweeper and the worker, go
through the same `audience`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING

from sqlalchemy.ext.asyncio import AsyncSession

from operations.acting import Stance
from operations.enums import TLP, TaskStatus
from operations.knowing import Carrier, Reader, Verdict, chat_verdict
from operations.operation import queries as operation_queries
from operations.operation.models import Operation

if TYPE_CHECKING:
    from operations.agency.models import Agency
    from operations.status.models import StatusUpdate
    from operations.task.models import Task


class EventKind(StrEnum):
    """What happened; the value is also the kind of the deliveries it causes."""

    TASK_ADDED = "task.assigned"
    TASK_REASSIGNED = "task.reassigned"
    TASK_RESCHEDULED = "task.due"
    TASK_BLOCKED = "task.block"
    TASK_DONE = "task.done"
    TASK_REOPENED = "task.reopen"
    TASK_CANCELLED = "task.cancel"
    TASK_NOTED = "task.note"
    TASK_EDITED = "task.edit"  # its title, priority, marking or details changed
    TASK_REMINDER = "reminder"
    STATUS_POSTED = "status"
    CADENCE_DUE = "cadence"  # no status update on the operation for longer than its cadence
    DELIVERY_FAILED = "delivery_failed"  # a message that will never arrive
    CLOSED_TASKS = "op.tasks_cancelled"  # open tasks cancelled by op close --force
    OPERATION_CLOSED = "operation.closed"  # the final summary
    ENDS_PASSED = "operation.ends_passed"  # the planned end (--ends) has passed
    ACK_CHASE = "ack.chase"  # an agency asked to acknowledge an update has not (one reminder)
    ACK_MISSING = "ack.missing"  # the lead told which agencies have still not acknowledged


class Party(StrEnum):
    """An agency an event concerns, by its part in the operation or the task."""

    ASSIGNEE = "assignee"
    PREVIOUS_ASSIGNEE = "previous assignee"
    LEAD = "lead"
    TAKING_PART = "every agency taking part"
    ADDRESSEE = "the agency the event is addressed to"  # Event.addressee
    LAGGARD = "an agency that has not acknowledged a status update"  # Event.addressee too


_ASSIGNEE_AND_LEAD = (Party.ASSIGNEE, Party.LEAD)
HEARS: dict[EventKind, tuple[Party, ...]] = {
    EventKind.TASK_ADDED: (Party.ASSIGNEE,),
    EventKind.TASK_REASSIGNED: (Party.ASSIGNEE, Party.PREVIOUS_ASSIGNEE),
    EventKind.TASK_RESCHEDULED: (Party.ASSIGNEE,),
    EventKind.TASK_BLOCKED: _ASSIGNEE_AND_LEAD,
    EventKind.TASK_DONE: _ASSIGNEE_AND_LEAD,
    EventKind.TASK_REOPENED: _ASSIGNEE_AND_LEAD,
    EventKind.TASK_CANCELLED: _ASSIGNEE_AND_LEAD,
    EventKind.TASK_NOTED: _ASSIGNEE_AND_LEAD,
    EventKind.TASK_EDITED: _ASSIGNEE_AND_LEAD,
    EventKind.TASK_REMINDER: (Party.ASSIGNEE,),
    EventKind.STATUS_POSTED: (Party.TAKING_PART,),
    EventKind.CADENCE_DUE: (Party.LEAD,),
    EventKind.DELIVERY_FAILED: (Party.LEAD,),
    EventKind.CLOSED_TASKS: (Party.ADDRESSEE,),  # one per agency, its tasks (closing_notices)
    EventKind.OPERATION_CLOSED: (Party.TAKING_PART,),
    EventKind.ENDS_PASSED: (Party.LEAD,),
    EventKind.ACK_CHASE: (Party.LAGGARD,),
    EventKind.ACK_MISSING: (Party.LEAD,),
}


_TASK_KINDS = (
    EventKind.TASK_ADDED,
    EventKind.TASK_REASSIGNED,
    EventKind.TASK_RESCHEDULED,
    EventKind.TASK_BLOCKED,
    EventKind.TASK_DONE,
    EventKind.TASK_REOPENED,
    EventKind.TASK_CANCELLED,
    EventKind.TASK_NOTED,
    EventKind.TASK_EDITED,
    EventKind.TASK_REMINDER,
)
# what carries the marking of an event's content (None: the event carries no marked content)
CARRIES: dict[EventKind, Carrier | None] = {
    **dict.fromkeys(_TASK_KINDS, Carrier.TASK),
    EventKind.STATUS_POSTED: Carrier.STATUS,
    EventKind.CADENCE_DUE: None,
    EventKind.DELIVERY_FAILED: None,
    EventKind.CLOSED_TASKS: None,  # each agency's notice lists only what its chats may read
    EventKind.OPERATION_CLOSED: Carrier.STATUS,  # a report on the operation, its marking
    EventKind.ENDS_PASSED: None,
    EventKind.ACK_CHASE: None,  # the update's number, not its content
    EventKind.ACK_MISSING: None,  # the number and the codes of the agencies missing
}


def chat_gets(kind: EventKind, tlp: TLP | None, stance: Stance, *, assignee: bool) -> Verdict:
    """What the chats of an agency concerned by an event get of it, given its marking."""
    carrier = CARRIES[kind]
    if carrier is None or tlp is None:
        return Verdict.FULL if stance != Stance.NONE else Verdict.WITHHELD
    return chat_verdict(tlp, carrier, Reader.group(stance, assignee=assignee))


@dataclass(frozen=True, slots=True)
class Event:
    """One thing that happened in an operation; `key` makes its deliveries unique."""

    kind: EventKind
    operation: Operation
    key: str
    task: Task | None = None
    status: StatusUpdate | None = None
    previous: Agency | None = None  # the former assignee (reassigned)
    before: TaskStatus | None = None  # the task's former status (state changes)
    detail: dict[str, str] = field(default_factory=dict)  # words for the message (reminders...)
    tasks: tuple[Task, ...] = ()  # tasks the addressee's chats may read (CLOSED_TASKS)
    addressee: int | None = None  # the agency an event for one agency goes to (Party.ADDRESSEE)

    @property
    def tlp(self) -> TLP | None:
        """The marking of the content the event carries (None: it carries none); a report
        on the operation without a status update carries the operation's marking."""
        if CARRIES[self.kind] == Carrier.TASK and self.task is not None:
            return self.task.tlp
        if CARRIES[self.kind] == Carrier.STATUS:
            return self.status.tlp if self.status is not None else self.operation.tlp
        return None

    @property
    def subjects(self) -> frozenset[int]:
        """The agencies whose chats may be offered other buttons than the rest: the
        assignees of the tasks it carries (acting.could compares a chat's agency with them)."""
        carried = (self.task, *self.tasks) if self.task is not None else self.tasks
        return frozenset(t.assignee_agency_id for t in carried)


_PENDING = "jointops.events"


def emit(session: AsyncSession, event: Event) -> None:
    """Record that something happened, for publication with the change that caused it."""
    session.info.setdefault(_PENDING, []).append(event)


def take(session: AsyncSession) -> list[Event]:
    """The events emitted so far in this session (each is taken once)."""
    events: list[Event] = session.info.pop(_PENDING, [])
    return events


def _agency_ids(event: Event, parties: Sequence[Party], taking_part: Sequence[int]) -> set[int]:
    ids: set[int] = set()
    for party in parties:
        if party == Party.TAKING_PART:
            ids.update(taking_part)
        elif party == Party.LEAD:
            ids.add(event.operation.lead_agency_id)
        elif party == Party.ASSIGNEE and event.task is not None:
            ids.add(event.task.assignee_agency_id)
        elif party == Party.PREVIOUS_ASSIGNEE and event.previous is not None:
            ids.add(event.previous.id)
        elif party in (Party.ADDRESSEE, Party.LAGGARD) and event.addressee is not None:
            ids.add(event.addressee)
    return ids


def verdict(event: Event, stance: Stance, *, agency_id: int) -> Verdict:
    """What the chats of an agency taking part with `stance` get of the event."""
    assignee = event.task is not None and event.task.assignee_agency_id == agency_id
    return chat_gets(event.kind, event.tlp, stance, assignee=assignee)


async def audience(session: AsyncSession, event: Event) -> dict[int, Verdict]:
    """Every agency the event concerns, with what its chats may get of it."""
    roles = await operation_queries.participant_roles(session, event.operation.id)
    ids = _agency_ids(event, HEARS[event.kind], list(roles))
    return {
        agency_id: verdict(event, Stance.of(roles.get(agency_id)), agency_id=agency_id)
        for agency_id in sorted(ids)
    }


async def stances(session: AsyncSession, operation: Operation) -> dict[int, Stance]:
    """How each agency takes part in the operation."""
    roles = await operation_queries.participant_roles(session, operation.id)
    return {agency_id: Stance.of(role) for agency_id, role in roles.items()}
