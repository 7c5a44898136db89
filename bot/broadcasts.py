"""How each kind of event reads in the chats that hear of it (who hears is operations.events)."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta

from bot.context import Reader
from bot.reply import Button, Field, Item, Reply, UserText
from bot.views import (
    STATUS_NAMES,
    compact,
    due_in,
    edited_title,
    mark_suspended,
    next_actions,
    span,
    strictest,
    task_line,
    withheld_line,
)
from operations import acting
from operations.acting import Action
from operations.events import Event, EventKind
from operations.task.models import Task


def _task(event: Event) -> Task:
    if event.task is None:
        raise ValueError(f"{event.kind} carries no task")
    return event.task


def _task_reply(r: Reader, event: Event, title: str) -> Reply:
    task = _task(event)
    return Reply(
        title=title,
        tlp=task.tlp,
        lines=[task_line(r, task)],
        buttons=next_actions(r, task, r.hand),
    )


def _added(r: Reader, event: Event) -> Reply:
    task = _task(event)
    title = r._("New task for {agency}: {ref}", agency=task.assignee_agency.code, ref=task.ref)
    return _task_reply(r, event, title)


def _reassigned(r: Reader, event: Event) -> Reply:
    task = _task(event)
    title = r._(
        "Task {ref} handed from {before} to {after}",
        ref=task.ref,
        before=event.previous.code if event.previous else "—",
        after=task.assignee_agency.code,
    )
    return _task_reply(r, event, title)


def _rescheduled(r: Reader, event: Event) -> Reply:
    task = _task(event)
    if task.due_at is None:
        return _task_reply(r, event, r._("Task {ref} no longer has a due time", ref=task.ref))
    title = r._("Task {ref} is now due {when}", ref=task.ref, when=r.when(task.due_at))
    return _task_reply(r, event, title)


def _changed(r: Reader, event: Event) -> Reply:
    task = _task(event)
    title = r._(
        "Task {ref}: {before} → {after}",
        ref=task.ref,
        before=r._(STATUS_NAMES[event.before]) if event.before else "—",
        after=r._(STATUS_NAMES[task.status]),
    )
    return _task_reply(r, event, title)


def _edited(r: Reader, event: Event) -> Reply:
    task = _task(event)
    changed = event.detail.get("changed", "").split()
    reply = _task_reply(r, event, edited_title(r, task, changed))
    reply.buttons.append(Button(r._("Task record"), f"task show {task.ref}"))
    return reply


def _noted(r: Reader, event: Event) -> Reply:
    task = _task(event)
    return Reply(
        title=r._(
            "Note on task {ref} from {author}", ref=task.ref, author=event.detail.get("author", "—")
        ),
        tlp=task.tlp,
        lines=[task_line(r, task), UserText(event.detail.get("note", ""))],
        buttons=[Button(r._("Task record"), f"task show {task.ref}")],
    )


def _reminder(r: Reader, event: Event) -> Reply:
    task = _task(event)
    ref = task.ref
    if task.due_at is None:
        title = r._("Reminder: {ref}", ref=ref)
    else:
        title = r._("Reminder: {ref} {due}", ref=ref, due=due_in(r, task.due_at))
    lines = [task_line(r, task)]
    lines += [r._("Note: {note}", note=n) for n in json.loads(event.detail.get("notes", "[]"))]
    buttons = [b for b in next_actions(r, task, r.hand) if b.command.startswith("task done")]
    if acting.could(r.hand, Action.UPDATE_TASK, subject_agency_id=task.assignee_agency_id):
        buttons += [
            Button(r._("Snooze 1 h"), f"snooze {ref} 1h"),
            Button(r._("Snooze 1 day"), f"snooze {ref} 1d"),
        ]
    return Reply(title=title, tlp=task.tlp, lines=lines, buttons=buttons)


def _status(r: Reader, event: Event) -> Reply:
    update, code = event.status, event.operation.code
    if update is None:
        raise ValueError(f"{event.kind} carries no status update")
    return Reply(
        title=r._("Status update — {code}", code=code),
        tlp=update.tlp,
        lines=[UserText(update.text)],
        fields=[
            Field(r._("From"), event.detail.get("author", "—")),
            Field(r._("At"), r.when(update.created_at)),
        ],
        buttons=[
            *_acknowledge(r, code, update.number, asked=update.ack_requested),
            Button(r._("Summary"), f"summary {code}"),
        ],
    )


def _acknowledge(r: Reader, code: str, number: int, *, asked: bool) -> list[Button]:
    """The Acknowledge button, on an update that asked for it, where someone could press it."""
    if asked and acting.could(r.hand, Action.ACKNOWLEDGE):
        return [Button(r._("Acknowledge"), f"ack {code} {number}")]
    return []


def _ack_chase(r: Reader, event: Event) -> Reply:
    update, code = event.status, event.operation.code
    if update is None:
        raise ValueError(f"{event.kind} carries no status update")
    return Reply(
        title=r._(
            "Please acknowledge status update #{number} on {code}",
            number=str(update.number),
            code=code,
        ),
        lines=[
            r._(
                "It was posted {when}; your agency has not acknowledged it yet.",
                when=r.when(update.created_at),
            )
        ],
        buttons=_acknowledge(r, code, update.number, asked=True),
    )


def _ack_missing(r: Reader, event: Event) -> Reply:
    update, code = event.status, event.operation.code
    if update is None:
        raise ValueError(f"{event.kind} carries no status update")
    missing = event.detail.get("missing", "").split()
    return Reply(
        title=r._(
            "Status update #{number} on {code} is still not acknowledged",
            number=str(update.number),
            code=code,
        ),
        lines=[
            r.tr.ngettext(
                "{count} agency has not acknowledged it: {agencies}.",
                "{count} agencies have not acknowledged it: {agencies}.",
                len(missing),
                agencies=", ".join(r.tr.isolate(m) for m in missing),
            )
        ],
        buttons=[Button(r._("Acknowledgements"), f"acks {code} {update.number}")],
    )


def _cadence(r: Reader, event: Event) -> Reply:
    code = event.operation.code
    silent = timedelta(seconds=int(event.detail["silent"]))
    return Reply(
        title=r._(
            "No status update on {code} for {silent}",
            code=code,
            silent=compact(r, silent),
        ),
        lines=[r._('Post one with: status {code} "text"', code=code)],
        buttons=[Button(r._("Summary"), f"summary {code}")],
    )


def _delivery_failed(r: Reader, event: Event) -> Reply:
    return Reply(
        title=r._("Delivery failed on {code}", code=event.operation.code),
        lines=[
            r._(
                "A message could not reach the {platform} chat {chat}: {reason}.",
                platform=event.detail["platform"],
                chat=event.detail["chat"],
                reason=event.detail["reason"],
            ),
            r._("Check that the bot is still in that chat, or link another one."),
        ],
    )


def _closed_tasks(r: Reader, event: Event) -> Reply:
    code, refs = event.operation.code, event.detail.get("refs", "").split()
    withheld = int(event.detail.get("withheld", "0"))
    count = len(event.tasks) + len(refs) + withheld
    reply = Reply(
        title=r.tr.ngettext(
            "{code} closed: {count} open task cancelled",
            "{code} closed: {count} open tasks cancelled",
            count,
            code=code,
        ),
        tlp=strictest(*(t.tlp for t in event.tasks)),
        items=[Item(task_line(r, t), key=f"#{t.number}") for t in event.tasks],
    )
    if refs:
        reply.lines.append(
            r._(
                "Marked for individuals only: {refs}; open a private chat with me to read them.",
                refs=", ".join(refs),
            )
        )
    if withheld:
        reply.lines.append(withheld_line(r, withheld))
    return reply


def _closed(r: Reader, event: Event) -> Reply:
    op, d = event.operation, event.detail
    total = sum(int(d.get(str(s), "0")) for s in STATUS_NAMES)
    fields = [
        Field(r._("Lead"), op.lead_agency.code),
        Field(r._("Started"), r.when(op.starts_at)),
        Field(r._("Closed"), r.when(op.ends_at)),
    ]
    if op.starts_at and op.ends_at:
        fields.append(Field(r._("Ran for"), span(r, op.ends_at - op.starts_at)))
    return Reply(
        title=r._("Operation {code} closed — final summary", code=op.code),
        tlp=op.tlp,
        fields=fields,
        lines=[
            r.tr.ngettext(
                "{count} task: {done} done, {cancelled} cancelled ({forced} at closing).",
                "{count} tasks: {done} done, {cancelled} cancelled ({forced} at closing).",
                total,
                done=d.get("done", "0"),
                cancelled=d.get("cancelled", "0"),
                forced=d.get("forced", "0"),
            ),
            r.tr.ngettext(
                "{count} status update", "{count} status updates", int(d.get("updates", "0"))
            )
            + " · "
            + r.tr.ngettext("{count} agency", "{count} agencies", int(d.get("agencies", "0"))),
        ],
        buttons=[Button(r._("Summary"), f"summary {op.code}")],
    )


def _ends_passed(r: Reader, event: Event) -> Reply:
    op = event.operation
    open_tasks = int(event.detail["open"])
    return Reply(
        title=r._("The planned end of {code} has passed", code=op.code),
        lines=[
            r.tr.ngettext(
                "It was to end {when}; {count} task is still open.",
                "It was to end {when}; {count} tasks are still open.",
                open_tasks,
                when=r.when(op.ends_at),
            ),
            r._("Close it with: op close {code}", code=op.code),
        ],
        buttons=[
            Button(r._("Summary"), f"summary {op.code}"),
            Button(r._("Tasks"), f"task list {op.code}"),
        ],
    )


Render = Callable[[Reader, Event], Reply]
_RENDERERS: dict[EventKind, Render] = {
    EventKind.TASK_ADDED: _added,
    EventKind.TASK_REASSIGNED: _reassigned,
    EventKind.TASK_RESCHEDULED: _rescheduled,
    EventKind.TASK_BLOCKED: _changed,
    EventKind.TASK_DONE: _changed,
    EventKind.TASK_REOPENED: _changed,
    EventKind.TASK_CANCELLED: _changed,
    EventKind.TASK_NOTED: _noted,
    EventKind.TASK_EDITED: _edited,
    EventKind.TASK_REMINDER: _reminder,
    EventKind.STATUS_POSTED: _status,
    EventKind.CADENCE_DUE: _cadence,
    EventKind.DELIVERY_FAILED: _delivery_failed,
    EventKind.CLOSED_TASKS: _closed_tasks,
    EventKind.OPERATION_CLOSED: _closed,
    EventKind.ENDS_PASSED: _ends_passed,
    EventKind.ACK_CHASE: _ack_chase,
    EventKind.ACK_MISSING: _ack_missing,
}


def _marked(renderer: Render) -> Render:
    def render(r: Reader, event: Event) -> Reply:
        return mark_suspended(r, renderer(r, event), event.operation)

    return render


# what a chat that may read an event gets; about a suspended operation, every message says so
RENDER: dict[EventKind, Render] = {kind: _marked(fn) for kind, fn in _RENDERERS.items()}


def notice(r: Reader, event: Event) -> Reply:
    """What a RED task's assignee group gets: the reference and where to read it, no content."""
    task = _task(event)
    return mark_suspended(r, _notice(r, event, task), event.operation)


def _notice(r: Reader, event: Event, task: Task) -> Reply:
    return Reply(
        title=r._("News on task {ref} for your agency", ref=task.ref),
        lines=[
            r._(
                "It is marked for individuals only: open a private chat with me and send: "
                "task list {code} --mine",
                code=event.operation.code,
            )
        ],
    )
