"""The role matrix over the commands (the role sets are declared in bot/commands/base.py):

- admin: everything, on every operation;
- coordinator: creates operations and runs those its agency takes part in;
- supervisor: reads everything, writes nothing;
- liaison: updates its own agency's tasks and links its own agency's chats;
- observer: reads only the operations its agency takes part in.
"""

from __future__ import annotations

import pytest

from bot.commands import REGISTRY
from bot.reply import Reply, Tone
from operations import acting
from operations.acting import Action
from operations.enums import Role
from tests.bot.conftest import World
from tests.bot.helpers import db_state, only_refusal_audited

OK, ROLE, HIDDEN = "ok", "role", "hidden"
ROLES = ("admin", "coordinator", "supervisor", "liaison", "observer")
AGENCY_OF = {
    "coordinator": "FR-OCLCTIC",
    "supervisor": "ES-UCO",
    "liaison": "FR-OCLCTIC",
    "observer": "FR-OCLCTIC",
}

# PANGEA-18: FR-OCLCTIC (lead) and ES-UCO; #1 is FR's task, #2 is ES's.  SECRET-9: US-FDA only.
# Rows run in this order; each row's expectation holds after the rows above it.
MATRIX = [
    # line                                                   admin   coord   super   liaison observer
    ("whoami",                                               OK,     OK,     OK,     OK,     OK),
    ("connect",                                              OK,     OK,     OK,     OK,     OK),
    ("agency list",                                          OK,     OK,     OK,     OK,     OK),
    ("op list",                                              OK,     OK,     OK,     OK,     OK),
    ("op show PANGEA-18",                                    OK,     OK,     OK,     OK,     OK),
    ("task list PANGEA-18",                                  OK,     OK,     OK,     OK,     OK),
    ("summary PANGEA-18",                                    OK,     OK,     OK,     OK,     OK),
    ("summary",                                              OK,     OK,     OK,     OK,     OK),
    ("op show SECRET-9",                                     OK,     HIDDEN, OK,     HIDDEN, HIDDEN),
    ("task list SECRET-9",                                   OK,     HIDDEN, OK,     HIDDEN, HIDDEN),
    ("summary SECRET-9",                                     OK,     HIDDEN, OK,     HIDDEN, HIDDEN),
    ('agency add SG-SPF "SPF" --country SG --tz UTC',        OK,     ROLE,   ROLE,   ROLE,   ROLE),
    ("invite FR-OCLCTIC --role observer",                    OK,     OK,     ROLE,   ROLE,   ROLE),
    ("link FR-OCLCTIC",                                      OK,     OK,     ROLE,   OK,     ROLE),
    ("link ES-UCO",                                          OK,     ROLE,   ROLE,   ROLE,   ROLE),
    ('op new ROLE-1 "Role test" --lead FR-OCLCTIC',          OK,     OK,     ROLE,   ROLE,   ROLE),
    ("op join PANGEA-18 US-FDA",                             OK,     OK,     ROLE,   ROLE,   ROLE),
    ('task add PANGEA-18 "New" --to FR-OCLCTIC',             OK,     OK,     ROLE,   ROLE,   ROLE),
    ("task start PANGEA-18#1",                               OK,     OK,     ROLE,   OK,     ROLE),
    ('task block PANGEA-18#1 "Warrant"',                     OK,     OK,     ROLE,   OK,     ROLE),
    ("task done PANGEA-18#1",                                OK,     OK,     ROLE,   OK,     ROLE),
    ("task reopen PANGEA-18#1",                              OK,     OK,     ROLE,   OK,     ROLE),
    ("task start PANGEA-18#2",                               OK,     OK,     ROLE,   ROLE,   ROLE),
    ("remind PANGEA-18#2 tomorrow 08:00",                    OK,     OK,     ROLE,   ROLE,   ROLE),
    ("task cancel PANGEA-18#2",                              OK,     OK,     ROLE,   ROLE,   ROLE),
    ("task assign PANGEA-18#1 ES-UCO",                       OK,     OK,     ROLE,   ROLE,   ROLE),
    ("task due PANGEA-18#1 in 2d",                           OK,     OK,     ROLE,   ROLE,   ROLE),
    ('status PANGEA-18 "All in position"',                   OK,     OK,     ROLE,   ROLE,   ROLE),
    ('remind PANGEA-18#1 in 2h "Check the van"',             OK,     OK,     ROLE,   OK,     ROLE),
    ("op cadence PANGEA-18 4h",                              OK,     OK,     ROLE,   ROLE,   ROLE),
    ("digest on --at 07:30",                                 OK,     OK,     OK,     OK,     OK),
    ("remind SECRET-9#1 in 2h",                              OK,     HIDDEN, ROLE,   HIDDEN, ROLE),
    ("task done SECRET-9#1",                                 OK,     HIDDEN, ROLE,   HIDDEN, ROLE),
    ('task add SECRET-9 "x" --to US-FDA',                    OK,     HIDDEN, ROLE,   ROLE,   ROLE),
    ("op start SECRET-9",                                    OK,     HIDDEN, ROLE,   ROLE,   ROLE),
    ("op suspend PANGEA-18",                                 OK,     OK,     ROLE,   ROLE,   ROLE),
    ("op close PANGEA-18 --force",                           OK,     OK,     ROLE,   ROLE,   ROLE),
]  # fmt: skip


def outcome(reply: Reply) -> str:
    if reply.tone != Tone.ERROR:
        return OK
    if reply.title.startswith("Only "):
        return ROLE
    if reply.title.startswith("No operation"):
        return HIDDEN
    return f"refused: {reply.title}"


@pytest.mark.parametrize("role", ROLES)
async def test_role_matrix(world: World, role: str) -> None:
    if role == "admin":
        person = await world.admin_on_telegram()  # the console cannot link chats
    else:
        person = await world.member(role, AGENCY_OF[role], reads="en")  # outcome() reads English
    person.chat_id = f"{role}-room"
    sessions = world.chat.dispatcher.sessions
    wrong = []
    for row in MATRIX:
        line, expected = row[0], row[1 + ROLES.index(role)]
        before = await db_state(sessions)
        await person.says(line)
        got = outcome(person.reply)
        if got != expected:
            wrong.append(f"{line!r}: expected {expected}, got {got} ({person.reply.title})")
        if got != OK:
            await only_refusal_audited(sessions, before, await db_state(sessions), line)
    assert not wrong, f"{role}:\n" + "\n".join(wrong)


READS = {
    *("help", "whoami", "agency list", "op list", "op show", "task list", "summary"),
    "reminders",
}


def test_reads_are_open_to_every_member() -> None:
    for command in REGISTRY.all():
        if command.path in READS:
            assert command.action in (None, Action.READ), command.path


WRITES = {
    "invite",
    "agency add",
    "link",
    "op new",
    "op join",
    "op start",
    "op suspend",
    "op resume",
    "op close",
    "op cadence",
    "task add",
    "task start",
    "task done",
    "task block",
    "task reopen",
    "task cancel",
    "task assign",
    "task due",
    "status",
    "remind",
    "remind cancel",
    "snooze",
}


def test_writes_admit_admins_and_never_supervisors_or_observers() -> None:
    declared = {c.path: c for c in REGISTRY.all()}
    for path in WRITES:
        action = declared[path].action
        assert action is not None, path
        assert acting.may_attempt(action, Role.ADMIN), path
        assert not acting.may_attempt(action, Role.SUPERVISOR), path
        assert not acting.may_attempt(action, Role.OBSERVER), path


async def test_a_coordinator_runs_an_operation_its_agency_joined_later(world: World) -> None:
    coordinator = await world.member("coordinator", "US-FDA")
    await coordinator.says("op show PANGEA-18")
    assert outcome(coordinator.reply) == HIDDEN
    await world.admin.says("op join PANGEA-18 US-FDA")
    for line in ('task add PANGEA-18 "Check FDA leads" --to US-FDA', "task start PANGEA-18#3"):
        await coordinator.says(line)
        assert outcome(coordinator.reply) == OK, coordinator.reply.title
