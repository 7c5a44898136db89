"""The knowing table of DESIGN.md, transcribed by hand, against `operations.knowing`."""

from __future__ import annotations

import itertools

import pytest

from operations.acting import Stance
from operations.enums import TLP, Role
from operations.knowing import Carrier, Reader, Verdict, chat_verdict, may_read

LEAD, PART, OBS, NONE = Stance.LEAD, Stance.PARTICIPANT, Stance.OBSERVER, Stance.NONE
ROLES = (Role.ADMIN, Role.COORDINATOR, Role.SUPERVISOR, Role.LIAISON, Role.OBSERVER)
OPEN = (TLP.CLEAR, TLP.GREEN, TLP.AMBER)


def design(tlp: TLP, carrier: Carrier, reader: Reader) -> bool:
    """DESIGN.md § Who may know, line by line."""
    if reader.person in (Role.ADMIN, Role.SUPERVISOR):
        return True  # "admins and supervisors" read everything, as persons
    if reader.stance == NONE:
        return False  # "operations their agency takes part in"
    if tlp in OPEN:
        return True  # "every agency taking part (observers included)"
    if tlp == TLP.AMBER_STRICT and carrier == Carrier.TASK:
        return reader.assignee or reader.stance == LEAD  # "the assignee and the lead agency"
    if tlp == TLP.AMBER_STRICT:
        return reader.stance in (LEAD, PART)  # "lead and participant agencies, not observers"
    if reader.person is None:
        return False  # RED: "never a group chat"
    if reader.stance == LEAD:
        return True  # RED: "members of the lead agency"
    # RED task: "also the assignee agency's coordinators and liaisons"
    return (
        carrier == Carrier.TASK
        and reader.assignee
        and reader.person in (Role.COORDINATOR, Role.LIAISON)
    )


READERS = [
    Reader(stance, person, assignee)
    for stance, person, assignee in itertools.product(
        (LEAD, PART, OBS, NONE), (None, *ROLES), (False, True)
    )
    if not (assignee and stance in (OBS, NONE))  # observers and outsiders are never assignees
]


@pytest.mark.parametrize("carrier", list(Carrier))
@pytest.mark.parametrize("tlp", list(TLP))
def test_every_marking_and_reader_follows_the_design_table(tlp: TLP, carrier: Carrier) -> None:
    wrong = [r for r in READERS if may_read(tlp, carrier, r) != design(tlp, carrier, r)]
    assert wrong == []


def test_red_never_reaches_a_group_chat_not_even_the_lead_agencys() -> None:
    for carrier, stance in itertools.product(Carrier, (LEAD, PART, OBS)):
        assert not may_read(TLP.RED, carrier, Reader.group(stance, assignee=stance == PART))


def test_a_red_tasks_assignee_group_gets_only_a_notice_others_nothing() -> None:
    assignee = Reader.group(PART, assignee=True)
    assert chat_verdict(TLP.RED, Carrier.TASK, assignee) == Verdict.NOTICE
    assert chat_verdict(TLP.RED, Carrier.TASK, Reader.group(LEAD)) == Verdict.WITHHELD
    assert chat_verdict(TLP.RED, Carrier.STATUS, Reader.group(LEAD)) == Verdict.WITHHELD
    assert chat_verdict(TLP.AMBER, Carrier.TASK, assignee) == Verdict.FULL


def test_an_observer_reads_neither_red_nor_amber_strict_titles() -> None:
    for role in (Role.COORDINATOR, Role.LIAISON, Role.OBSERVER):
        observer = Reader(OBS, role)
        assert not may_read(TLP.RED, Carrier.TASK, observer)
        assert not may_read(TLP.AMBER_STRICT, Carrier.TASK, observer)
        assert not may_read(TLP.AMBER_STRICT, Carrier.STATUS, observer)
        assert may_read(TLP.AMBER, Carrier.TASK, observer)
