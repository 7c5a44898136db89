"""Concurrent writers on one operation: no deadlock, no serialization failure is ever shown.

Runs on SQLite and on PostgreSQL (JOINTOPS_TEST_DATABASE_URL). On PostgreSQL the commands of
the burst run in parallel transactions that lock the operation, its tasks and the audit head.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import event, func, select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine

from bot import dispatcher as dispatching
from bot.reply import Tone
from operations.audit import service as audit
from operations.audit.models import AuditEvent
from operations.delivery.models import Delivery
from operations.enums import ReleaseState
from operations.release.models import ReleaseRequest
from operations.status.models import StatusUpdate
from operations.task.models import Task
from tests.bot.conftest import World
from tests.bot.helpers import audit_actions
from tests.conftest import Person

WRITERS = 6  # identities, half of each agency of PANGEA-18
DONE = 14  # tasks added beforehand, each closed once in the burst
ADDED = 14
STATUSES = 12


async def _writers(world: World) -> list[Person]:
    people = []
    for n in range(WRITERS):
        agency = "FR-OCLCTIC" if n % 2 == 0 else "ES-UCO"
        person = world.on_telegram(f"writer-{n}", f"Writer {n}")
        out = await person.joins_with_invite_from(world.admin, agency, "coordinator")
        assert person.reply.tone == Tone.OK, out
        people.append(person)
    admin = await world.admin_on_telegram()
    for chat_id, agency in (("-100", "FR-OCLCTIC"), ("-200", "ES-UCO")):
        admin.chat_id, admin.private_chat = chat_id, False
        out = await admin.says(f"link {agency}")
        assert admin.reply.tone == Tone.OK, out
    return people


@pytest.mark.parametrize("attempts", [dispatching.ATTEMPTS, 1], ids=["retried", "lock-order-alone"])
async def test_a_burst_of_writers_on_one_operation_all_get_normal_replies(
    world: World, attempts: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Adds (which lock the operation), closes (a task) and status posts (which refer to the
    operation), all audited. With one attempt only, the lock order alone must keep them apart;
    on main 14-18 of 40 failed with "deadlock detected" on PostgreSQL."""
    monkeypatch.setattr(dispatching, "ATTEMPTS", attempts)
    writers = await _writers(world)
    fr = writers[0]
    for n in range(DONE):
        out = await fr.says(f'task add PANGEA-18 "Prepared {n}" --to ES-UCO')
        assert fr.reply.tone == Tone.OK, out
    # tasks #1 and #2 come from the world; the prepared ones are #3..#DONE+2
    lines = [f"task done PANGEA-18#{n + 3}" for n in range(DONE)]
    lines += [f'task add PANGEA-18 "Burst {n}" --to ES-UCO' for n in range(ADDED)]
    lines += [f'status PANGEA-18 "Phase {n}"' for n in range(STATUSES)]
    random.Random(12).shuffle(lines)

    async def one(n: int, line: str) -> tuple[str, Tone, str]:
        person = writers[n % WRITERS].chat.person(
            writers[n % WRITERS].user_id,
            writers[n % WRITERS].name,
            platform="telegram",
            workspace="tg",
            chat_id=f"dm-{writers[n % WRITERS].user_id}",
        )
        out = await person.says(line)
        return line, person.reply.tone, out

    results = await asyncio.gather(*(one(n, line) for n, line in enumerate(lines)))
    failed = [(line, out) for line, tone, out in results if tone == Tone.ERROR]
    assert failed == [], f"{len(failed)} of {len(lines)} failed: {failed[:3]}"

    async with world.chat.dispatcher.sessions() as session:
        numbers = list(
            await session.scalars(
                select(Task.number).where(Task.title.like("Burst %")).order_by(Task.number)
            )
        )
        statuses = await session.scalar(select(func.count()).select_from(StatusUpdate))
        events = await session.scalar(select(func.count()).select_from(AuditEvent))
        verification = await audit.verify(session)
    assert len(numbers) == ADDED and len(set(numbers)) == ADDED  # numbered once each
    assert statuses == STATUSES
    assert events and verification.ok, verification


APPROVERS = 3  # coordinators of the lead agency
APPROVALS = 5  # release approve R-1 sent by each of them at once


async def test_many_approvals_at_once_run_a_held_command_once(world: World) -> None:
    """Every eligible approver presses Approve several times at once, each press its own
    transaction: the held status runs once, is approved once, the others are told it already
    was; nobody sees an internal error."""
    admin = world.admin
    assert (await admin.says("op four-eyes PANGEA-18 on")).startswith("Four eyes are on")
    asker = await world.member("coordinator", "ES-UCO", reads="en")
    approvers = []
    for n in range(APPROVERS):
        person = world.on_telegram(f"approver-{n}", f"Approver {n}")
        out = await person.joins_with_invite_from(admin, "FR-OCLCTIC", "coordinator")
        assert person.reply.tone == Tone.OK, out
        await person.says("me lang en")
        approvers.append(person)
    out = await asker.says('status PANGEA-18 "Phase 2"')
    assert "Held for release as R-1" in out, out
    async with world.chat.dispatcher.sessions() as session:
        before = await session.scalar(select(func.count()).select_from(StatusUpdate))
        mark = await session.scalar(select(func.count()).select_from(AuditEvent))

    async def approve(approver: Person) -> tuple[Tone, str]:
        person = approver.chat.person(
            approver.user_id,
            approver.name,
            platform="telegram",
            workspace="tg",
            chat_id=f"dm-{approver.user_id}",
        )
        out = await person.says("release approve R-1")
        return person.reply.tone, out

    presses = [approver for approver in approvers for _ in range(APPROVALS)]
    results = await asyncio.gather(*(approve(approver) for approver in presses))
    ran = [out for tone, out in results if tone == Tone.OK]
    assert len(ran) == 1 and "R-1 approved and run" in ran[0], results
    others = [out for tone, out in results if tone != Tone.OK]
    assert len(others) == len(presses) - 1
    for out in others:
        assert out.startswith("Error: R-1 has already been approved."), out
    async with world.chat.dispatcher.sessions() as session:
        after = await session.scalar(select(func.count()).select_from(StatusUpdate))
        held = await session.get(ReleaseRequest, 1)
        verification = await audit.verify(session)
    assert after == (before or 0) + 1  # the held status posted once
    assert held is not None and held.state == ReleaseState.APPROVED
    actions = await audit_actions(world.chat.dispatcher.sessions, after=mark or 0)
    assert actions.count("release.approve") == 1 and actions.count("status.post") == 1
    assert verification.ok, verification


class Refused(Exception):
    """What the driver raises for a transaction the database refused (its SQLSTATE)."""

    def __init__(self, sqlstate: str) -> None:
        super().__init__(f"refused with {sqlstate}")
        self.sqlstate = sqlstate


@pytest.fixture
def refuse_once(engine: AsyncEngine) -> Iterator[dict[str, Any]]:
    """The database refuses the first statement containing `state["on"]` with `state["code"]`
    (a mock of its answer, through the engine's events: our code runs unchanged)."""
    state: dict[str, Any] = {"on": None, "code": "40P01", "refused": 0}

    def before(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if state["on"] and state["on"] in statement and not state["refused"]:
            state["refused"] += 1
            raise DBAPIError(statement, None, Refused(state["code"]))

    event.listen(engine.sync_engine, "before_cursor_execute", before)
    yield state
    event.remove(engine.sync_engine, "before_cursor_execute", before)


@pytest.mark.parametrize("code", ["40P01", "40001"])
@pytest.mark.parametrize("on", ["FROM audit_head", "INSERT INTO delivery"])
async def test_a_transient_refusal_runs_the_command_again_and_the_reply_is_normal(
    world: World, refuse_once: dict[str, Any], on: str, code: str
) -> None:
    admin = await world.admin_on_telegram()
    admin.chat_id, admin.private_chat = "-100", False
    assert "Error" not in await admin.says("link FR-OCLCTIC")
    admin.chat_id, admin.private_chat = "dm-admin-tg", True
    refuse_once.update(on=on, code=code)
    retries = world.chat.dispatcher.retries

    out = await admin.says('status PANGEA-18 "Phase 2"')

    assert admin.reply.tone != Tone.ERROR, out
    assert refuse_once["refused"] == 1
    assert world.chat.dispatcher.retries == retries + 1
    async with world.chat.dispatcher.sessions() as session:
        statuses = await session.scalar(select(func.count()).select_from(StatusUpdate))
        deliveries = list(await session.scalars(select(Delivery.kind)))
        assert (await audit.verify(session)).ok
    assert statuses == 1
    assert deliveries == ["status"]  # the failed attempt's event was not published again


async def test_a_refusal_that_is_not_transient_is_not_retried(
    world: World, refuse_once: dict[str, Any]
) -> None:
    refuse_once.update(on="FROM audit_head", code="23505")
    retries = world.chat.dispatcher.retries
    out = await world.admin.says('status PANGEA-18 "Phase 2"')
    assert "Something went wrong" in out
    assert world.chat.dispatcher.retries == retries
