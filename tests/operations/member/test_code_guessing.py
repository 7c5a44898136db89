"""Guessing codes: after 5 wrong invite or connect codes from one chat account within 15
minutes, that account is refused for 15 minutes, even with a good code, and told how long to
wait. The count is the audit trail's failed attempts: it holds across replicas and restarts."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import FakeClock
from bot.commands import REGISTRY
from bot.dispatcher import Dispatcher
from bot.reply import Tone
from operations import db
from operations.audit import access
from operations.audit.models import AuditEvent
from operations.member.models import Member
from tests.conftest import START, Chat, Person, make_engine

Sessions = async_sessionmaker[AsyncSession]
MIN = timedelta(minutes=1)
WRONG = "QQQQ-RRRR-SSSS"


@pytest.fixture
async def code(admin: Person) -> str:
    await admin.says('agency add FR-PN "Police nationale" --country FR --tz Europe/Paris')
    invite = await admin.says("invite FR-PN --role liaison")
    found = re.search(r"join ([A-Z0-9-]+)", invite)
    assert found
    return found[1]


@pytest.fixture
def eve(chat: Chat) -> Person:
    return chat.person("666", "Eve", platform="telegram", workspace="tg", chat_id="666")


async def guesses(person: Person, clock: FakeClock, count: int, *, every: timedelta) -> None:
    for _ in range(count):
        await person.says(f"join {WRONG}")
        assert "No such invite code" in (person.reply.title or ""), person.reply.title
        clock.advance(every)


async def events(sessions: Sessions, action: str) -> int:
    async with sessions() as s:
        found = await s.scalar(
            select(func.count()).select_from(AuditEvent).where(AuditEvent.action == action)
        )
        return int(found or 0)


async def test_the_sixth_code_within_15_minutes_is_refused_even_when_good(
    eve: Person, clock: FakeClock, code: str, sessions: Sessions
) -> None:
    await guesses(eve, clock, 5, every=MIN)  # wrong codes at 0, 1, 2, 3, 4 minutes
    await eve.says(f"join {code}")  # at 5 minutes: the lockout runs until 4 + 15
    assert eve.reply.tone == Tone.ERROR
    assert eve.reply.title == (
        "Too many wrong codes from this account: wait 14 minutes, then try again."
    )
    async with sessions() as s:
        assert await s.scalar(select(func.count()).select_from(Member)) == 1  # the admin alone
    clock.set(START + 18 * MIN + 30 * timedelta(seconds=1))
    await eve.says(f"join {code}")
    assert eve.reply.title == (
        "Too many wrong codes from this account: wait 1 minute, then try again."
    )
    clock.set(START + 19 * MIN)
    await eve.says(f"join {code}")
    assert eve.reply.tone == Tone.OK, eve.reply.title
    assert "Welcome" in (eve.reply.title or "")


async def test_a_link_code_is_refused_too_during_the_lockout(
    eve: Person, admin: Person, clock: FakeClock
) -> None:
    connect = await admin.says("connect")
    found = re.search(r"join ([A-Z0-9-]+)", connect)
    assert found
    await guesses(eve, clock, 5, every=MIN)
    await eve.says(f"join {found[1]}")
    assert "wait" in (eve.reply.title or "")


async def test_malformed_used_or_unknown_codes_all_count(
    eve: Person, clock: FakeClock, code: str, chat: Chat
) -> None:
    first = chat.person("1", "One", platform="telegram", workspace="tg", chat_id="1")
    await first.says(f"join {code}")
    for line in ("join nonsense", f"join {code}", f"join {WRONG}", "join x", f"join {code}"):
        await eve.says(line)
        assert eve.reply.tone == Tone.ERROR and "wait" not in (eve.reply.title or "")
    await eve.says(f"join {WRONG}")
    assert "wait 15 minutes" in (eve.reply.title or "")


async def test_five_wrong_codes_spread_over_more_than_15_minutes_lock_nothing(
    eve: Person, clock: FakeClock, code: str
) -> None:
    await guesses(eve, clock, 5, every=4 * MIN)  # at 0, 4, 8, 12, 16 minutes
    await eve.says(f"join {code}")
    assert eve.reply.tone == Tone.OK, eve.reply.title


async def test_other_accounts_are_not_locked_out(
    eve: Person, clock: FakeClock, code: str, chat: Chat
) -> None:
    await guesses(eve, clock, 5, every=MIN)
    slack_eve = chat.person("666", "Eve", platform="slack", workspace="T1", chat_id="D1")
    await slack_eve.says(f"join {code}")  # the same user id on another platform: another account
    assert slack_eve.reply.tone == Tone.OK, slack_eve.reply.title


async def test_the_lockout_holds_on_another_replica(
    eve: Person, clock: FakeClock, code: str, database_url: str
) -> None:
    await guesses(eve, clock, 5, every=MIN)
    engine = make_engine(database_url)  # another process: its own engine, the same database
    try:
        replica = Chat(Dispatcher(db.create_session_factory(engine), REGISTRY, clock=clock))
        again = replica.person("666", "Eve", platform="telegram", workspace="tg", chat_id="666")
        await again.says(f"join {code}")
        assert "wait 14 minutes" in (again.reply.title or "")
    finally:
        await engine.dispose()


async def test_only_the_first_refusal_of_a_lockout_is_audited(
    eve: Person, clock: FakeClock, code: str, sessions: Sessions
) -> None:
    await guesses(eve, clock, 5, every=MIN)
    for _ in range(20):
        await eve.says(f"join {code}")
        assert "wait" in (eve.reply.title or "")
    assert await events(sessions, access.CODE_FAILED) == 5
    assert await events(sessions, access.CODE_THROTTLED) == 1
    clock.set(START + 20 * MIN)  # lockout over: new failures, a new lockout, audited again
    await guesses(eve, clock, 5, every=timedelta(seconds=1))
    await eve.says(f"join {code}")
    assert "wait" in (eve.reply.title or "")
    assert await events(sessions, access.CODE_THROTTLED) == 2


async def test_a_member_sending_codes_is_not_counted(
    admin: Person, clock: FakeClock, sessions: Sessions
) -> None:
    for _ in range(6):
        await admin.says(f"join {WRONG}")
        assert "already joined" in (admin.reply.title or "")
    assert await events(sessions, access.CODE_FAILED) == 0
