"""How each kind of event reads in the chats that hear of it (who hears is operations.events)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from bot import when
from bot.context import Reader
from bot.reply import Button, Field, Reply, UserText
from bot.views import STATUS_NAMES, next_actions, task_line
from operations.events import Event, EventKind
from operations.task.models import Task


def _task(event: Event) -> Task:
    if event.task is None:
        raise ValueError(f"{event.kind} carries no task")
    return event.task


def _task_reply(r: Reader, event: Event, title: str) -> Reply:
    task = _task(event)
    return Reply(
        title=title, tlp=task.tlp, lines=[task_line(r, task)], buttons=next_actions(r, task)
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


def _reminder(r: Reader, event: Event) -> Reply:
    task = _task(event)
    ref, stage = task.ref, event.detail.get("stage", "custom")
    if stage == "before":
        left = timedelta(seconds=int(event.detail["left"]))
        title = r._("Reminder: {ref} is due in {left}", ref=ref, left=when.format_duration(left))
    elif stage == "overdue":
        days = int(event.detail["days"])
        title = r.tr.ngettext(
            "Overdue: {ref} was due {count} day ago",
            "Overdue: {ref} was due {count} days ago",
            days,
            ref=ref,
        )
    elif stage == "due":
        title = r._("Due now: {ref}", ref=ref)
    else:
        title = r._("Reminder: {ref}", ref=ref)
    lines = [task_line(r, task)]
    if event.detail.get("note"):
        lines.append(r._("Note: {note}", note=event.detail["note"]))
    buttons = [b for b in next_actions(r, task) if b.command.startswith("task done")]
    buttons += [
        Button(r._("Snooze 1 h"), f"remind {ref} in 1h"),
        Button(r._("Snooze 1 day"), f"remind {ref} in 1d"),
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
        buttons=[Button(r._("Summary"), f"summary {code}")],
    )


def _cadence(r: Reader, event: Event) -> Reply:
    code = event.operation.code
    silent = timedelta(seconds=int(event.detail["silent"]))
    return Reply(
        title=r._(
            "No status update on {code} for {silent}",
            code=code,
            silent=when.format_duration(silent),
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


RENDER: dict[EventKind, Callable[[Reader, Event], Reply]] = {
    EventKind.TASK_ADDED: _added,
    EventKind.TASK_REASSIGNED: _reassigned,
    EventKind.TASK_RESCHEDULED: _rescheduled,
    EventKind.TASK_BLOCKED: _changed,
    EventKind.TASK_DONE: _changed,
    EventKind.TASK_REOPENED: _changed,
    EventKind.TASK_CANCELLED: _changed,
    EventKind.TASK_REMINDER: _reminder,
    EventKind.STATUS_POSTED: _status,
    EventKind.CADENCE_DUE: _cadence,
    EventKind.DELIVERY_FAILED: _delivery_failed,
}


def notice(r: Reader, event: Event) -> Reply:
    """What a RED task's assignee group gets: the reference and where to read it, no content."""
    task = _task(event)
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
