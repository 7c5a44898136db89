"""status --ack, ack and acks: who got a status update, and who acknowledged it."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update

from bot.context import Reader
from bot.reminders import ReminderSweeper
from bot.reply import from_json
from operations.audit import verify as audit_verify
from operations.delivery.models import FAILED, SENT, Delivery
from operations.status.models import Ack
from tests.bot.conftest import World
from tests.bot.helpers import audit_actions, ok, refused
from tests.conftest import Person


async def _rooms(world: World) -> dict[str, Person]:
    """A linked group chat for FR-OCLCTIC (lead) and ES-UCO; AE-DXB observes PANGEA-18."""
    await ok(world.admin, "op join PANGEA-18 AE-DXB --role observer")
    rooms = {}
    for agency in ("FR-OCLCTIC", "ES-UCO", "AE-DXB"):
        liaison = await world.member("liaison", agency, reads="en")
        liaison.chat_id, liaison.private_chat = f"room-{agency}", False
        await ok(liaison, f"link {agency}")
        rooms[agency] = liaison
    return rooms


async def _status_deliveries(world: World) -> list[Delivery]:
    async with world.chat.dispatcher.sessions() as s:
        return list(
            await s.scalars(select(Delivery).where(Delivery.kind == "status").order_by(Delivery.id))
        )


def _reader(world: World) -> Reader:
    """How the local administrator (the console, English, the default zone) reads times."""
    return Reader(timezone="UTC", language="en", now=world.clock.now())


async def test_each_agencys_message_carries_an_acknowledge_button(world: World) -> None:
    await _rooms(world)
    reply = await ok(world.admin, 'status PANGEA-18 "Phase 2" --ack', "acks PANGEA-18 1")
    assert [b.command for b in reply.buttons] == ["summary PANGEA-18", "acks PANGEA-18 1"]
    sent = await _status_deliveries(world)
    assert len(sent) == 3  # FR, ES and the observer AE each get it, each with the button
    for row in sent:
        commands = [b.command for b in from_json(row.payload).buttons]
        assert commands == ["ack PANGEA-18 1", "summary PANGEA-18"], row.chat_id


async def test_an_update_without_ack_has_no_button_and_refuses_ack(world: World) -> None:
    rooms = await _rooms(world)
    await ok(world.admin, 'status PANGEA-18 "Phase 2"')
    for row in await _status_deliveries(world):
        assert [b.command for b in from_json(row.payload).buttons] == ["summary PANGEA-18"]
    await refused(rooms["ES-UCO"], "ack PANGEA-18 1", "PANGEA-18 #1", command="ack")
    acks = await ok(world.admin, "acks PANGEA-18", "It did not ask for acknowledgement.")
    assert [i.key for i in acks.items] == ["AE-DXB", "ES-UCO", "FR-OCLCTIC"]
    assert all("not delivered yet" in i.text for i in acks.items)


async def test_one_agency_acknowledges_by_its_button_and_acks_shows_both(world: World) -> None:
    rooms = await _rooms(world)
    await ok(world.admin, 'status PANGEA-18 "Phase 2" --ack')
    [fr_row] = [r for r in await _status_deliveries(world) if r.chat_id == "room-FR-OCLCTIC"]
    [button] = [b for b in from_json(fr_row.payload).buttons if b.command.startswith("ack ")]
    world.clock.advance(timedelta(minutes=5))
    pressed = world.clock.now()
    reply = await ok(rooms["FR-OCLCTIC"], button.command)  # the button sends the command
    assert reply.title == "Status update #1 on PANGEA-18 acknowledged for FR-OCLCTIC."
    async with world.chat.dispatcher.sessions() as s:  # FR's chat got it; ES's chat failed
        await s.execute(
            update(Delivery)
            .where(Delivery.chat_id == "room-FR-OCLCTIC", Delivery.kind == "status")
            .values(state=SENT, sent_at=world.clock.now())
        )
        await s.execute(
            update(Delivery)
            .where(Delivery.chat_id == "room-ES-UCO", Delivery.kind == "status")
            .values(state=FAILED, last_error="chat not found")
        )
        await s.commit()
    acks = await ok(world.admin, "acks PANGEA-18 1", "#1 acknowledged 1/3")
    r = _reader(world)
    lines = {item.key: item.text for item in acks.items}
    assert lines == {
        "FR-OCLCTIC": f"FR-OCLCTIC: delivered {r.when(world.clock.now())} · acknowledged by "
        f"Liaison of FR-OCLCTIC {r.when(pressed)}",
        "ES-UCO": "ES-UCO: delivery failed · not acknowledged",
        "AE-DXB": "AE-DXB: not delivered yet · not acknowledged",
    }
    summary = await ok(world.admin, "summary PANGEA-18")
    assert any(f.value == "#1 acknowledged 1/3" for f in summary.fields)
    async with world.chat.dispatcher.sessions() as s:
        acked = {a.agency_id: a.acknowledged_at for a in await s.scalars(select(Ack))}
    assert sorted(v is not None for v in acked.values()) == [False, False, True]
    async with world.chat.dispatcher.sessions() as s:  # audited: the chain vouches for each ack
        checked = await audit_verify.verify(s)
    assert checked.ok, checked
    actions = await audit_actions(world.chat.dispatcher.sessions, after=0)
    assert actions.count("status.ack") == 1


async def test_acknowledging_twice_or_for_an_agency_not_asked_is_refused(world: World) -> None:
    rooms = await _rooms(world)
    await ok(world.admin, 'status PANGEA-18 "Phase 2" --ack')
    await ok(rooms["ES-UCO"], "ack PANGEA-18 1")
    coordinator = await world.member("coordinator", "ES-UCO", reads="en")
    await refused(coordinator, "ack PANGEA-18 1", "already been acknowledged", command="ack")
    # US-FDA takes no part: PANGEA-18 does not exist for it
    outsider = await world.member("coordinator", "US-FDA", reads="en")
    await refused(outsider, "ack PANGEA-18 1", "PANGEA-18", command="ack")
    # an agency that joined after the update was not asked; acks stays unchanged
    await ok(world.admin, "op join PANGEA-18 US-FDA")
    await refused(outsider, "ack PANGEA-18 1", "US-FDA", command="ack")
    await refused(outsider, "ack PANGEA-18 9", "PANGEA-18 #9", command="ack")
    await refused(outsider, "ack PANGEA-18 first", "first", command="ack")
    await ok(world.admin, "acks PANGEA-18", "#1 acknowledged 1/3")


async def test_the_acks_of_an_update_follow_its_marking(world: World) -> None:
    rooms = await _rooms(world)
    await ok(world.admin, 'status PANGEA-18 "Names of targets" --tlp amber+strict --ack')
    await ok(rooms["ES-UCO"], "ack PANGEA-18 1")
    # the observer agency never got it, may not read it, and may not read who acknowledged it
    await refused(rooms["AE-DXB"], "ack PANGEA-18 1", "AE-DXB", command="ack")
    observed = await ok(rooms["AE-DXB"], "acks PANGEA-18 1", "1 update withheld")
    assert observed.items == [] and "ES-UCO" not in await rooms["AE-DXB"].says("acks PANGEA-18")
    await ok(rooms["ES-UCO"], "acks PANGEA-18 1", "Liaison of ES-UCO")
    await ok(world.admin, 'status PANGEA-18 "Red names" --tlp red --ack')
    fr_group = await rooms["FR-OCLCTIC"].says("acks PANGEA-18 2")
    assert "1 update withheld" in fr_group and "ES-UCO" not in fr_group
    assert "#2 acknowledged" not in await rooms["FR-OCLCTIC"].says("summary PANGEA-18")


async def _kinds(world: World, kind: str) -> list[Delivery]:
    async with world.chat.dispatcher.sessions() as s:
        return list(
            await s.scalars(select(Delivery).where(Delivery.kind == kind).order_by(Delivery.id))
        )


def _sweeper(world: World, chase: timedelta = timedelta(minutes=30)) -> ReminderSweeper:
    return ReminderSweeper(world.chat.dispatcher.sessions, world.clock, ack_chase=chase)


async def test_agencies_that_have_not_acknowledged_are_chased_once_then_the_lead_told(
    world: World,
) -> None:
    rooms = await _rooms(world)
    await ok(world.admin, 'status PANGEA-18 "Phase 2" --ack')
    await ok(rooms["FR-OCLCTIC"], "ack PANGEA-18 1")
    sweeper = _sweeper(world)
    world.clock.advance(timedelta(minutes=29))
    await sweeper.sweep()
    assert await _kinds(world, "ack.chase") == []
    world.clock.advance(timedelta(minutes=1))
    await sweeper.sweep()
    chased = await _kinds(world, "ack.chase")
    assert sorted(r.chat_id for r in chased) == ["room-AE-DXB", "room-ES-UCO"]
    es = from_json(next(r.payload for r in chased if r.chat_id == "room-ES-UCO"))
    assert [b.command for b in es.buttons] == ["ack PANGEA-18 1"]
    await ok(rooms["ES-UCO"], "ack PANGEA-18 1")
    world.clock.advance(timedelta(minutes=29))
    await sweeper.sweep()  # reminded once only; the lead not yet told
    assert len(await _kinds(world, "ack.chase")) == 2
    assert await _kinds(world, "ack.missing") == []
    world.clock.advance(timedelta(minutes=1))
    await sweeper.sweep()
    [told] = await _kinds(world, "ack.missing")
    assert told.chat_id == "room-FR-OCLCTIC"
    assert "AE-DXB" in " ".join(from_json(told.payload).lines)
    assert "ES-UCO" not in " ".join(from_json(told.payload).lines)
    world.clock.advance(timedelta(hours=5))
    await sweeper.sweep()
    assert len(await _kinds(world, "ack.chase")) == 2
    assert len(await _kinds(world, "ack.missing")) == 1


async def test_no_chase_in_a_suspended_operation(world: World) -> None:
    await _rooms(world)
    await ok(world.admin, 'status PANGEA-18 "Phase 2" --ack')
    await ok(world.admin, "op suspend PANGEA-18")
    world.clock.advance(timedelta(hours=2))
    await _sweeper(world).sweep()
    assert await _kinds(world, "ack.chase") == []
    assert await _kinds(world, "ack.missing") == []
    await ok(world.admin, "op resume PANGEA-18")
    await _sweeper(world).sweep()
    assert len(await _kinds(world, "ack.chase")) == 3
