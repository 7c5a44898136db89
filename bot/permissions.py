"""The acting table in words: who may do what, for refusals, `help` and the README."""

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
from operations.enums import Role

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
}

ACTION_NAMES = {
    Action.CREATE_OPERATION: N_("create operations (op new)"),
    Action.RUN_OPERATION: N_(
        "run an operation (op start, suspend, resume, close, join, remove, cadence)"
    ),
    Action.POST_STATUS: N_("post status updates (status)"),
    Action.MANAGE_TASK: N_(
        "add, assign, cancel and reschedule tasks (task add, assign, cancel, due)"
    ),
    Action.UPDATE_TASK: N_("update tasks (task start, done, block, reopen; remind)"),
    Action.MANAGE_PEOPLE: N_("manage people (invite, invite list/revoke, member list/role/remove)"),
    Action.LINK_CHAT: N_("link and unlink chats (link, unlink)"),
    Action.MANAGE_AGENCIES: N_("register and edit agencies (agency add, edit)"),
    Action.READ: N_("read an operation (summary, task list, op show)"),
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
