"""How domain objects read in messages: shared by command replies and deliveries."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.context import Localizer
from bot.i18n import N_, Translated
from bot.reply import Button, Field, Reply
from operations import acting
from operations.acting import Action, Hand
from operations.enums import (
    TLP,
    OperationStatus,
    ParticipationRole,
    Priority,
    ResultKind,
    TaskStatus,
)
from operations.operation.models import Operation
from operations.task.models import Task

MINUTE = timedelta(minutes=1)
HOUR_MINUTES, DAY_MINUTES = 60, 24 * 60

STATUS_NAMES = {
    TaskStatus.OPEN: N_("open"),
    TaskStatus.IN_PROGRESS: N_("in progress"),
    TaskStatus.BLOCKED: N_("blocked"),
    TaskStatus.DONE: N_("done"),
    TaskStatus.CANCELLED: N_("cancelled"),
}
OPERATION_STATUS_NAMES = {
    OperationStatus.PLANNED: N_("planned"),
    OperationStatus.ACTIVE: N_("active"),
    OperationStatus.SUSPENDED: N_("suspended"),
    OperationStatus.CLOSED: N_("closed"),
}
PRIORITY_NAMES = {
    Priority.LOW: N_("low"),
    Priority.NORMAL: N_("normal"),
    Priority.HIGH: N_("high"),
    Priority.URGENT: N_("urgent"),
}
# how an agency takes part in an operation ("FR-OCLCTIC (lead)")
PARTICIPATION_NAMES = {
    ParticipationRole.LEAD: N_("lead"),
    ParticipationRole.PARTICIPANT: N_("participant"),
    ParticipationRole.OBSERVER: N_("observer"),
}
# the name of any state a task or an operation can be in (refusals name the state)
STATE_NAMES: dict[str, str] = {
    str(state): name
    for names in (STATUS_NAMES, OPERATION_STATUS_NAMES)
    for state, name in names.items()
}


def next_actions(ctx: Localizer, task: Task, hand: Hand) -> list[Button]:
    """Buttons for what can happen to a task from its current state, when someone where the
    message lands (`hand`) could do it (the acting policy)."""
    if not acting.could(hand, Action.UPDATE_TASK, subject_agency_id=task.assignee_agency_id):
        return []
    _ = ctx._
    ref = task.ref
    if task.status in (TaskStatus.OPEN, TaskStatus.BLOCKED):
        return [Button(_("Start"), f"task start {ref}"), Button(_("Done"), f"task done {ref}")]
    if task.status == TaskStatus.IN_PROGRESS:
        return [Button(_("Done"), f"task done {ref}")]
    return [Button(_("Reopen"), f"task reopen {ref}")]


EDITED_NAMES = {
    "title": N_("title"),
    "details": N_("details"),
    "priority": N_("priority"),
    "tlp": N_("TLP marking"),
}


def edited_title(ctx: Localizer, task: Task, changed: list[str]) -> str:
    """ "Task PANGEA-18#2 edited: priority, title." (a reply to task edit, and its notice)."""
    names = ", ".join(ctx._(EDITED_NAMES[name]) for name in changed if name in EDITED_NAMES)
    return ctx._("Task {ref} edited: {changes}.", ref=task.ref, changes=names or "—")


def task_line(ctx: Localizer, task: Task) -> str:
    """One line: reference, title, assignee, status, due time, flags (values isolated for a
    right-to-left reader)."""
    _, iso = ctx._, ctx.tr.isolate
    parts = [
        f"{iso(task.ref)} {iso(task.title)}",
        f"→ {iso(task.assignee_agency.code)}",
        f"[{_(STATUS_NAMES[task.status])}]",
    ]
    if task.due_at:
        overdue = (
            task.status in (TaskStatus.OPEN, TaskStatus.IN_PROGRESS, TaskStatus.BLOCKED)
            and task.due_at < ctx.now
        )
        when = ctx.when(task.due_at)
        parts.append(
            _("OVERDUE since {when}", when=when) if overdue else _("due {when}", when=when)
        )
    if task.priority in (Priority.HIGH, Priority.URGENT):
        parts.append(_(PRIORITY_NAMES[task.priority]).upper())
    if task.status == TaskStatus.BLOCKED and task.blocked_reason:
        parts.append(_("blocked: {reason}", reason=task.blocked_reason))
    return " ".join(parts)


def task_fields(ctx: Localizer, task: Task) -> list[Field]:
    _ = ctx._
    fields = [
        Field(_("Title"), task.title),
        Field(_("Assigned to"), f"{task.assignee_agency.code} ({task.assignee_agency.name})"),
        Field(_("Status"), _(STATUS_NAMES[task.status])),
        Field(_("Due"), ctx.when(task.due_at)),
        Field(_("Priority"), _(PRIORITY_NAMES[task.priority])),
    ]
    if task.blocked_reason:
        fields.append(Field(_("Blocked because"), task.blocked_reason))
    return fields


TLP_ORDER = list(TLP)


def strictest(*levels: str | None) -> str | None:
    """The most restrictive TLP marking among those given (a message carries the strictest)."""
    known = [TLP(level) for level in levels if level]
    return max(known, key=TLP_ORDER.index) if known else None


@dataclass(frozen=True, slots=True)
class Fanout:
    """How many agencies and chats a change was sent to."""

    agencies: int
    chats: int
    withheld: int = 0  # agencies concerned that the marking keeps it from
    noticed: int = 0  # of those, agencies told only that there is news (a RED task's assignee)


def sent_line(ctx: Localizer, fanout: Fanout) -> str:
    """Where a change was sent, for the reply to the person who made it."""
    parts = []
    if fanout.chats:
        agencies = ctx.tr.ngettext("{count} agency", "{count} agencies", fanout.agencies)
        chats = ctx.tr.ngettext("{count} chat", "{count} chats", fanout.chats)
        parts.append(ctx._("Sent to {agencies}, {chats}.", agencies=agencies, chats=chats))
    elif not fanout.withheld:
        parts.append(ctx._("No linked chat to tell (link one with: link AGENCY)."))
    if fanout.withheld:
        parts.append(
            ctx.tr.ngettext(
                "Withheld from {count} agency's chats by its marking.",
                "Withheld from {count} agencies' chats by the marking.",
                fanout.withheld,
            )
        )
    if fanout.noticed:
        parts.append(
            ctx.tr.ngettext(
                "{count} agency was told only to read it in private.",
                "{count} agencies were told only to read it in private.",
                fanout.noticed,
            )
        )
    return " ".join(parts)


def withheld_line(ctx: Localizer, count: int) -> str:
    """How many tasks a listing leaves out because their marking does not cover the reader."""
    return ctx.tr.ngettext(
        "{count} task withheld by its TLP marking.",
        "{count} tasks withheld by their TLP marking.",
        count,
    )


def span(ctx: Localizer, delta: timedelta) -> str:
    """A length of time as people say it, to the nearest minute under a day ("2 h 55 min"),
    the nearest hour under three days ("1 day 6 h"), the nearest day beyond ("3 days")."""
    minutes = max(0, round(abs(delta) / MINUTE))
    if minutes < HOUR_MINUTES:
        return ctx._("{count} min", count=minutes)
    if minutes < DAY_MINUTES:
        hours, rest = divmod(minutes, HOUR_MINUTES)
        text = ctx._("{count} h", count=hours)
        return (
            ctx._("{hours} {minutes}", hours=text, minutes=ctx._("{count} min", count=rest))
            if rest
            else text
        )
    days, rest = divmod(round(minutes / HOUR_MINUTES), 24)
    if days >= 3:
        days, rest = round(minutes / DAY_MINUTES), 0
    text = ctx.tr.ngettext("{count} day", "{count} days", days)
    return (
        ctx._("{days} {hours}", days=text, hours=ctx._("{count} h", count=rest)) if rest else text
    )


COMPACT_UNITS = (
    (DAY_MINUTES, N_("{count}d")),
    (HOUR_MINUTES, N_("{count}h")),
    (1, N_("{count}m")),
)


def compact(ctx: Localizer, delta: timedelta) -> str:
    """A length of time in short units, to the whole minute ("1d 2h", "2h 30m", "45m" in
    English), in the reader's units: a status cadence, a silence."""
    minutes = max(0, int(delta / MINUTE))
    parts = []
    for size, unit in COMPACT_UNITS:
        count, minutes = divmod(minutes, size)
        if count:
            parts.append(ctx._(unit, count=count))
    return Translated(" ".join(parts) or ctx._("{count}m", count=0))


def due_in(ctx: Localizer, due_at: datetime) -> str:
    """How a due time stands now, the one wording of time left or overdue: "due in 2 h 55
    min", "overdue by 3 days", "due now" (within half a minute)."""
    left = due_at - ctx.now
    if abs(left) < MINUTE / 2:
        return ctx._("due now")
    if left > timedelta(0):
        return ctx._("due in {span}", span=span(ctx, left))
    return ctx._("overdue by {span}", span=span(ctx, left))


def mark_suspended(ctx: Localizer, reply: Reply, operation: Operation) -> Reply:
    """Every message about a suspended operation says so: SUSPENDED before its title, and
    what that means as its first line."""
    if operation.status == OperationStatus.SUSPENDED:
        reply.title = ctx._("SUSPENDED — {title}", title=reply.title)
        reply.lines.insert(
            0,
            ctx._(
                "{code} is suspended: changes are recorded, no reminder goes out until it resumes.",
                code=operation.code,
            ),
        )
    return reply


# the kinds of result (`result CODE KIND COUNT`), as the reader says them
RESULT_KIND_NAMES = {
    ResultKind.ARRESTS: N_("arrests"),
    ResultKind.SEARCHES: N_("searches"),
    ResultKind.SEIZURES: N_("seizures"),
    ResultKind.PACKAGES: N_("packages"),
    ResultKind.WEBSITES: N_("websites taken down"),
    ResultKind.ACCOUNTS: N_("accounts frozen"),
    ResultKind.VICTIMS: N_("victims identified or rescued"),
    ResultKind.SUSPECTS: N_("suspects identified"),
    ResultKind.OTHER: N_("other results"),
}


def figure(ctx: Localizer, kind: ResultKind, confirmed: int, preliminary: int) -> str:
    """ "arrests: 12 (4 preliminary)": a kind's figure, what of it is preliminary marked."""
    name = ctx._(RESULT_KIND_NAMES[kind])
    if preliminary:
        return ctx._(
            "{kind}: {count} ({preliminary} preliminary)",
            kind=name,
            count=confirmed + preliminary,
            preliminary=preliminary,
        )
    return ctx._("{kind}: {count}", kind=name, count=confirmed)


def figures_line(ctx: Localizer, figures: Mapping[ResultKind, tuple[int, int]]) -> str:
    """Every kind's figure on one line, in the order of the kinds."""
    return "; ".join(figure(ctx, kind, *figures[kind]) for kind in ResultKind if kind in figures)
