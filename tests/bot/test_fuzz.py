"""Hostile input through the whole dispatcher: thousands of generated command lines, from
several identities, in private and in a group, with Unicode controls, bidi marks, zero-width
characters, huge numbers and 10k-argument lines. Nothing crashes, and a refused command
changes nothing (the audit of refusals aside)."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Connection, event
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.commands import REGISTRY
from bot.reply import Tone
from tests.conftest import Chat, Person

LINES_PER_EXAMPLE = 50
EXAMPLES = 100  # 5,000 lines a run
WORDS = sorted({w for c in REGISTRY.all() for w in c.path.split()})
FLAGS = sorted({f"--{p.flag}" for c in REGISTRY.all() for p in c.params if p.flag})
NASTY = [
    "\u202e",  # right-to-left override
    "\u200f",  # right-to-left mark
    "\u200b",  # zero-width space
    "\u2028",  # line separator
    "\u2029",  # paragraph separator
    "\x00",
    "\x1b[31m",
    "\ufeff",
    "\U0001f600" * 3,
    "PANGEA-18",
    "OP-1#1",
    "OP-1#99999999999999999999999999",
    "9" * 400,
    "-1e309",
    "in 99999999999d",
    "m1",
    "i1",
    '"',
    "“",
    "--",
    "FR",
    "AR",
]
token = st.one_of(
    st.sampled_from(WORDS),
    st.sampled_from(FLAGS),
    st.sampled_from(NASTY),
    st.text(min_size=1, max_size=12),
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
)
line = st.one_of(
    st.lists(token, min_size=1, max_size=8).map(" ".join),
    st.text(max_size=40),
    st.sampled_from(WORDS).map(lambda w: " ".join([w] + ["x"] * 10_000)),  # 10k arguments
)


class CommittedWrites:
    """The domain tables written by committed transactions (audit and inbound rows aside)."""

    IGNORED = ("audit_event", "audit_head", "inbound_event", "identity")

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine.sync_engine
        self.tables: list[str] = []
        event.listen(self.engine, "before_cursor_execute", self._on_execute)
        event.listen(self.engine, "commit", self._on_commit)
        event.listen(self.engine, "rollback", self._on_rollback)

    def _on_execute(self, conn: Connection, _c: object, statement: str, *_a: object) -> None:
        verb, _, rest = statement.lstrip().partition(" ")
        if verb.upper() in ("INSERT", "UPDATE", "DELETE"):
            table = rest.replace("INTO ", "").replace("FROM ", "").split()[0].strip('"')
            if table not in self.IGNORED:
                conn.info.setdefault("writes", []).append(table)

    def _on_commit(self, conn: Connection) -> None:
        self.tables += conn.info.pop("writes", [])

    def _on_rollback(self, conn: Connection) -> None:
        conn.info.pop("writes", None)

    def take(self) -> list[str]:
        tables, self.tables = self.tables, []
        return tables


async def _people(chat: Chat, admin: Person) -> list[Person]:
    """OP-1 (FR leads, AR takes part) and five identities, one of them typing in a group."""
    for setup in (
        'agency add FR "France" --country FR --tz Europe/Paris',
        'agency add AR "Argentina" --country AR --tz America/Argentina/Buenos_Aires',
        'op new OP-1 "One" --lead FR',
        "op join OP-1 AR",
        "op start OP-1",
        'task add OP-1 "Seize" --to AR --due "in 2d"',
    ):
        await admin.says(setup)
    people = [admin, chat.person("stranger", "Stranger", platform="telegram")]
    for role, agency in (("coordinator", "FR"), ("liaison", "AR"), ("observer", "AR")):
        person = chat.person(f"{role}-{agency}", f"{role} {agency}", platform="telegram")
        await person.joins_with_invite_from(admin, agency, role)
        people.append(person)
    in_group = chat.person("coordinator-FR", "coordinator FR", platform="telegram")
    in_group.chat_id, in_group.private_chat = "-100", False
    return [*people, in_group]


# one world per test run, built at its first example
WORLDS: dict[int, tuple[list[Person], CommittedWrites]] = {}


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)
@given(
    batch=st.lists(
        st.tuples(st.integers(0, 5), line),
        min_size=LINES_PER_EXAMPLE,
        max_size=LINES_PER_EXAMPLE,
    )
)
async def test_generated_lines_never_crash_and_refusals_change_nothing(
    chat: Chat,
    admin: Person,
    engine: AsyncEngine,
    batch: list[tuple[int, str]],
) -> None:
    if id(chat) not in WORLDS:
        WORLDS[id(chat)] = (await _people(chat, admin), CommittedWrites(engine))
    people, writes = WORLDS[id(chat)]
    for who, typed in batch:
        person = people[who]
        writes.take()
        out = await person.says(typed)
        assert "Something went wrong" not in out, typed
        if person.reply.tone == Tone.ERROR:
            assert writes.take() == [], typed


async def test_committed_writes_are_seen_and_rolled_back_ones_are_not(
    admin: Person, engine: AsyncEngine
) -> None:
    writes = CommittedWrites(engine)
    await admin.says('agency add FR "France" --country FR --tz Europe/Paris')
    assert "agency" in writes.take()
    await admin.says('agency add FR "France" --country FR --tz Europe/Paris')  # refused
    await admin.says('op new OP-1 "One" --lead XX')  # refused after reading
    assert writes.take() == []
