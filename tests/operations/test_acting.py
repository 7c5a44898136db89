"""The acting table, checked against DESIGN.md § Who may act, transcribed here by hand."""

from __future__ import annotations

import pytest

from operations import acting
from operations.acting import Action, Stance
from operations.actor import Actor
from operations.enums import Role
from operations.errors import NotPermitted

A, C, S, L, OB = Role.ADMIN, Role.COORDINATOR, Role.SUPERVISOR, Role.LIAISON, Role.OBSERVER
LEAD, PART, OBS, NONE = Stance.LEAD, Stance.PARTICIPANT, Stance.OBSERVER, Stance.NONE

# (action, role, stance, own subject) -> allowed; every case not listed is refused
ALLOWED: set[tuple[Action, Role, Stance, bool]] = set()
for stance in Stance:
    for own in (True, False):
        for action in Action:
            ALLOWED.add((action, A, stance, own))  # admins: everything
        ALLOWED.add((Action.READ, S, stance, own))  # supervisors read everything
        ALLOWED.add((Action.SEE_PEOPLE, S, stance, own))  # ... members of every agency too
        ALLOWED.add((Action.CREATE_OPERATION, C, stance, own))
    ALLOWED.add((Action.MANAGE_PEOPLE, C, stance, True))  # for liaisons and observers, below
    ALLOWED.add((Action.SEE_PEOPLE, C, stance, True))  # the members of their own agency
    ALLOWED.add((Action.LINK_CHAT, C, stance, True))
    ALLOWED.add((Action.LINK_CHAT, L, stance, True))
for own in (True, False):
    ALLOWED.add((Action.RUN_OPERATION, C, LEAD, own))  # coordinators of the lead agency
    ALLOWED.add((Action.RELEASE, C, LEAD, own))  # ... approve four-eyes requests
    ALLOWED.add((Action.POST_STATUS, C, LEAD, own))  # ... or of a participant agency
    ALLOWED.add((Action.POST_STATUS, C, PART, own))
    ALLOWED.add((Action.MANAGE_TASK, C, LEAD, own))  # lead coordinators: any task
    ALLOWED.add((Action.UPDATE_TASK, C, LEAD, own))
    for reader in (C, L, OB):  # others read what their agency takes part in
        for taking_part in (LEAD, PART, OBS):
            ALLOWED.add((Action.READ, reader, taking_part, own))
ALLOWED.add((Action.MANAGE_TASK, C, PART, True))  # participant coordinators: own tasks
ALLOWED.add((Action.UPDATE_TASK, C, PART, True))
ALLOWED.add((Action.UPDATE_TASK, L, LEAD, True))  # liaisons of the assignee agency
ALLOWED.add((Action.UPDATE_TASK, L, PART, True))
for member in (C, S, L, OB):  # any member acknowledges an update for their own agency
    for taking_part in (LEAD, PART, OBS):
        ALLOWED.add((Action.ACKNOWLEDGE, member, taking_part, True))
for recorder in (C, L):  # results: of the lead or a participant agency, for their own agency
    for working in (LEAD, PART):
        ALLOWED.add((Action.RECORD_RESULT, recorder, working, True))


@pytest.mark.parametrize("action", list(Action))
@pytest.mark.parametrize("role", list(Role))
def test_the_table_is_the_design(action: Action, role: Role) -> None:
    for stance in Stance:
        for own in (True, False):
            expected = (action, role, stance, own) in ALLOWED
            got = acting.permits(action, role=role, stance=stance, own=own)
            assert got is expected, (action, role, stance, own)


@pytest.mark.parametrize(
    ("target", "allowed"),
    [(A, False), (C, False), (S, False), (L, True), (OB, True)],
)
def test_coordinators_manage_liaisons_and_observers_only(target: Role, allowed: bool) -> None:
    assert acting.permits(Action.MANAGE_PEOPLE, role=C, target=target) is allowed
    assert acting.permits(Action.MANAGE_PEOPLE, role=A, target=target)
    assert not acting.permits(Action.MANAGE_PEOPLE, role=C, target=target, own=False)


def test_supervisors_and_observers_write_nothing() -> None:
    """... but acknowledging that their agency received an update (any member may)."""
    for action in Action:
        if action not in (Action.READ, Action.SEE_PEOPLE, Action.ACKNOWLEDGE):
            assert not acting.may_attempt(action, S), action
            assert not acting.may_attempt(action, OB), action


def test_a_refusal_names_the_grants_the_operation_and_its_lead() -> None:
    coordinator = Actor(7, "Ana", C, 2, "ES-UCO", "console")
    with pytest.raises(NotPermitted) as caught:
        acting.require(
            coordinator,
            Action.RUN_OPERATION,
            "op close",
            stance=PART,
            operation="PANGEA-18",
            lead="FR-OCLCTIC",
        )
    error = caught.value
    assert (error.action, error.reason, error.operation, error.lead) == (
        "op close",
        "policy",
        "PANGEA-18",
        "FR-OCLCTIC",
    )
    assert error.grants == acting.ACTING[Action.RUN_OPERATION]
