"""Leaving, end to end in Slack (Socket Mode): `unlink` stops a channel's deliveries, queued ones
included; `member remove` ends a person's account at once (their next command is a stranger's)."""

from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from adapters.sandbox.fakes.slack import FakeSlack
from adapters.slack.adapter import SlackAdapter
from operations.delivery.models import Delivery
from tests.adapters.slack.conftest import SlackUser, invite_code, visible
from tests.conftest import Person

STRANGER = "You are not a member of jointops yet."


async def _states(sessions: async_sessionmaker[AsyncSession]) -> list[tuple[str, str]]:
    async with sessions() as s:
        return [(c, st) for c, st in await s.execute(select(Delivery.chat_id, Delivery.state))]


async def _setup(admin: Person, slack: FakeSlack) -> tuple[SlackUser, SlackUser]:
    """AR-PFA takes part in an active PANGEA-18; Anna (admin) and Lucía (liaison) joined."""
    await admin.says('agency add IP-GS "INTERPOL" --country FR --tz Europe/Paris')
    await admin.says('agency add AR-PFA "PFA" --country AR --tz America/Argentina/Buenos_Aires')
    await admin.says('op new PANGEA-18 "Pharmacies" --lead AR-PFA')
    await admin.says("op start PANGEA-18")
    anna, lucia = SlackUser(slack, "U1"), SlackUser(slack, "U3")
    await anna.says("D1", f"join {invite_code(await admin.says('invite IP-GS --role admin'))}")
    code = invite_code(await admin.says("invite AR-PFA --role liaison"))
    joined = await lucia.says("D3", f"join {code}")
    assert "You joined AR-PFA" in visible(joined)
    return anna, lucia


async def test_unlink_stops_the_channels_deliveries_queued_ones_included(
    socket_mode: SlackAdapter,
    slack: FakeSlack,
    admin: Person,
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    _, lucia = await _setup(admin, slack)
    await lucia.says("C2", "link AR-PFA")
    await admin.says('status PANGEA-18 "Phase 1"')  # queued for the channel, not yet sent
    assert await _states(sessions) == [("C2", "pending")]

    unlinked = await lucia.says("C2", "unlink")
    assert unlinked.response_type == "in_channel"
    assert "This chat no longer receives the updates of AR-PFA." in visible(unlinked)
    assert "1 queued message will not be sent." in visible(unlinked)
    assert await _states(sessions) == [("C2", "cancelled")]

    await admin.says('status PANGEA-18 "Phase 2"')
    assert await _states(sessions) == [("C2", "cancelled")]  # nothing new for it
    again = await lucia.says("C2", "unlink")
    assert again.response_type == "ephemeral"
    assert "This chat is not linked to any agency." in visible(again)


async def test_a_removed_member_is_answered_as_a_stranger(
    socket_mode: SlackAdapter, slack: FakeSlack, admin: Person
) -> None:
    anna, lucia = await _setup(admin, slack)
    assert "AR-PFA" in visible(await lucia.says("D3", "whoami"))

    listing = await anna.says("C1", "member list AR-PFA")
    assert listing.response_type == "ephemeral"  # who is in is need-to-know
    match = re.search(r"(m[0-9]+) — Lucía Liaison, liaison of AR-PFA", visible(listing))
    assert match, visible(listing)
    removed = await anna.says("C1", f"member remove {match[1]}")
    assert removed.response_type == "ephemeral"
    assert "Their account no longer works (slack)." in visible(removed)

    for text in ("whoami", "task list PANGEA-18", "member list"):
        refused = await lucia.says("C2", text)
        assert refused.response_type == "ephemeral"
        assert STRANGER in visible(refused), text
    helped = await lucia.says("D3", "help")
    assert "join CODE" in visible(helped)
    assert "task add" not in visible(helped)
