"""Who may know: what a marking (TLP 2.0) lets each kind of reader read.

Declared once (`may_read`); every broadcast (through `operations.events`) and every read
(task list, summary, op show, digest) asks it. A reader is where a message lands: a group chat
reads as its agency and is never cleared for RED; a private chat, an ephemeral message or the
console reads as that one person.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from operations.acting import Stance
from operations.actor import Actor
from operations.enums import TLP, Role


class Carrier(StrEnum):
    """What carries the marking: the rules differ for a task and a status update."""

    TASK = "task"
    STATUS = "status"


class Verdict(StrEnum):
    """What a chat gets of a broadcast."""

    FULL = "full"
    NOTICE = "notice"  # a content-free notice naming the reference (a RED task's assignee)
    WITHHELD = "withheld"


@dataclass(frozen=True, slots=True)
class Reader:
    """Who reads: a group chat (`person` None, read as its agency) or one person in private.

    `stance` is how the reader's agency takes part in the operation; `assignee` whether that
    agency is the assignee of the task being read.
    """

    stance: Stance
    person: Role | None = None
    assignee: bool = False

    @classmethod
    def group(cls, stance: Stance, *, assignee: bool = False) -> Reader:
        return cls(stance, None, assignee)


OPEN_MARKINGS = frozenset({TLP.CLEAR, TLP.GREEN, TLP.AMBER})
READS_EVERYTHING = frozenset({Role.ADMIN, Role.SUPERVISOR})  # as persons, in private
RED_TASK_ROLES = frozenset({Role.COORDINATOR, Role.LIAISON})  # of the assignee agency


def may_read(tlp: TLP, carrier: Carrier, reader: Reader) -> bool:
    """Whether `reader` may read something marked `tlp` carried by `carrier`."""
    if reader.person in READS_EVERYTHING:
        return True
    if reader.stance == Stance.NONE:
        return False
    if tlp in OPEN_MARKINGS:
        return True
    if tlp == TLP.AMBER_STRICT:
        if carrier == Carrier.TASK:
            return reader.assignee or reader.stance == Stance.LEAD
        return reader.stance in (Stance.LEAD, Stance.PARTICIPANT)
    # RED: individuals only, in private
    if reader.person is None:
        return False
    if reader.stance == Stance.LEAD:
        return True
    return carrier == Carrier.TASK and reader.assignee and reader.person in RED_TASK_ROLES


def chat_verdict(tlp: TLP, carrier: Carrier, reader: Reader) -> Verdict:
    """What a group chat gets of a broadcast: the message, a content-free notice, or nothing."""
    if may_read(tlp, carrier, reader):
        return Verdict.FULL
    if tlp == TLP.RED and carrier == Carrier.TASK and reader.assignee:
        return Verdict.NOTICE
    return Verdict.WITHHELD


@dataclass(frozen=True, slots=True)
class Viewer:
    """Who will read a reply: one person in private (`person` is their role) or a group chat,
    read as its agency (`person` None)."""

    agency_id: int | None
    person: Role | None = None


NOBODY = Viewer(None)  # the reader of a reply to a stranger (public commands only)


@dataclass(frozen=True, slots=True)
class Lens:
    """A viewer as it stands in one operation: what it may read there."""

    viewer: Viewer
    stance: Stance

    def reads(self, tlp: TLP, carrier: Carrier, *, assignee_agency_id: int | None = None) -> bool:
        assignee = assignee_agency_id is not None and assignee_agency_id == self.viewer.agency_id
        return may_read(tlp, carrier, Reader(self.stance, self.viewer.person, assignee))

    def reads_task(self, tlp: TLP, assignee_agency_id: int) -> bool:
        return self.reads(tlp, Carrier.TASK, assignee_agency_id=assignee_agency_id)

    def reads_status(self, tlp: TLP) -> bool:
        return self.reads(tlp, Carrier.STATUS)

    def reads_results(self, operation_tlp: TLP) -> bool:
        """Results carry their operation's marking and read as a report on it (a status
        update's rules: at AMBER+STRICT not observers, at RED individuals only)."""
        return self.reads(operation_tlp, Carrier.STATUS)


def person(actor: Actor) -> Viewer:
    """The actor reading in private."""
    return Viewer(actor.agency_id, actor.role)
