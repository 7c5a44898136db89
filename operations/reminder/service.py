"""Which reminders are due now, and recording that each fired once."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from operations import validation
from operations.acting import Action
from operations.actor import Actor
from operations.audit import service as audit
from operations.enums import OPEN_TASK_STATUSES
from operations.errors import Invalid, InvalidTransition, NotFound, NotPermitted
from operations.member.models import Member
from operations.operation import queries as operation_queries
from operations.operation import service as operation_service
from operations.operation.models import Operation
from operations.reminder import queries
from operations.reminder.models import Reminder
from operations.task import service as task_service
from operations.task.models import Task

DAY = timedelta(days=1)
SWEEP_LIMIT = 5000
NOTE_MAX = 500


@dataclass(frozen=True, slots=True)
class TaskReminder:
    """A task reminder due now; `kind` is before:<seconds>, due, overdue:<days>, custom or
    snooze. `covers` are the keys of the other reminders of the task it goes out for (one
    message per task and sweep); a `silent` one is only recorded (a snooze of an agency that
    no longer has the task)."""

    key: str
    kind: str
    task: Task
    notes: tuple[str, ...] = ()
    seen: datetime | None = None  # the schedule's instant that brought it (None: custom)
    next_at: datetime | None = None  # the task's next instant once this has fired
    covers: tuple[str, ...] = ()
    silent: bool = False


def _stage(due: datetime, now: datetime, offsets: Sequence[timedelta]) -> str | None:
    if due > now:
        reached = [o for o in offsets if due - o <= now]
        if not reached:
            return None
        return f"before:{int(min(reached).total_seconds())}"  # after downtime: the latest only
    days = int((now - due) // DAY)
    return "due" if days == 0 else f"overdue:{days}"


def next_instant(due: datetime, now: datetime, offsets: Sequence[timedelta]) -> datetime:
    """The first instant after `now` at which a task due at `due` reaches a new stage."""
    if due > now:
        return min([due - o for o in offsets if due - o > now] + [due])
    return due + (int((now - due) // DAY) + 1) * DAY


async def due_task_reminders(
    session: AsyncSession, *, now: datetime, offsets: Sequence[timedelta]
) -> list[TaskReminder]:
    """Reminders of open tasks whose stage (before, at, daily overdue) was reached and not sent,
    those whose stage was reached latest first.

    Only tasks whose next instant (task_reminder_schedule) has come are read. Those with
    nothing to send (a stage already sent, a closed task, an operation that does not remind)
    are moved to their next instant here, and a task its agency snoozed to the snooze's end
    (its stage is not recorded, so the latest one reached then goes out); the others move when
    their reminder is recorded (advance). The key names the due time too, so changing a task's
    due time re-arms its reminders.
    """
    candidates: list[TaskReminder] = []
    moves: list[tuple[int, datetime, datetime | None]] = []
    for task, seen in await queries.scheduled_due(session, now, limit=SWEEP_LIMIT):
        live = task.operation.status in queries.REMINDING
        if task.due_at is None or task.status not in OPEN_TASK_STATUSES or not live:
            moves.append((task.id, seen, None))  # an operation resumed schedules them again
            continue
        after = next_instant(task.due_at, now, offsets)
        kind = _stage(task.due_at, now, offsets)
        if kind is None:
            moves.append((task.id, seen, after))
            continue
        key = f"task:{task.id}:{task.due_at.isoformat()}:{kind}"
        candidates.append(TaskReminder(key, kind, task, seen=seen, next_at=after))
    done = await queries.logged(session, [c.key for c in candidates])
    moves += [(c.task.id, c.seen, c.next_at) for c in candidates if c.key in done and c.seen]
    held = await queries.snoozes(session, [c.task.id for c in candidates], now)
    due = []
    for c in candidates:
        until = held.get((c.task.id, c.task.assignee_agency_id))
        if c.key in done:
            continue
        if until is not None and c.seen is not None:
            moves.append((c.task.id, c.seen, until))
        else:
            due.append(c)
    await queries.reschedule(session, moves)
    return due


async def advance(session: AsyncSession, items: Sequence[TaskReminder]) -> None:
    """Move the tasks of reminders just recorded to their next instant."""
    await queries.reschedule(
        session, [(i.task.id, i.seen, i.next_at) for i in items if i.seen is not None]
    )


async def due_custom_reminders(session: AsyncSession, *, now: datetime) -> list[TaskReminder]:
    """Reminders people set, and snoozes ending, that are due on open tasks of operations that
    remind; they are marked fired when recorded."""
    reminders = await queries.custom_due(session, now, limit=SWEEP_LIMIT)
    tasks = await queries.tasks_by_ids(session, [r.task_id for r in reminders])
    return [
        TaskReminder(
            f"custom:{r.id}",
            "custom" if r.snooze_agency_id is None else "snooze",
            tasks[r.task_id],
            notes=(r.note,) if r.note else (),
            silent=r.snooze_agency_id not in (None, tasks[r.task_id].assignee_agency_id),
        )
        for r in reminders
        if r.task_id in tasks
    ]


def one_per_task(items: Sequence[TaskReminder]) -> list[TaskReminder]:
    """What is due for one task in one sweep goes out as one reminder: its stage (if any)
    with every note, the other keys recorded with it (after a snooze or a resumed operation,
    only the latest stage and one message)."""
    by_task: dict[int, list[TaskReminder]] = {}
    for item in items:
        by_task.setdefault(item.task.id, []).append(item)
    merged = []
    for group in by_task.values():
        heard = [i for i in group if not i.silent]
        staged = [i for i in heard if i.seen is not None]
        lead = (staged or heard or group)[0]
        merged.append(
            replace(
                lead,
                notes=tuple(n for i in group for n in i.notes),
                covers=tuple(i.key for i in group if i is not lead),
            )
        )
    return merged


async def record_fired(session: AsyncSession, *, key: str, now: datetime) -> bool:
    """Record that a reminder fired; False if it already had (another replica, a retry)."""
    if not await queries.log_once(session, key=key, now=now):
        return False
    if key.startswith("custom:"):
        reminder = await session.get(Reminder, int(key.split(":", 1)[1]))
        if reminder is not None:
            reminder.fired_at = now
            await session.flush()
    return True


async def _task_to_remind(
    session: AsyncSession, actor: Actor, code: str, number: int, command: str
) -> Task:
    """An open task of a live operation that the actor may update (remind, snooze)."""
    task = await task_service.get_task(session, actor=actor, code=code, number=number)
    await operation_service.authorize(
        session,
        actor=actor,
        action=Action.UPDATE_TASK,
        command=command,
        operation=task.operation,
        subject_agency_id=task.assignee_agency_id,
    )
    operation_service.require_live(task.operation, command)
    if task.status not in OPEN_TASK_STATUSES:
        raise InvalidTransition("task", task.ref, current=task.status, target=command)
    return task


async def create_reminder(
    session: AsyncSession,
    *,
    actor: Actor,
    code: str,
    number: int,
    fire_at: datetime,
    note: str | None,
    now: datetime,
) -> tuple[Task, Reminder]:
    """A reminder on an open task at a given time."""
    task = await _task_to_remind(session, actor, code, number, "remind")
    if fire_at <= now:
        raise Invalid("remind", "past")
    clean = validation.text("note", note, max_length=NOTE_MAX) if note else None
    reminder = Reminder(
        task_id=task.id, fire_at=fire_at, note=clean, created_by_id=actor.member_id, created_at=now
    )
    session.add(reminder)
    await session.flush()
    await audit.record(
        session,
        actor=actor,
        action="task.remind",
        subject=f"task:{task.ref}",
        now=now,
        details={"at": fire_at, "note": clean, "id": reminder.id},
    )
    return task, reminder


async def snooze(
    session: AsyncSession,
    *,
    actor: Actor,
    code: str,
    number: int,
    agency_id: int | None,
    until: datetime,
    now: datetime,
) -> tuple[Task, Reminder]:
    """Hold every stage reminder of a task for an agency (the chat's) until `until`, then
    remind once; a new snooze replaces the agency's former one."""
    task = await _task_to_remind(session, actor, code, number, "snooze")
    if agency_id != task.assignee_agency_id:
        raise Invalid("snooze", "not_assignee", ref=task.ref, agency=task.assignee_agency.code)
    if until <= now:
        raise Invalid("remind", "past")
    await queries.drop_snoozes(session, task.id, agency_id)
    reminder = Reminder(
        task_id=task.id,
        fire_at=until,
        note=None,
        created_by_id=actor.member_id,
        created_at=now,
        snooze_agency_id=agency_id,
    )
    session.add(reminder)
    await session.flush()
    await audit.record(
        session,
        actor=actor,
        action="task.snooze",
        subject=f"task:{task.ref}",
        now=now,
        details={"until": until, "agency": task.assignee_agency.code, "id": reminder.id},
    )
    return task, reminder


async def cancel_reminder(
    session: AsyncSession, *, actor: Actor, reminder_id: int, now: datetime
) -> tuple[Task, Reminder]:
    """Cancel a reminder (or snooze) one set oneself and that has not fired."""
    reminder = await queries.reminder(session, reminder_id)
    task = await queries.tasks_by_ids(session, [reminder.task_id]) if reminder else {}
    found = task.get(reminder.task_id) if reminder else None
    if reminder is None or found is None:
        raise NotFound("reminder", str(reminder_id))
    try:  # a reminder on a task the actor may not know of does not exist for them
        await task_service.get_task(
            session, actor=actor, code=found.operation.code, number=found.number
        )
    except NotFound:
        raise NotFound("reminder", str(reminder_id)) from None
    await operation_service.authorize(
        session,
        actor=actor,
        action=Action.UPDATE_TASK,
        command="remind cancel",
        operation=found.operation,
        subject_agency_id=found.assignee_agency_id,
    )
    if reminder.created_by_id != actor.member_id:
        raise NotPermitted("remind cancel", reason="not_yours", key=str(reminder_id))
    await session.delete(reminder)
    await session.flush()
    await audit.record(
        session,
        actor=actor,
        action="task.remind.cancel",
        subject=f"task:{found.ref}",
        now=now,
        details={"id": reminder_id, "at": reminder.fire_at},
    )
    return found, reminder


@dataclass(frozen=True, slots=True)
class CadenceReminder:
    key: str
    operation: Operation
    last_update: datetime | None
    silent_for: timedelta


async def due_cadence_reminders(session: AsyncSession, *, now: datetime) -> list[CadenceReminder]:
    """Active operations silent for longer than their cadence (once per cadence period)."""
    candidates = []
    for operation, last in await queries.cadence_operations(session):
        assert operation.cadence_seconds is not None
        since = last or operation.starts_at or operation.created_at
        every = timedelta(seconds=operation.cadence_seconds)
        periods = int((now - since) // every)
        if periods < 1:
            continue
        key = f"cadence:{operation.id}:{since.isoformat()}:{periods}"
        candidates.append(CadenceReminder(key, operation, last, now - since))
    done = await queries.logged(session, [c.key for c in candidates])
    return [c for c in candidates if c.key not in done]


async def due_end_notices(session: AsyncSession, *, now: datetime) -> list[tuple[Operation, int]]:
    """Operations still going whose planned end (--ends) has passed, each with its number of
    open tasks; each is recorded as told (operation.ends_told_at), so the lead hears it once."""
    told = []
    for operation in await operation_queries.past_their_end(session, now, limit=SWEEP_LIMIT):
        if await operation_queries.claim_end_notice(session, operation.id, now):
            counts = await operation_queries.task_counts(session, operation.id)
            told.append((operation, sum(counts[str(s)] for s in OPEN_TASK_STATUSES)))
    return told


async def set_cadence(
    session: AsyncSession, *, actor: Actor, code: str, every: timedelta | None, now: datetime
) -> Operation:
    """Remind an operation's coordinators when it has had no status update for `every`."""
    operation = await operation_service.get_operation(session, actor=actor, code=code, lock=True)
    await operation_service.authorize(
        session, actor=actor, action=Action.RUN_OPERATION, command="op cadence", operation=operation
    )
    operation_service.require_live(operation, "cadence")
    if every is not None and every < timedelta(minutes=10):
        raise Invalid("cadence", "too_short")
    operation.cadence_seconds = int(every.total_seconds()) if every else None
    await session.flush()
    await audit.record(
        session,
        actor=actor,
        action="operation.cadence",
        subject=f"operation:{operation.code}",
        now=now,
        details={"seconds": operation.cadence_seconds},
        rows=[operation],
    )
    return operation


async def set_digest(
    session: AsyncSession, *, actor: Actor, at: str | None, now: datetime
) -> Member:
    """Turn the member's daily digest on (at a local HH:MM) or off."""
    member = await session.get_one(Member, actor.member_id)
    member.digest_at = at
    await session.flush()
    await audit.record(
        session,
        actor=actor,
        action="member.digest",
        subject=f"member:{member.id}",
        now=now,
        details={"at": at},
    )
    return member


async def digest_members(session: AsyncSession) -> list[Member]:
    """Members who asked for a daily digest, with their agency."""
    return await queries.digest_members(session)
