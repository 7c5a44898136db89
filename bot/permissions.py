"""The acting and knowing tables in words: for refusals, `help` and the README."""

from __future__ import annotations

from collections.abc import Sequence

from babel.lists import format_list

from bot.i18n import N_, Translator
from operations.acting import (
    ACTING,
    ANY_STANCE,
    LEADING,
    TAKING_PART,
    WORKING,
    Action,
    Grant,
    Scope,
    Stance,
)
from operations.enums import TLP, Role
from operations.events import HEARS, EventKind, Party, chat_gets
from operations.knowing import Carrier, Reader, Verdict, may_read

# the role words, marked for extraction: replies translate a role with `_(role)`
ROLE_NAMES = {
    Role.ADMIN: N_("admin"),
    Role.COORDINATOR: N_("coordinator"),
    Role.SUPERVISOR: N_("supervisor"),
    Role.LIAISON: N_("liaison"),
    Role.OBSERVER: N_("observer"),
}
ROLE_PLURALS = {
    Role.ADMIN: N_("admins"),
    Role.COORDINATOR: N_("coordinators"),
    Role.SUPERVISOR: N_("supervisors"),
    Role.LIAISON: N_("liaisons"),
    Role.OBSERVER: N_("observers"),
}

_STANCES = {
    ANY_STANCE: "any",
    LEADING: "lead",
    WORKING: "working",
    TAKING_PART: "taking_part",
    frozenset({Stance.PARTICIPANT}): "participant",
}

# (how the agency takes part, scope, limited to some target roles) -> who, in words
GRANT_TEXTS = {
    ("any", Scope.ANY, False): N_("{roles}"),
    ("lead", Scope.ANY, False): N_("{roles} of the lead agency{lead}"),
    ("working", Scope.ANY, False): N_("{roles} of the lead or a participant agency"),
    ("taking_part", Scope.ANY, False): N_("{roles} of an agency taking part"),
    ("working", Scope.OWN, False): N_("{roles} of the agency the task is assigned to"),
    ("any", Scope.OWN, False): N_("{roles} (their own agency only)"),
    ("any", Scope.OWN, True): N_("{roles}, for {targets} of their own agency"),
    ("taking_part", Scope.OWN, False): N_("{roles} of an agency taking part, for their own agency"),
    ("working", Scope.OWN_RECORD, False): N_(
        "{roles} of the lead or a participant agency, for their own agency"
    ),
}

ACTION_NAMES = {
    Action.CREATE_OPERATION: N_("create operations (op new)"),
    Action.RUN_OPERATION: N_(
        "run an operation (op start, suspend, resume, close, join, remove, cadence, four-eyes)"
    ),
    Action.POST_STATUS: N_("post status updates (status)"),
    Action.MANAGE_TASK: N_(
        "add, assign, cancel, reschedule and edit tasks (task add, assign, cancel, due, edit)"
    ),
    Action.UPDATE_TASK: N_(
        "update tasks (task start, done, block, reopen, note; remind, snooze, remind cancel)"
    ),
    Action.RECORD_RESULT: N_("record and withdraw results (result, result undo)"),
    Action.ACKNOWLEDGE: N_("acknowledge status updates (ack)"),
    Action.RELEASE: N_("approve or reject held actions of a four-eyes operation (release)"),
    Action.MANAGE_PEOPLE: N_("manage people (invite, invite list/revoke, member role/remove)"),
    Action.SEE_PEOPLE: N_("see who belongs to an agency (member list)"),
    Action.LINK_CHAT: N_("link and unlink chats (link, unlink)"),
    Action.MANAGE_AGENCIES: N_("register and edit agencies (agency add, edit)"),
    Action.READ: N_("read an operation (summary, task list, task show, results, op show, export)"),
}


def _join(tr: Translator, words: Sequence[str]) -> str:
    return format_list(list(words), locale=tr.locale) if words else ""


def _grant_groups(grants: Sequence[Grant]) -> list[tuple[tuple[str, Scope, bool], list[Grant]]]:
    """Grants that read alike (same stances, scope and targets) grouped, in table order."""
    groups: dict[tuple[str, Scope, bool, frozenset[Role] | None], list[Grant]] = {}
    for grant in grants:
        stances = _STANCES[grant.stances]
        if grant.scope == Scope.OWN and grant.stances <= WORKING:
            stances = "working"  # a task's assignee takes part; the lead's grants say the rest
        key = (stances, grant.scope, grant.targets is not None, grant.targets)
        groups.setdefault(key, []).append(grant)
    return [((k[0], k[1], k[2]), g) for k, g in groups.items()]


def who(tr: Translator, grants: Sequence[Grant], *, lead: str | None = None) -> str:
    """ "admins and coordinators of the lead agency GS": who the grants let act."""
    parts = []
    for key, group in _grant_groups(grants):
        roles = _join(tr, [tr.gettext(ROLE_PLURALS[g.role]) for g in group])
        targets = group[0].targets or frozenset()
        parts.append(
            tr.gettext(
                GRANT_TEXTS[key],
                roles=roles,
                lead=f" {lead}" if lead else "",
                targets=_join(tr, [tr.gettext(ROLE_PLURALS[r]) for r in Role if r in targets]),
            )
        )
    return _join(tr, parts)


def roles_table(tr: Translator | None = None) -> str:
    """The acting table as a Markdown table (the README's role table is this text)."""
    tr = tr or Translator("en")
    lines = ["| action | who |", "|---|---|"]
    for action, grants in ACTING.items():
        lines.append(f"| {tr.gettext(ACTION_NAMES[action])} | {who(tr, grants)} |")
    return "\n".join(lines)


# -- knowing: the README's "who may read" and "who hears what" tables -------------------------

MARKING_COLUMNS = ((TLP.CLEAR, TLP.GREEN, TLP.AMBER), (TLP.AMBER_STRICT,), (TLP.RED,))

# reader kinds, in words: (how their agency takes part, person's role or None for a chat,
# whether their agency is the task's assignee)
READERS: dict[str, Reader] = {
    "lead agency's chat": Reader.group(Stance.LEAD),
    "assignee's chat": Reader.group(Stance.PARTICIPANT, assignee=True),
    "participant's chat": Reader.group(Stance.PARTICIPANT),
    "observer's chat": Reader.group(Stance.OBSERVER),
    "lead agency member, in private": Reader(Stance.LEAD, Role.LIAISON),
    "assignee's coordinator or liaison, in private": Reader(
        Stance.PARTICIPANT, Role.LIAISON, assignee=True
    ),
    "assignee's observer, in private": Reader(Stance.PARTICIPANT, Role.OBSERVER, assignee=True),
    "participant's member, in private": Reader(Stance.PARTICIPANT, Role.COORDINATOR),
    "observer agency's member, in private": Reader(Stance.OBSERVER, Role.COORDINATOR),
    "admin or supervisor, in private": Reader(Stance.NONE, Role.SUPERVISOR),
    "agency not taking part": Reader(Stance.NONE, Role.COORDINATOR),
}

# the agencies an event concerns, as the chats that hear it: (name, stance, is the assignee)
PARTY_CHATS: dict[Party, tuple[tuple[str, Stance, bool], ...]] = {
    Party.LEAD: (("lead", Stance.LEAD, False),),
    Party.ASSIGNEE: (("assignee", Stance.PARTICIPANT, True),),
    Party.PREVIOUS_ASSIGNEE: (("former assignee", Stance.PARTICIPANT, False),),
    Party.TAKING_PART: (
        ("lead", Stance.LEAD, False),
        ("participants", Stance.PARTICIPANT, False),
        ("observers", Stance.OBSERVER, False),
    ),
    Party.ADDRESSEE: (
        ("assignees and lead, once each, of the tasks each may read", Stance.PARTICIPANT, True),
    ),
    Party.LAGGARD: (("each agency that has not acknowledged", Stance.PARTICIPANT, False),),
}

EVENT_NAMES = {
    EventKind.TASK_ADDED: "`task add`",
    EventKind.TASK_REASSIGNED: "`task assign`",
    EventKind.TASK_RESCHEDULED: "`task due`",
    EventKind.TASK_BLOCKED: "`task block`",
    EventKind.TASK_DONE: "`task done`",
    EventKind.TASK_REOPENED: "`task reopen`",
    EventKind.TASK_CANCELLED: "`task cancel`",
    EventKind.TASK_NOTED: "`task note`",
    EventKind.TASK_EDITED: "`task edit`",
    EventKind.TASK_REMINDER: "reminders on a task",
    EventKind.STATUS_POSTED: '`status CODE "text"`',
    EventKind.CADENCE_DUE: "status cadence reminder",
    EventKind.DELIVERY_FAILED: "a delivery that failed for good",
    EventKind.CLOSED_TASKS: "`op close CODE --force`: the open tasks cancelled",
    EventKind.OPERATION_CLOSED: "`op close`: the final summary",
    EventKind.ENDS_PASSED: "the planned end (`--ends`) has passed",
    EventKind.ACK_CHASE: "`status --ack` not acknowledged after `JOINTOPS_ACK_CHASE`",
    EventKind.ACK_MISSING: "`status --ack` still not acknowledged after twice that",
}


def hearers(kind: EventKind, tlp: TLP) -> str:
    """Whose chats hear of an event marked `tlp`, in words ("assignee (notice), lead")."""
    heard = []
    for party in HEARS[kind]:
        for name, stance, assignee in PARTY_CHATS[party]:
            verdict = chat_gets(kind, tlp, stance, assignee=assignee)
            if verdict == Verdict.FULL:
                heard.append(name)
            elif verdict == Verdict.NOTICE:
                heard.append(f"{name} (a notice without content)")
    return ", ".join(dict.fromkeys(heard)) or "no chat"


def hearing_table() -> str:
    """Events x markings: whose chats hear of them (the README's "who hears what")."""
    head = " | ".join(", ".join(f"`{t}`" for t in column) for column in MARKING_COLUMNS)
    lines = [f"| change | {head} |", "|---" * (len(MARKING_COLUMNS) + 1) + "|"]
    for kind, name in EVENT_NAMES.items():
        cells = " | ".join(hearers(kind, column[0]) for column in MARKING_COLUMNS)
        lines.append(f"| {name} | {cells} |")
    return "\n".join(lines)


def knowing_table(carrier: Carrier) -> str:
    """Readers x markings: who may read a task's or a status update's content."""
    head = " | ".join(", ".join(f"`{t}`" for t in column) for column in MARKING_COLUMNS)
    lines = [f"| reader | {head} |", "|---" * (len(MARKING_COLUMNS) + 1) + "|"]
    for name, reader in READERS.items():
        if carrier == Carrier.STATUS and reader.assignee:
            continue
        cells = " | ".join(
            "yes" if may_read(column[0], carrier, reader) else "—" for column in MARKING_COLUMNS
        )
        lines.append(f"| {name} | {cells} |")
    return "\n".join(lines)
