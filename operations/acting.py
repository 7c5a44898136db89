"""Who may act: one table of actions x member roles x how the member's agency takes part.

Declared once (`ACTING`); the dispatcher asks `may_attempt` before a command runs (is there any
way this role could do it?) and the services ask `require` with the operation in hand (does the
member's agency take part in the right way, is the subject their own agency's?). Both read the
same table, so they cannot disagree. The README's role table is generated from it.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from operations.actor import Actor
from operations.enums import ParticipationRole, Role
from operations.errors import NotPermitted


class Action(StrEnum):
    """What a command does, as far as permission goes."""

    CREATE_OPERATION = "create_operation"  # op new
    RUN_OPERATION = "run_operation"  # op start/suspend/resume/close [--force]/join/remove/cadence
    POST_STATUS = "post_status"  # status
    MANAGE_TASK = "manage_task"  # task add/assign/cancel/due/edit
    UPDATE_TASK = "update_task"  # task start/done/block/reopen/note, remind, snooze, remind cancel
    RECORD_RESULT = "record_result"  # result, result undo
    ACKNOWLEDGE = "acknowledge"  # ack: for the member's own agency
    RELEASE = "release"  # release approve/reject (four eyes; never one's own request)
    MANAGE_PEOPLE = "manage_people"  # invite, invite list/revoke, member role/remove
    SEE_PEOPLE = "see_people"  # member list (a read: supervisors too)
    LINK_CHAT = "link_chat"  # link, unlink
    MANAGE_AGENCIES = "manage_agencies"  # agency add/edit
    READ = "read"  # every read of an operation


class Stance(StrEnum):
    """How the member's agency takes part in the operation at hand."""

    LEAD = "lead"
    PARTICIPANT = "participant"
    OBSERVER = "observer"
    NONE = "none"  # not at all, or no operation is involved

    @classmethod
    def of(cls, role: ParticipationRole | None) -> Stance:
        return cls.NONE if role is None else cls(str(role))


class Scope(StrEnum):
    """Which subjects a grant covers."""

    ANY = "any"
    OWN = "own"  # the subject (a task's assignee, an agency) is the member's own agency
    OWN_RECORD = "own_record"  # what is recorded (a result) is for the member's own agency


ANY_STANCE = frozenset(Stance)
TAKING_PART = frozenset({Stance.LEAD, Stance.PARTICIPANT, Stance.OBSERVER})
WORKING = frozenset({Stance.LEAD, Stance.PARTICIPANT})
LEADING = frozenset({Stance.LEAD})


@dataclass(frozen=True, slots=True)
class Grant:
    """Members with `role`, whose agency takes part as one of `stances`, may act on `scope`
    subjects; `targets` limits the roles they may give or take (people management)."""

    role: Role
    stances: frozenset[Stance] = ANY_STANCE
    scope: Scope = Scope.ANY
    targets: frozenset[Role] | None = None


ADMINS = Grant(Role.ADMIN)
_TASK_MANAGERS = (
    ADMINS,
    Grant(Role.COORDINATOR, LEADING),
    Grant(Role.COORDINATOR, frozenset({Stance.PARTICIPANT}), Scope.OWN),
)

ACTING: dict[Action, tuple[Grant, ...]] = {
    Action.CREATE_OPERATION: (ADMINS, Grant(Role.COORDINATOR)),
    Action.RUN_OPERATION: (ADMINS, Grant(Role.COORDINATOR, LEADING)),
    Action.POST_STATUS: (ADMINS, Grant(Role.COORDINATOR, WORKING)),
    Action.MANAGE_TASK: _TASK_MANAGERS,
    Action.UPDATE_TASK: (*_TASK_MANAGERS, Grant(Role.LIAISON, WORKING, Scope.OWN)),
    Action.RECORD_RESULT: (
        ADMINS,
        Grant(Role.COORDINATOR, WORKING, Scope.OWN_RECORD),
        Grant(Role.LIAISON, WORKING, Scope.OWN_RECORD),
    ),
    # any member of an agency taking part acknowledges for it (their own agency: Scope.OWN)
    Action.ACKNOWLEDGE: (
        ADMINS,
        *(Grant(role, TAKING_PART, Scope.OWN) for role in Role if role != Role.ADMIN),
    ),
    Action.RELEASE: (ADMINS, Grant(Role.COORDINATOR, LEADING)),
    Action.MANAGE_PEOPLE: (
        ADMINS,
        Grant(Role.COORDINATOR, scope=Scope.OWN, targets=frozenset({Role.LIAISON, Role.OBSERVER})),
    ),
    Action.SEE_PEOPLE: (ADMINS, Grant(Role.SUPERVISOR), Grant(Role.COORDINATOR, scope=Scope.OWN)),
    Action.LINK_CHAT: (
        ADMINS,
        Grant(Role.COORDINATOR, scope=Scope.OWN),
        Grant(Role.LIAISON, scope=Scope.OWN),
    ),
    Action.MANAGE_AGENCIES: (ADMINS,),
    Action.READ: (
        ADMINS,
        Grant(Role.SUPERVISOR),
        *(Grant(role, TAKING_PART) for role in (Role.COORDINATOR, Role.LIAISON, Role.OBSERVER)),
    ),
}


def permits(
    action: Action,
    *,
    role: Role,
    stance: Stance = Stance.NONE,
    own: bool = True,
    target: Role | None = None,
) -> bool:
    """Whether the table lets a member with `role` do `action` in that situation."""
    return any(
        grant.role == role
        and stance in grant.stances
        and (own or grant.scope == Scope.ANY)
        and (target is None or grant.targets is None or target in grant.targets)
        for grant in ACTING[action]
    )


def may_attempt(action: Action | None, role: Role) -> bool:
    """Whether some situation lets this role do `action` (checked before a command runs)."""
    return action is None or any(grant.role == role for grant in ACTING[action])


def require_some(actor: Actor, action: Action, command: str) -> None:
    """Raise NotPermitted unless some situation lets the actor's role do `action`."""
    if not may_attempt(action, actor.role):
        raise _refusal(action, command)


def _refusal(
    action: Action, command: str, operation: str | None = None, lead: str | None = None
) -> NotPermitted:
    return NotPermitted(
        command,
        reason="policy",
        grants=ACTING[action],
        operation=operation,
        lead=lead,
    )


def require(
    actor: Actor,
    action: Action,
    command: str,
    *,
    stance: Stance = Stance.NONE,
    subject_agency_id: int | None = None,
    target: Role | None = None,
    operation: str | None = None,
    lead: str | None = None,
) -> None:
    """Raise NotPermitted (naming what would be needed) unless the table allows it.

    `subject_agency_id` is the agency the action is about (a task's assignee, the agency a chat
    or a person belongs to); None when the action is about no agency in particular.
    """
    own = subject_agency_id is None or subject_agency_id == actor.agency_id
    if permits(action, role=actor.role, stance=stance, own=own, target=target):
        return
    raise _refusal(action, command, operation, lead)


# Who acts for an agency in its group chats: a message there may be pressed by any of them.
CHAT_ROLES = frozenset({Role.COORDINATOR, Role.LIAISON})


@dataclass(frozen=True, slots=True)
class Hand:
    """Who could press a message's buttons where it lands: one person in private (their
    role), or a group chat, read as its agency (its coordinators and liaisons); `stance` is
    how that agency takes part in the operation the message is about."""

    agency_id: int | None
    roles: frozenset[Role]
    stance: Stance = Stance.NONE

    @classmethod
    def chat(cls, agency_id: int | None, stance: Stance) -> Hand:
        """An agency's group chat."""
        return cls(agency_id, CHAT_ROLES, stance)


NO_HAND = Hand(None, frozenset())  # nobody could press anything (a stranger, a digest)


def could(hand: Hand, action: Action, *, subject_agency_id: int | None = None) -> bool:
    """Whether someone where a message lands could do `action`: a button is offered only then.
    `subject_agency_id` as for `require` (a task's assignee)."""
    own = subject_agency_id is None or subject_agency_id == hand.agency_id
    return any(permits(action, role=role, stance=hand.stance, own=own) for role in hand.roles)
