"""Four eyes: op four-eyes, held actions as release requests, release list/approve/reject,
expiry, and what each person is told."""

from __future__ import annotations

import json
from datetime import timedelta

from sqlalchemy import func, select

from bot.dispatcher import Defaults
from bot.reminders import ReminderSweeper
from bot.reply import Reply, from_json
from operations.audit.models import AuditEvent
from operations.delivery.models import Delivery
from operations.enums import ReleaseState
from operations.release.models import ReleaseRequest
from operations.status.models import StatusUpdate
from tests.bot.conftest import World
from tests.bot.helpers import audit_actions, ok, refused
from tests.conftest import Person


async def _four_eyes(world: World) -> tuple[Person, Person]:
    """Four eyes on PANGEA-18; the ES-UCO coordinator (participant: may post status) and a
    coordinator of the lead FR-OCLCTIC (may approve), both reading English."""
    await ok(world.admin, "op four-eyes PANGEA-18 on", "Four eyes are on for PANGEA-18.")
    asker = await world.member("coordinator", "ES-UCO", reads="en")
    approver = await world.member("coordinator", "FR-OCLCTIC", reads="en")
    return asker, approver


async def _private(world: World, person: Person) -> list[Reply]:
    """The release messages queued to a person's private chat (their Telegram user id)."""
    async with world.chat.dispatcher.sessions() as s:
        rows = await s.scalars(
            select(Delivery)
            .where(Delivery.kind == "release", Delivery.chat_id == person.user_id)
            .order_by(Delivery.id)
        )
        return [from_json(row.payload) for row in rows]


async def _count(world: World, model: type) -> int:
    async with world.chat.dispatcher.sessions() as s:
        return int(await s.scalar(select(func.count()).select_from(model)) or 0)


async def _request(world: World, number: int = 1) -> ReleaseRequest:
    async with world.chat.dispatcher.sessions() as s:
        found = await s.get(ReleaseRequest, number)
        assert found is not None
        return found


async def test_a_status_is_held_until_another_coordinator_approves(world: World) -> None:
    asker, approver = await _four_eyes(world)
    before = await _count(world, StatusUpdate)
    mark = len(await audit_actions(world.chat.dispatcher.sessions, after=0))
    held = await ok(asker, 'status PANGEA-18 "Phase 2 started"', "Held for release as R-1")
    assert "release approve R-1" in "\n".join(held.lines)
    assert await _count(world, StatusUpdate) == before  # nothing posted, nothing broadcast
    assert (await _request(world)).state == ReleaseState.PENDING
    [ask] = await _private(world, approver)  # the lead's coordinator, in private
    assert "R-1" in ask.title and "Phase 2 started" in "\n".join(ask.lines)
    assert [b.command for b in ask.buttons] == ["release approve R-1", "release reject R-1"]
    assert await _private(world, asker) == []  # the requester is not asked to approve

    done = await ok(approver, ask.buttons[0].command, "R-1 approved and run")
    assert done.tone.value == "ok"
    assert await _count(world, StatusUpdate) == before + 1
    assert (await _request(world)).state == ReleaseState.APPROVED
    [told] = await _private(world, asker)
    assert "approved by Coordinator of FR-OCLCTIC" in told.lines[0]
    assert told.title == "Status update posted on PANGEA-18."
    actions = await audit_actions(world.chat.dispatcher.sessions, after=mark)
    assert actions[0] == "release.request"
    assert actions.index("status.post") < actions.index("release.approve")  # ran, then audited
    async with world.chat.dispatcher.sessions() as s:
        asked = await s.scalar(select(AuditEvent).where(AuditEvent.action == "release.request"))
    assert (
        asked is not None and json.loads(asked.details)["operation"] == "PANGEA-18"
    )  # read by its code


async def test_the_requester_may_not_approve_on_any_account(world: World) -> None:
    await ok(world.admin, "op four-eyes PANGEA-18 on")
    await ok(world.admin, 'status PANGEA-18 "Phase 2"', "Held for release as R-1")
    await refused(world.admin, "release approve R-1", "yourself", "R-1")
    other_account = await world.admin_on_telegram()  # the same person, on Telegram
    await refused(other_account, "release approve R-1", "yourself")
    assert (await _request(world)).state == ReleaseState.PENDING


async def test_who_may_not_decide(world: World) -> None:
    asker, _approver = await _four_eyes(world)
    await ok(asker, 'status PANGEA-18 "Phase 2"', "R-1")
    liaison = await world.member("liaison", "FR-OCLCTIC", reads="en")
    await refused(liaison, "release approve R-1", "Only", command="release approve")
    outsider = await world.member("coordinator", "US-FDA", reads="en")  # not in PANGEA-18
    await refused(outsider, "release approve R-1", "No release request R-1.")
    peer = await world.member("coordinator", "AE-DXB", reads="en")
    await ok(world.admin, "op join PANGEA-18 AE-DXB")  # held too: four eyes are on
    await refused(peer, "release approve R-1", "No release request R-1.")
    await refused(asker, "release approve R-99", "No release request R-99.")
    await refused(asker, "release approve twelve", "twelve", command="release approve")
    assert (await _request(world)).state == ReleaseState.PENDING


async def test_only_who_may_know_a_request_learns_it_exists(world: World) -> None:
    """Need to know: a liaison or another coordinator of a participating agency learns nothing
    of R-1 (list, approve and reject answer as for R-99); a supervisor, who reads everything,
    lists it but may not decide it."""
    asker, _approver = await _four_eyes(world)
    await ok(asker, 'status PANGEA-18 "Phase 2"', "R-1")
    liaison = await world.member("liaison", "ES-UCO", reads="en")
    peer = world.on_telegram("coordinator-2-es-uco", "Second coordinator of ES-UCO")
    await peer.joins_with_invite_from(world.admin, "ES-UCO", "coordinator")
    await ok(peer, "me lang en")
    for person in (liaison, peer):
        await ok(person, "release list", "Nothing is waiting")
        for verb in ("approve", "reject"):
            unknown = await person.says(f"release {verb} R-99")
            assert await person.says(f"release {verb} R-1") == unknown.replace("R-99", "R-1")
    await refused(peer, "release approve R-1", "No release request R-1.")
    supervisor = await world.member("supervisor", "US-FDA", reads="en")
    await ok(supervisor, "release list", "R-1")
    await refused(supervisor, "release approve R-1", "Only", command="release approve")
    assert (await _request(world)).state == ReleaseState.PENDING


async def test_decided_twice_or_expired_is_refused(world: World) -> None:
    asker, approver = await _four_eyes(world)
    await ok(asker, 'status PANGEA-18 "One"')
    await ok(approver, "release approve R-1")
    await refused(world.admin, "release approve R-1", "already been approved")
    await ok(asker, 'status PANGEA-18 "Two"', "R-2")
    await ok(approver, 'release reject R-2 "Wait for the press office"', "R-2 rejected")
    await refused(world.admin, "release approve R-2", "already been rejected")
    told = await _private(world, asker)
    assert "rejected by Coordinator of FR-OCLCTIC" in told[-1].title
    assert "Wait for the press office" in told[-1].lines
    await ok(asker, 'status PANGEA-18 "Three"', "R-3")
    world.clock.advance(timedelta(hours=24, minutes=1))
    await refused(approver, "release approve R-3", "R-3 has expired")


async def test_requests_expire_after_a_day_and_the_requester_is_told(world: World) -> None:
    asker, approver = await _four_eyes(world)
    await ok(asker, 'status PANGEA-18 "Phase 2"', "R-1")
    sweeper = ReminderSweeper(world.chat.dispatcher.sessions, world.clock)
    world.clock.advance(timedelta(hours=23))
    await sweeper.sweep()
    assert (await _request(world)).state == ReleaseState.PENDING
    world.clock.advance(timedelta(hours=2))
    await sweeper.sweep()
    assert (await _request(world)).state == ReleaseState.EXPIRED
    [told] = await _private(world, asker)
    assert "expired" in told.title
    await sweeper.sweep()  # told once
    assert len(await _private(world, asker)) == 1
    await refused(approver, "release approve R-1", "R-1 has expired")
    actions = await audit_actions(world.chat.dispatcher.sessions, after=0)
    assert actions.count("release.expire") == 1


async def test_what_would_be_refused_now_is_refused_not_held(world: World) -> None:
    asker, _approver = await _four_eyes(world)
    before = await _count(world, ReleaseRequest)
    # open tasks: op close answers with them at once, nothing is held
    closing = await world.member("coordinator", "FR-OCLCTIC", reads="en")
    text = await closing.says("op close PANGEA-18")
    assert "open task" in text and "Held" not in text
    liaison = await world.member("liaison", "ES-UCO", reads="en")
    await refused(liaison, 'status PANGEA-18 "x"', "Only", command="status")
    await refused(asker, "op remove PANGEA-18 ES-UCO", "Only")  # not the lead
    assert await _count(world, ReleaseRequest) == before


async def test_an_approved_request_that_can_no_longer_run_fails_and_says_why(
    world: World,
) -> None:
    asker, approver = await _four_eyes(world)
    await ok(asker, 'status PANGEA-18 "Phase 2"', "R-1")
    await ok(world.admin, "op suspend PANGEA-18")
    await ok(world.admin, "op close PANGEA-18 --force", "R-2")  # held as well
    await ok(approver, "release approve R-2")
    before = await _count(world, StatusUpdate)
    reply = await approver.says("release approve R-1")
    assert "could not run" in reply and "closed" in reply
    assert await _count(world, StatusUpdate) == before
    assert (await _request(world, 1)).state == ReleaseState.FAILED
    told = await _private(world, asker)
    assert "could not run" in told[-1].title
    actions = await audit_actions(world.chat.dispatcher.sessions, after=0)
    assert actions[-1] == "release.fail" and "release.approve" in actions  # R-2, then R-1


async def test_four_eyes_off_is_held_too_and_on_is_not(world: World) -> None:
    _asker, approver = await _four_eyes(world)
    await refused(world.admin, "op four-eyes PANGEA-18 on", "already on")
    await ok(world.admin, "op four-eyes PANGEA-18 off", "Held for release as R-1")
    await ok(approver, "release approve R-1")
    await ok(world.admin, 'status PANGEA-18 "Posted at once"', "Status update posted")


async def test_release_list_shows_each_person_what_concerns_them(world: World) -> None:
    asker, approver = await _four_eyes(world)
    await ok(asker, 'status PANGEA-18 "Phase 2"')
    mine = await ok(asker, "release list", "1 request waits for release", "R-1")
    assert mine.items[0].buttons == []  # nobody approves their own
    theirs = await ok(approver, "release list", "R-1")
    assert [b.command for b in theirs.items[0].buttons] == [
        "release approve R-1",
        "release reject R-1",
    ]
    outsider = await world.member("coordinator", "US-FDA", reads="en")
    await ok(outsider, "release list", "Nothing is waiting")
    await ok(world.admin, "release list", "R-1")


async def test_op_new_with_four_eyes_and_op_show_say_so(world: World) -> None:
    await ok(world.admin, 'op new BRIDGE-1 "Bridge" --lead FR-OCLCTIC --four-eyes', "Four eyes: on")
    await ok(world.admin, "op show BRIDGE-1", "Four eyes: on")
    await ok(world.admin, "op show PANGEA-18", "Four eyes: off")
    await ok(world.admin, "op join BRIDGE-1 ES-UCO", "Held for release as R-1")


async def test_a_held_export_reaches_its_requester_alone_once_approved(world: World) -> None:
    asker, approver = await _four_eyes(world)
    held = await ok(asker, "export PANGEA-18 --format csv", "Held for release as R-1")
    assert held.attachment is None  # nothing of the document before the approval
    await ok(approver, "release approve R-1")
    [told] = await _private(world, asker)
    assert told.attachment is not None and told.attachment.filename.endswith(".csv")
    assert b"Raid warehouse 4" in told.attachment.data
    assert "approved by Coordinator of FR-OCLCTIC" in told.lines[0]
    assert all(reply.attachment is None for reply in await _private(world, approver))


async def test_a_requester_with_no_language_of_their_own_is_told_in_the_configured_one(
    world: World,
) -> None:
    """An admin (no agency, no `me lang`) reads the outcome of their request in the bot's
    configured language (JOINTOPS_LANGUAGE), on approval and on expiry alike."""
    await ok(world.admin, "op four-eyes PANGEA-18 on")
    on_telegram = await world.admin_on_telegram()  # where the admin is told in private
    approver = await world.member("coordinator", "FR-OCLCTIC", reads="en")
    world.chat.dispatcher.defaults = Defaults(timezone="America/Bogota", language="es")
    await ok(world.admin, 'status PANGEA-18 "Phase 2"', "R-1")
    await ok(approver, "release approve R-1", "R-1 approved")
    [approved] = await _private(world, on_telegram)
    assert "Su solicitud R-1 fue aprobada por" in approved.lines[0]
    await ok(world.admin, 'status PANGEA-18 "Phase 3"', "R-2")
    sweeper = ReminderSweeper(
        world.chat.dispatcher.sessions,
        world.clock,
        default_timezone="America/Bogota",
        default_language="es",
    )
    world.clock.advance(timedelta(hours=25))
    await sweeper.sweep()
    expired = (await _private(world, on_telegram))[-1]
    assert expired.title.startswith("Su solicitud R-2 en PANGEA-18 ha caducado"), expired.title
