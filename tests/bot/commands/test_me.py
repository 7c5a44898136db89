"""me lang and me tz: one's own language and timezone, over the agency's."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from operations.audit.models import AuditEvent
from operations.member.models import Member
from tests.bot.conftest import World
from tests.bot.helpers import ok, refused


@pytest.mark.parametrize(
    ("language", "confirmed", "agency_label"),
    [
        ("fr", "Désormais jointops vous répond en français.", "Service"),
        ("es", "A partir de ahora jointops le responde en español.", "Agencia"),
        ("ar", "من الآن فصاعدًا يجيبك jointops باللغة العربية.", "الجهة"),
        ("en", "From now on jointops answers you in English.", "Agency"),
    ],
)
async def test_me_lang_answers_in_the_chosen_language_from_then_on(
    world: World, language: str, confirmed: str, agency_label: str
) -> None:
    liaison = await world.member("liaison", "US-FDA")  # an English-reading agency
    reply = await ok(liaison, f"me lang {language.upper()}")
    assert reply.title == confirmed
    reply = await ok(liaison, "whoami")
    assert reply.fields[0].label == agency_label


async def test_ones_own_language_wins_over_the_agencys(world: World) -> None:
    liaison = await world.member("liaison", "ES-UCO")  # ES-UCO reads Spanish
    assert (await ok(liaison, "whoami")).fields[0].label == "Agencia"
    await ok(liaison, "me lang en", "From now on jointops answers you in English.")
    assert (await ok(liaison, "whoami")).fields[0].label == "Agency"
    async with world.chat.dispatcher.sessions() as s:
        member = await s.scalar(select(Member).where(Member.display_name == "Liaison of ES-UCO"))
        assert member is not None and member.language == "en"
        event = await s.scalar(select(AuditEvent).where(AuditEvent.action == "member.settings"))
        assert event is not None
        assert json.loads(event.details)["language"] == {"from": None, "to": "en"}


async def test_me_tz_shows_times_in_ones_own_zone(world: World) -> None:
    liaison = await world.member("liaison", "US-FDA")
    reply = await ok(liaison, "me tz asia/tokyo")
    assert reply.title == "Times are now shown to you in Asia/Tokyo: it is 26 Nov 2026, 19:00 JST."
    fields = {f.label: f.value for f in (await ok(liaison, "whoami")).fields}
    assert fields["Timezone"] == "Asia/Tokyo"


async def test_me_lang_and_tz_refuse_what_they_cannot_read(world: World) -> None:
    liaison = await world.member("liaison", "US-FDA")
    reply = await refused(liaison, "me lang de", "de", command="me lang")
    assert "en, fr, es, ar" in (reply.title or "")
    await refused(liaison, "me tz Mars/Olympus", "Mars/Olympus", "Europe/Paris")
    await refused(liaison, "me lang", command="me lang")


async def test_strangers_have_no_settings(world: World) -> None:
    await refused(world.stranger(), "me lang fr")
    await refused(world.stranger(), "me tz Europe/Paris")
