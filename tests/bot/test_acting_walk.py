"""Every command of the registry, tried by every role from every kind of participation, is
allowed exactly when the acting table (DESIGN.md, `operations.acting`) allows it.

OP-1 is led by LD, PT takes part, OB observes, NO is not in it; task OP-1#1 is PT's.
A refusal is a policy refusal ("Only ... may run ...") or, where need-to-know hides the thing,
"No ..."; anything else (done, or refused for the state of things) counts as allowed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest

from bot.commands import REGISTRY
from bot.reply import Tone
from operations.acting import Action, Stance, permits
from operations.enums import Role
from tests.conftest import Chat, Person

AGENCIES = {"LD": Stance.LEAD, "PT": Stance.PARTICIPANT, "OB": Stance.OBSERVER, "NO": Stance.NONE}
TELEGRAM = {"platform": "telegram", "workspace": "telegram"}
ROLES = (Role.ADMIN, Role.COORDINATOR, Role.SUPERVISOR, Role.LIAISON, Role.OBSERVER)


@dataclass(frozen=True)
class Sample:
    """A line that runs the command; the agencies it is about; the role it gives or takes."""

    line: str
    subjects: tuple[str, ...] = ()
    target: Role | None = None
    in_operation: bool = True  # the member's stance in OP-1 matters


SAMPLES: dict[str, Sample] = {
    "invite": Sample("invite PT --role liaison", ("PT",), Role.LIAISON, False),
    "invite list": Sample("invite list", in_operation=False),
    "invite revoke": Sample("invite revoke {invite}", ("PT",), Role.LIAISON, False),
    "member list": Sample("member list PT", ("PT",), in_operation=False),
    "member role": Sample("member role {liaison} observer", ("PT",), Role.LIAISON, False),
    "member remove": Sample("member remove {liaison}", ("PT",), Role.LIAISON, False),
    "agency add": Sample('agency add XX "X" --country FR --tz Europe/Paris', in_operation=False),
    "agency edit": Sample('agency edit PT --name "Renamed"', ("PT",), in_operation=False),
    "link": Sample("link PT", ("PT",), in_operation=False),
    "unlink": Sample("unlink", ("PT",), in_operation=False),
    "op new": Sample('op new NEW-{n} "New" --lead LD', in_operation=False),
    "op join": Sample("op join OP-1 NO"),
    "op start": Sample("op start OP-1"),
    "op suspend": Sample("op suspend OP-1"),
    "op resume": Sample("op resume OP-1"),
    "op close": Sample("op close OP-1"),
    "op remove": Sample("op remove OP-1 OB"),
    "op cadence": Sample("op cadence OP-1 4h"),
    "op show": Sample("op show OP-1"),
    "task add": Sample('task add OP-1 "Raid" --to PT', ("PT",)),
    "task list": Sample("task list OP-1"),
    "task show": Sample("task show OP-1#1"),
    "task note": Sample('task note OP-1#1 "seen"', ("PT",)),
    "task edit": Sample("task edit OP-1#1 --priority high", ("PT",)),
    "task start": Sample("task start OP-1#1", ("PT",)),
    "task done": Sample("task done OP-1#1", ("PT",)),
    "task block": Sample('task block OP-1#1 "waiting"', ("PT",)),
    "task reopen": Sample("task reopen OP-1#1", ("PT",)),
    "task cancel": Sample("task cancel OP-1#1", ("PT",)),
    "task assign": Sample("task assign OP-1#1 LD", ("PT", "LD")),
    "task due": Sample('task due OP-1#1 "in 3d"', ("PT",)),
    "status": Sample('status OP-1 "Phase 2"'),
    "summary": Sample("summary OP-1"),
    "remind": Sample('remind OP-1#1 "in 1h"', ("PT",)),
    "snooze": Sample("snooze OP-1#1 1h", ("PT",)),
    "remind cancel": Sample("remind cancel 1", ("PT",)),  # the admin's: "not yours" is allowed
    "result": Sample("result OP-1 arrests 3 --agency PT", ("PT",)),
    "result undo": Sample("result undo OP-1 1", ("PT",)),  # PT's; once withdrawn: allowed
    "results": Sample("results OP-1"),
    "ack": Sample("ack OP-1 1"),  # for the member's own agency; done once: "already" is allowed
    "acks": Sample("acks OP-1 1"),
    "export": Sample("export OP-1 --format md"),
    "op four-eyes": Sample("op four-eyes OP-1 on"),  # on from the start: "already" is allowed
    "release approve": Sample("release approve R-1"),  # the admin's request: once decided,
    "release reject": Sample('release reject R-1 "no"'),  # "already" is allowed
}
COMMANDS = {c.path: c for c in REGISTRY.all()}
READS = {
    "op show",
    "task list",
    "summary",
    "task show",
    "results",
    "acks",
    "export",
}  # need the READ grant; declared by no command
ANYONE = {
    *("help", "start", "join", "connect", "whoami", "agency list", "op list", "digest"),
    *("reminders", "me lang", "me tz", "release list"),
}


def test_every_command_is_walked_or_open_to_every_member() -> None:
    paths = {c.path for c in REGISTRY.all()}
    assert paths == set(SAMPLES) | ANYONE
    for path in ANYONE | READS:
        assert COMMANDS[path].action is None, path
    for path in set(SAMPLES) - READS:
        assert COMMANDS[path].action is not None, path


def expected(path: str, role: Role, agency: str) -> bool:
    sample = SAMPLES[path]
    command = COMMANDS[path]
    action = command.action or Action.READ
    stance = AGENCIES[agency] if sample.in_operation else Stance.NONE
    own = all(subject == agency for subject in sample.subjects)
    return permits(action, role=role, stance=stance, own=own, target=sample.target)


REFUSED = re.compile(r"^Error: (Only .* may run |No \w+ )")


async def _world(chat: Chat, admin: Person) -> dict[tuple[Role, str], Person]:
    for code in AGENCIES:
        await admin.says(f'agency add {code} "{code}" --country FR --tz Europe/Paris')
    for line in (
        'op new OP-1 "One" --lead LD',
        "op join OP-1 PT",
        "op join OP-1 OB --role observer",
    ):
        await admin.says(line)
    await admin.says("op start OP-1")
    await admin.says('task add OP-1 "Seize" --to PT --due "in 2d"')
    await admin.says('remind OP-1#1 "in 1d"')  # reminder 1, for remind cancel
    await admin.says("result OP-1 arrests 1 --agency PT")  # result 1, for result undo
    await admin.says('status OP-1 "Phase 1" --ack')  # status update 1, for ack
    await admin.says("op four-eyes OP-1 on")  # from now on status, op join... are held
    await admin.says('status OP-1 "Phase 2"')  # R-1, for release approve and reject
    people = {}
    for role in ROLES:
        for agency in AGENCIES:
            person = chat.person(f"{role}-{agency}", f"{role} {agency}", **TELEGRAM)
            person.chat_id = f"g-{role}-{agency}"
            await person.joins_with_invite_from(admin, agency, str(role))
            people[(role, agency)] = person
    linker = chat.person("linker", "Linker", **TELEGRAM)
    await linker.joins_with_invite_from(admin, "PT", "coordinator")
    linker.chat_id, linker.private_chat = "pt-room", False
    await linker.says("link PT")  # the chat where `unlink` is tried
    return people


async def _targets(chat: Chat, admin: Person, n: int) -> dict[str, str]:
    """A fresh PT liaison (m<N>) and a fresh PT invite code for each try."""
    liaison = chat.person(f"target-{n}", f"Target {n}")
    await liaison.joins_with_invite_from(admin, "PT", "liaison")
    listing = await admin.says("member list PT")
    whoami = re.search(rf"\b(m\d+)\b.*Target {n}\b", listing)
    invite = re.search(r"join ([A-Z0-9-]+)", await admin.says("invite PT --role liaison"))
    assert whoami and invite
    return {"liaison": whoami[1], "invite": invite[1]}


@pytest.mark.parametrize("path", sorted(SAMPLES))
async def test_each_command_is_allowed_exactly_as_the_acting_table_says(
    chat: Chat, admin: Person, path: str
) -> None:
    people = await _world(chat, admin)
    cases = sorted(people.items(), key=lambda kv: expected(path, *kv[0]))  # refusals first
    wrong = []
    for n, ((role, agency), person) in enumerate(cases):
        if path == "unlink":
            person.chat_id, person.private_chat = "pt-room", False
        line = SAMPLES[path].line
        if "{" in line:
            line = line.format(n=n, **await _targets(chat, admin, n))
        out = await person.says(line)
        refused = person.reply.tone == Tone.ERROR and bool(REFUSED.match(out.splitlines()[0]))
        if refused == expected(path, role, agency):
            wrong.append(f"{role} of {agency}: {out.splitlines()[0]}")
    assert wrong == []
