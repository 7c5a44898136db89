"""Failed access attempts are audited (CJIS 5.4): a command refused for want of permission and
a code that did not redeem, each in a transaction of its own after the command's was rolled
back, with who tried from where, never what they typed."""

from __future__ import annotations

import logging
import re

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.reply import Tone
from operations.audit import access, service
from operations.audit.models import AuditEvent
from operations.errors import Invalid, NotFound, NotPermitted
from operations.models import Base
from tests.conftest import START, Chat, Person

Sessions = async_sessionmaker[AsyncSession]


async def chain(sessions: Sessions) -> list[AuditEvent]:
    async with sessions() as s:
        return list(await s.scalars(select(AuditEvent).order_by(AuditEvent.seq)))


async def everything_but_the_audit(sessions: Sessions) -> dict[str, list[tuple[object, ...]]]:
    async with sessions() as s:
        return {
            table.name: [tuple(row) for row in await s.execute(select(table))]
            for table in Base.metadata.sorted_tables
            if not table.name.startswith("audit_")
        }


@pytest.fixture
async def liaison(chat: Chat, admin: Person) -> Person:
    await admin.says('agency add FR-PN "Police nationale" --country FR --tz Europe/Paris')
    person = chat.person("lia", "Lia", platform="telegram", workspace="tg", chat_id="dm-lia")
    await person.joins_with_invite_from(admin, "FR-PN", "liaison")
    assert person.reply.tone == Tone.OK
    return person


async def test_a_refused_command_is_audited_and_nothing_else_is_written(
    liaison: Person, sessions: Sessions
) -> None:
    before, rows = await chain(sessions), await everything_but_the_audit(sessions)
    await liaison.says('agency add XX-SECRET "Covert unit" --country FR --tz UTC')
    assert liaison.reply.tone == Tone.ERROR and "Only" in (liaison.reply.title or "")
    assert await everything_but_the_audit(sessions) == rows
    [event] = (await chain(sessions))[len(before) :]
    assert (event.action, event.platform, event.actor) == (
        access.COMMAND_REFUSED,
        "telegram",
        "Lia (FR-PN)",
    )
    assert event.actor_id is not None and event.subject == f"member:{event.actor_id}"
    assert '"command": "agency add"' in event.details and '"user": "lia"' in event.details
    for typed in ("XX-SECRET", "Covert unit"):
        assert typed not in event.details  # never the text of what was refused
    async with sessions() as s:
        assert (await service.verify(s)).ok


async def test_a_refusal_by_the_acting_policy_names_the_operation(
    chat: Chat, liaison: Person, admin: Person, sessions: Sessions
) -> None:
    await admin.says('agency add US-X "US unit" --country US --tz UTC')
    await admin.says('op new OP-1 "Op" --lead FR-PN')
    await admin.says("op join OP-1 US-X")
    coord = chat.person("us", "Sam", platform="telegram", workspace="tg", chat_id="dm-us")
    await coord.joins_with_invite_from(admin, "US-X", "coordinator")
    await coord.says("op start OP-1")  # only the lead agency's coordinators may
    assert coord.reply.tone == Tone.ERROR
    last = (await chain(sessions))[-1]
    assert (last.action, last.actor) == (access.COMMAND_REFUSED, "Sam (US-X)")
    assert '"operation": "OP-1"' in last.details and '"command": "op start"' in last.details


async def test_other_refusals_are_not_access_attempts(liaison: Person, sessions: Sessions) -> None:
    before = len(await chain(sessions))
    for line in ("task list NOPE-1", "op show NOPE-1", "whoami now", "xyzzy"):
        await liaison.says(line)
        assert liaison.reply.tone == Tone.ERROR
    assert len(await chain(sessions)) == before


async def test_a_failed_code_is_audited_and_logged_without_the_code(
    chat: Chat, sessions: Sessions, caplog: pytest.LogCaptureFixture
) -> None:
    eve = chat.person("666", "Eve", platform="telegram", workspace="tg", chat_id="666")
    before = len(await chain(sessions))
    with caplog.at_level(logging.INFO):
        for code in ("QQQQ-RRRR-SSSS", "nonsense"):
            await eve.says(f"join {code}")
            assert eve.reply.tone == Tone.ERROR
    failed = (await chain(sessions))[before:]
    assert [e.action for e in failed] == [access.CODE_FAILED] * 2
    for event in failed:
        assert (event.actor, event.actor_id, event.platform) == (
            "telegram:tg:666",
            None,
            "telegram",
        )
        assert event.subject == "identity:telegram:tg:666"
        for column in (event.details, event.actor, event.subject):
            assert not re.search(r"QQQQ|RRRR|nonsense", column, re.IGNORECASE)
    assert ['"reason": "unknown"' in e.details for e in failed] == [True, False]
    assert '"reason": "format"' in failed[1].details
    logged = [r.getMessage() for r in caplog.records if access.CODE_FAILED in r.getMessage()]
    assert len(logged) == 2 and all("QQQQ" not in m and "nonsense" not in m for m in logged)


async def test_a_used_code_tried_again_is_a_failed_attempt(
    chat: Chat, admin: Person, sessions: Sessions
) -> None:
    await admin.says('agency add FR-PN "Police nationale" --country FR --tz Europe/Paris')
    invite = await admin.says("invite FR-PN --role liaison")
    code = re.search(r"join ([A-Z0-9-]+)", invite)
    assert code
    first = chat.person("1", "One", platform="telegram", workspace="tg", chat_id="1")
    await first.says(f"join {code[1]}")
    second = chat.person("2", "Two", platform="telegram", workspace="tg", chat_id="2")
    await second.says(f"join {code[1]}")
    assert "already been used" in (second.reply.title or "")
    last = (await chain(sessions))[-1]
    assert (last.action, last.subject) == (access.CODE_FAILED, "identity:telegram:tg:2")
    assert '"reason": "used"' in last.details


async def test_record_refusal_ignores_errors_that_are_not_access_attempts(
    session: AsyncSession, sessions: Sessions
) -> None:
    account = access.Account("telegram", "tg", "1")
    async with session.begin():
        for error in (NotFound("task", "X#1"), Invalid("due", "past")):
            assert not await access.record_refusal(
                session, error=error, account=account, actor=None, now=START
            )
        assert await access.record_refusal(
            session, error=NotPermitted("op close"), account=account, actor=None, now=START
        )
    [event] = await chain(sessions)
    assert event.subject == "identity:telegram:tg:1"  # a stranger is named by their account


def test_an_account_too_long_to_name_is_named_by_a_digest() -> None:
    long = access.Account("slack", "T" * 40, "U" * 40)
    assert len(long.subject) <= 64 and long.subject.startswith("identity:#")
    assert long.subject != access.Account("slack", "T" * 40, "V" * 40).subject
