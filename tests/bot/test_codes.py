"""The codes the console offers to complete: read from the database, as the account may see."""

from __future__ import annotations

from bot.codes import known_codes
from bot.runtime import LOCAL_ADMIN
from tests.bot.conftest import World


async def test_the_codes_come_from_the_database(world: World) -> None:
    platform, workspace, user = LOCAL_ADMIN
    codes = await known_codes(
        world.chat.dispatcher.sessions, platform=platform, workspace=workspace, user_id=user
    )
    assert codes.agencies == ("AE-DXB", "ES-UCO", "FR-OCLCTIC", "US-FDA")
    assert codes.operations == ("PANGEA-18", "SECRET-9")
    assert codes.tasks == ("PANGEA-18#1", "PANGEA-18#2", "SECRET-9#1")


async def test_a_member_is_offered_only_the_codes_they_may_see(world: World) -> None:
    liaison = await world.member("liaison", "ES-UCO")
    codes = await known_codes(
        world.chat.dispatcher.sessions,
        platform=liaison.platform,
        workspace=liaison.workspace,
        user_id=liaison.user_id,
    )
    assert codes.operations == ("PANGEA-18",)
    assert "SECRET-9#1" not in codes.tasks
