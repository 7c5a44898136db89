"""Fan-out: who hears what, rendered for each chat's agency, filtered by TLP."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot import notify
from bot.context import Reader
from bot.reply import Reply, Tone, UserText, from_json
from operations.acting import Hand, Stance
from operations.agency.models import Agency
from operations.channel.service import Destination
from operations.delivery.models import Delivery
from tests.conftest import Chat, Person

BIDI_CONTROLS = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


async def ok(person: Person, line: str) -> str:
    out = await person.says(line)
    assert person.reply.tone != Tone.ERROR, out
    return out


async def sent(sessions: async_sessionmaker[AsyncSession]) -> list[Delivery]:
    async with sessions() as s:
        return list(await s.scalars(select(Delivery).order_by(Delivery.id)))


@pytest.fixture
async def tina(chat: Chat, admin: Person) -> Person:
    """OP-1: FR leads, AR takes part, SG observes; each agency has a Telegram group."""
    for line in (
        'agency add FR "France" --country FR --tz Europe/Paris --lang fr',
        'agency add AR "Argentina" --country AR --tz America/Argentina/Buenos_Aires --lang es',
        'agency add SG "Singapore" --country SG --tz Asia/Singapore',
        'op new OP-1 "Operation" --lead FR',
        "op join OP-1 AR",
        "op join OP-1 SG --role observer",
    ):
        await ok(admin, line)
    tina = chat.person("tina", "Tina", platform="telegram", workspace="telegram", chat_id="100")
    await tina.joins_with_invite_from(admin, "FR", "admin")
    for chat_id, agency in (("-1", "FR"), ("-2", "AR"), ("-3", "SG")):
        tina.chat_id = chat_id
        await ok(tina, f"link {agency}")
    tina.chat_id = "100"
    return tina


@pytest.mark.parametrize(
    ("tlp", "chats"),
    [("GREEN", {"-1", "-2", "-3"}), ("AMBER", {"-1", "-2", "-3"}), ("AMBER+STRICT", {"-1", "-2"})],
)
async def test_status_reaches_the_agencies_its_marking_allows(
    tina: Person, sessions: async_sessionmaker[AsyncSession], tlp: str, chats: set[str]
) -> None:
    out = await ok(tina, f'status OP-1 "Phase 2" --tlp {tlp}')  # Tina reads French
    assert f"Envoyé à {len(chats)} services, {len(chats)} discussions." in out
    rows = await sent(sessions)
    assert {r.chat_id for r in rows} == chats
    assert all(from_json(r.payload).tlp == tlp for r in rows)


async def test_the_broadcast_status_is_its_authors_words_quoted(
    tina: Person, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await ok(tina, 'status OP-1 "ok\n\n✅ Task OP-1#1: open → done."')
    for row in await sent(sessions):
        [text] = from_json(row.payload).lines
        assert isinstance(text, UserText) and text == "ok\n\n✅ Task OP-1#1: open → done."


async def test_red_is_never_broadcast(
    tina: Person, sessions: async_sessionmaker[AsyncSession]
) -> None:
    out = await ok(tina, 'status OP-1 "Source identity" --tlp RED')
    assert "Non transmis aux discussions de 3 services en raison du marquage." in out
    assert await sent(sessions) == []


async def test_each_chat_reads_its_agencys_time_and_the_origin_chat_is_skipped(
    tina: Person, sessions: async_sessionmaker[AsyncSession]
) -> None:
    tina.chat_id = "-2"  # typed in AR's group: that group already sees the answer
    out = await ok(tina, 'status OP-1 "Phase 2"')
    assert "Envoyé à 2 services, 2 discussions." in out
    rows = {r.chat_id: from_json(r.payload) for r in await sent(sessions)}
    assert set(rows) == {"-1", "-3"}
    assert rows["-1"].fields[1].value == "26 nov. 2026 11:00 CET"
    assert rows["-3"].fields[1].value == "26 Nov 2026, 18:00 +08"


async def test_an_arabic_agencys_chat_gets_a_right_to_left_message_with_its_values_isolated(
    tina: Person, admin: Person, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await ok(admin, 'agency add AE "Dubai Police" --country AE --tz Asia/Dubai --lang ar')
    await ok(admin, "op join OP-1 AE")
    tina.chat_id = "-4"
    await ok(tina, "link AE")
    tina.chat_id = "100"
    await ok(tina, 'status OP-1 "Phase 2"')
    rows = {r.chat_id: from_json(r.payload) for r in await sent(sessions)}
    arabic = rows.pop("-4")
    assert arabic.rtl is True
    assert arabic.title == "تحديث الوضع — \u2068OP-1\u2069"
    assert (
        arabic.fields[1].value == "26 نوفمبر 2026، 14:00 +04"
    )  # a field's value: isolated when shown
    assert [reply.rtl for reply in rows.values()] == [False, False, False]
    assert not any(BIDI_CONTROLS.search(line) for r in rows.values() for line in r.text_lines())


async def test_task_events_go_to_the_assignee_and_completion_also_to_the_lead(
    tina: Person, sessions: async_sessionmaker[AsyncSession]
) -> None:
    out = await ok(tina, 'task add OP-1 "Raid" --to AR')
    assert "Envoyé à 1 service, 1 discussion." in out
    await ok(tina, "task start OP-1#1")  # no noise for a start
    await ok(tina, "task done OP-1#1")
    await ok(tina, "task assign OP-1#1 FR")  # reassigning a done task is allowed: both hear
    kinds = [(r.kind, r.chat_id) for r in await sent(sessions)]
    assert kinds == [
        ("task.assigned", "-2"),
        ("task.done", "-2"),
        ("task.done", "-1"),
        ("task.reassigned", "-2"),
        ("task.reassigned", "-1"),
    ]


async def test_summary_withholds_updates_the_readers_marking_does_not_cover(
    chat: Chat, admin: Person, tina: Person
) -> None:
    await ok(tina, 'status OP-1 "Source identity" --tlp RED')
    await ok(tina, 'status OP-1 "Strict plan" --tlp AMBER+STRICT')
    await ok(tina, 'status OP-1 "Public line" --tlp GREEN')
    readers = {}
    for agency, role in (("FR", "liaison"), ("AR", "liaison"), ("SG", "observer")):
        person = chat.person(f"{agency}-reader", f"Reader {agency}")
        await person.joins_with_invite_from(admin, agency, role)
        await ok(person, "summary OP-1")
        readers[agency] = person.reply.sections[-1].lines
    assert [line for line in readers["FR"] if isinstance(line, UserText)] == [
        "Public line",
        "Strict plan",
        "Source identity",
    ]  # the lead agency reads everything
    assert readers["AR"][-1] == "1 informe de situación oculto por su marcado TLP."  # Spanish
    assert any("Strict plan" in line for line in readers["AR"])
    assert not any("Source identity" in line for line in readers["AR"])
    assert readers["SG"] == [
        "26 Nov 2026, 18:00 +08 Tina:",
        "Public line",
        "2 updates withheld by their TLP marking.",
    ]


def _pressable(row: Delivery) -> list[str]:
    return [b.command for b in from_json(row.payload).buttons]


async def test_a_chat_is_offered_only_buttons_its_agency_could_press(
    tina: Person, sessions: async_sessionmaker[AsyncSession]
) -> None:
    """OP-1's AR task handed to FR: AR's chat (no longer the assignee, a participant) hears of
    it without buttons; FR's chat (the lead and now the assignee) gets them."""
    await ok(tina, 'task add OP-1 "Raid" --to AR')
    [added] = await sent(sessions)
    assert (added.chat_id, _pressable(added)) == ("-2", ["task start OP-1#1", "task done OP-1#1"])
    await ok(tina, "task assign OP-1#1 FR")
    handed = {r.chat_id: _pressable(r) for r in (await sent(sessions))[1:]}
    assert handed == {"-1": ["task start OP-1#1", "task done OP-1#1"], "-2": []}


async def test_the_lead_agencys_chat_may_press_the_buttons_of_a_participants_task(
    tina: Person, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await ok(tina, 'task add OP-1 "Raid" --to AR')
    await ok(tina, "task done OP-1#1")
    done = {r.chat_id: _pressable(r) for r in (await sent(sessions))[1:]}
    assert done == {"-1": ["task reopen OP-1#1"], "-2": ["task reopen OP-1#1"]}


async def test_agencies_a_message_offers_the_same_buttons_share_one_render(
    admin: Person, sessions: async_sessionmaker[AsyncSession]
) -> None:
    """Five participants reading English in UTC: a message about A2's task is rendered once
    for A2 (its buttons may differ) and once for the four others, not five times; without
    `subjects` every agency is rendered on its own."""
    for n in range(1, 6):
        await ok(admin, f'agency add A{n} "Agency {n}" --country FR --tz UTC --lang en')
    async with sessions() as s:
        agencies = {a.code: a.id for a in await s.scalars(select(Agency))}
    destinations = [
        Destination("telegram", "telegram", f"-{n}", agencies[f"A{n}"], f"A{n}", "UTC", "en")
        for n in range(1, 6)
    ]
    stances = {d.agency_id: Stance.PARTICIPANT for d in destinations}
    hands: list[Hand] = []

    def build(reader: Reader) -> Reply:
        hands.append(reader.hand)
        return Reply(title="Task A2#1 added")

    for n, subjects in enumerate((frozenset({agencies["A2"]}), None)):
        hands.clear()
        async with sessions() as s, s.begin():
            fanout = await notify.send(
                s,
                destinations=destinations,
                build=build,
                kind="task.added",
                key=f"render-{n}",
                operation_id=None,
                now=datetime(2026, 12, 3, tzinfo=UTC),
                stances=stances,
                subjects=subjects,
            )
        assert fanout.chats == 5
        if subjects is not None:
            assert sorted(h.agency_id or 0 for h in hands) == [0, agencies["A2"]]
        else:
            assert len(hands) == 5
