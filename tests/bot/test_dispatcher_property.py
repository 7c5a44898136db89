"""Whatever anyone types, the dispatcher answers, and a refusal leaves the database untouched."""

from __future__ import annotations

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from bot.commands import REGISTRY
from bot.context import Invocation
from bot.registry import Kind, Param
from bot.reply import Reply, Tone
from tests.bot.conftest import World
from tests.bot.helpers import beyond_audit, row_counts

PATHS = sorted({c.path for c in REGISTRY.all()})
FLAGS = sorted({f"--{p.flag}" for c in REGISTRY.all() for p in c.params if p.flag})
CHOICES = sorted({choice for c in REGISTRY.all() for p in c.params for choice in p.choices})

# Arguments that are valid somewhere, nearly valid, or hostile.
KNOWN = [
    "PANGEA-18",
    "pangea-18",
    "SECRET-9",
    "NOPE-1",
    "-X",
    "FR-OCLCTIC",
    "es-uco",
    "US-FDA",
    "XX-NOPE",
    "PANGEA-18#1",
    "pangea-18#2",
    "PANGEA-18#99",
    "SECRET-9#1",
    "PANGEA-18#0",
    "PANGEA-18#9999999",
    "tomorrow",
    "06:00",
    "25:00",
    "in",
    "2h",
    "in 2h",
    '"in 3d"',
    "2026-02-30",
    "2026-12-01T18:00Z",
    "2025-01-01",
    "friday",
    "Europe/Paris",
    "Mars/Base",
    "FR",
    "XQ",
    '"Raid warehouse 4"',
    "\u201cRaid warehouse\u201d",
    "\u00abstatut\u00bb",
    "'single'",
    '"unclosed',
    '""',
    "--",
    "#",
    '"' + "x" * 201 + '"',
    '"' + "y" * 3001 + '"',
    "ABCD-EFGH-JKLM",
    "\u0634\u0631\u0637\u0629",
    "🚓",
]

hostile_chars = st.sampled_from(
    list(" \t\n\"'\u201c\u201d\u00ab\u00bb\u2018\u2019\u202e\u2066\x00\x07\x1b\x7f#-/:aZ09é\u00a0")
)
argument = st.one_of(
    st.sampled_from(KNOWN),
    st.sampled_from(FLAGS),
    st.sampled_from(CHOICES),
    st.text(hostile_chars, min_size=1, max_size=12),
    st.text(min_size=1, max_size=12),
)
near_valid = st.builds(
    lambda head, args: " ".join([head, *args]),
    st.one_of(
        st.sampled_from(PATHS),
        st.sampled_from(PATHS).map(lambda p: "/" + p.upper()),
        st.sampled_from(["tsak add", "op", "task", "help task", "agency ad", "summery", ""]),
    ),
    st.lists(argument, max_size=8),
)

# Values by kind that make sense in the world of tests/bot/conftest.py, and some that do not.
VALID: dict[Kind, list[str]] = {
    Kind.AGENCY: ["FR-OCLCTIC", "es-uco", "US-FDA", "AE-DXB", "IT-GDF"],
    Kind.OPERATION: ["PANGEA-18", "pangea-18", "SECRET-9", "TRIDENT-2"],
    Kind.TASK: ["PANGEA-18#1", "PANGEA-18#2", "PANGEA-18#3", "SECRET-9#1"],
    Kind.WHEN: ["tomorrow 06:00", '"in 2h"', "in 3d", "2026-12-01T18:00Z", "friday"],
    Kind.DURATION: ["2h", "90m"],
    Kind.TEXT: ['"Raid warehouse"', "\u201cSeize parcels\u201d", "ready"],
    Kind.WORD: ["IT", "FR", "Europe/Rome", "europe/paris", "task", "add"],
    Kind.CLOCK: ["08:00"],
}
INVALID: dict[Kind, list[str]] = {
    Kind.AGENCY: ["XX-NOPE", "F"],
    Kind.OPERATION: ["NOPE-1", "-X"],
    Kind.TASK: ["PANGEA-18#99", "PANGEA-18"],
    Kind.WHEN: ["2026-02-30", "2025-01-01", "someday"],
    Kind.DURATION: ["soon"],
    Kind.TEXT: ['""', '"' + "t" * 201 + '"'],
    Kind.WORD: ["XQ", "Mars/Base"],
    Kind.CLOCK: ["25:00"],
    Kind.CHOICE: ["bogus"],
}


def value_for(param: Param) -> st.SearchStrategy[str]:
    """Four times in five a sensible value."""
    valid = [*param.choices, *VALID.get(param.kind, [])]
    return st.sampled_from(valid * 4 + INVALID.get(param.kind, []))


@st.composite
def command_lines(draw: st.DrawFn) -> str:
    """A command of the registry with plausible arguments, sometimes slightly broken."""
    command = draw(st.sampled_from(REGISTRY.all()))
    words = [command.path]
    for param in command.params:
        if not draw(st.integers(0, 9) if param.required else st.booleans()):
            continue  # a required parameter is left out one time in ten
        if param.flag:
            words.append(f"--{param.flag}")
        if param.kind != Kind.SWITCH:
            words.append(draw(value_for(param)))
    for _ in range(draw(st.sampled_from([0, 0, 0, 1, 2]))):
        position = draw(st.integers(0, len(words)))
        mutation = draw(st.sampled_from(["drop", "repeat", "insert"]))
        if mutation == "drop" and position < len(words):
            del words[position]
        elif mutation == "repeat" and position < len(words):
            words.insert(position, words[position])
        else:
            words.insert(position, draw(st.sampled_from(KNOWN + FLAGS)))
    return " ".join(words)


arbitrary = st.one_of(st.text(max_size=80), st.text(hostile_chars, max_size=40))
lines = st.sampled_from(["command"] * 6 + ["near"] * 2 + ["arbitrary"] * 2).flatmap(
    {"command": command_lines(), "near": near_valid, "arbitrary": arbitrary}.__getitem__
)


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(line=lines, who=st.sampled_from(["admin", "stranger", "liaison"]))
async def test_any_line_gets_a_reply_and_refusals_change_nothing(
    world: World, line: str, who: str
) -> None:
    if who == "liaison" and ("liaison", "FR-OCLCTIC") not in world.members:
        liaison = await world.member("liaison", "FR-OCLCTIC")
        liaison.chat_id = "room-liaison"
        await liaison.says("link FR-OCLCTIC")  # so that changes also queue deliveries
    platform, workspace, user = {
        "admin": ("console", "local", "admin"),
        "stranger": ("telegram", "tg", "stranger-1"),
        "liaison": ("telegram", "tg", "liaison-fr-oclctic"),
    }[who]
    sessions = world.chat.dispatcher.sessions
    before = await row_counts(sessions)
    reply = await world.chat.dispatcher.dispatch(
        Invocation(platform, workspace, f"room-{who}", user, who.title(), line)
    )
    assert isinstance(reply, Reply)
    assert reply.title
    assert not reply.title.startswith("Something went wrong"), f"internal error on {line!r}"
    after = await row_counts(sessions)
    event(f"{reply.tone}, {'changed' if after != before else 'unchanged'}")
    if reply.tone == Tone.ERROR:  # a refused access attempt is audited, nothing else written
        assert beyond_audit(after) == beyond_audit(before), f"refused {line!r} but changed data"
        assert after["audit_event"] - before["audit_event"] <= 1, line
