"""Private stays private in Slack channels: codes and personal details are ephemeral whatever
the entry point, and a code sent in a channel is void."""

from __future__ import annotations

import itertools

import pytest

from adapters.sandbox.fakes.slack import FakeSlack, MessageRecord
from adapters.slack.adapter import SlackAdapter, is_direct
from tests.adapters.slack.conftest import TEAM, SlackUser, invite_code, visible
from tests.conftest import Person

VOID = (
    ":warning: *That code was posted in a group chat, so it is now void; ask for a new one and"
    " send it to me in private.*"
)
_events = itertools.count(1)


async def _mentions(slack: FakeSlack, user: str, channel: str, text: str) -> MessageRecord:
    """`@jointops text` typed in a channel; returns the bot's answer there."""
    before = len(slack.messages(channel))
    n = next(_events)
    event = {
        "type": "app_mention",
        "user": user,
        "text": f"<@UBOT> {text}",
        "channel": channel,
        "ts": f"1700000000.{n:06d}",
        "team": TEAM,
    }
    await slack.send_event(event, event_id=f"EvPrivate{n}")
    return (await slack.wait_for_messages(before + 1, channel=channel))[before]


async def _member(slack: FakeSlack, admin: Person, user: str, role: str) -> SlackUser:
    await admin.says('agency add FR-OCLCTIC "OCLCTIC" --country FR --tz Europe/Paris')
    person = SlackUser(slack, user)
    code = invite_code(await admin.says(f"invite FR-OCLCTIC --role {role}"))
    await person.says(person.dm, f"join {code}")
    return person


def _in_channel_text(slack: FakeSlack, channel: str) -> str:
    return "\n".join(visible(m) for m in slack.messages(channel) if m.user is None)


async def test_connect_and_whoami_by_mention_in_a_channel_are_ephemeral(
    socket_mode: SlackAdapter, slack: FakeSlack, admin: Person
) -> None:
    await _member(slack, admin, "U1", "admin")
    linked = await _mentions(slack, "U1", "C1", "connect")
    assert (linked.kind, linked.user) == ("ephemeral", "U1")
    assert "join " in visible(linked)
    who = await _mentions(slack, "U1", "C1", "whoami")
    assert (who.kind, who.user) == ("ephemeral", "U1")
    assert "Anna Admin" in visible(who)
    assert _in_channel_text(slack, "C1") == ""


async def test_a_button_answered_in_private_is_ephemeral_in_a_channel(
    socket_mode: SlackAdapter, slack: FakeSlack, admin: Person
) -> None:
    carl = await _member(slack, admin, "U2", "coordinator")
    await admin.says('op new PANGEA-18 "Pharmacies" --lead FR-OCLCTIC')
    added = await carl.says("C1", 'task add PANGEA-18 "Raid" --to FR-OCLCTIC')
    assert added.response_type == "in_channel"
    pressed = await carl.presses_value(added, "connect")
    assert pressed.response_type == "ephemeral"
    assert "join " in visible(pressed)


@pytest.mark.parametrize("by", ["mention", "slash command"])
async def test_join_seen_in_a_channel_voids_the_code(
    socket_mode: SlackAdapter, slack: FakeSlack, admin: Person, by: str
) -> None:
    await admin.says('agency add FR-OCLCTIC "OCLCTIC" --country FR --tz Europe/Paris')
    code = invite_code(await admin.says("invite FR-OCLCTIC --role liaison"))
    lucia = SlackUser(slack, "U3")
    if by == "mention":
        voided = await _mentions(slack, "U3", "C2", f"join {code}")
        assert (voided.kind, voided.user) == ("ephemeral", "U3")
        assert visible(voided) == VOID
        again = await lucia.says(lucia.dm, f"join {code}")
        assert "has already been used" in visible(again)
    else:  # the channel never sees a slash command's text: the code stays good
        joined = await lucia.says("C2", f"join {code}")
        assert joined.response_type == "ephemeral"
        assert "Welcome" in visible(joined), visible(joined)


@pytest.mark.parametrize(
    ("channel", "name", "kind", "direct"),
    [
        ("D0123", None, None, True),  # a direct message's id
        ("C0123", "directmessage", None, True),  # slash commands and actions name it so
        ("C0123", None, "im", True),  # events give the channel type
        ("C0123", "hq", "channel", False),
        ("G0123", "privategroup", "group", False),
        ("C0123", "mpdm-anna--carl-1", "mpim", False),  # a group DM is read by several
    ],
)
def test_direct_messages_are_told_from_channels(
    channel: str, name: str | None, kind: str | None, direct: bool
) -> None:
    assert is_direct(channel, name=name, kind=kind) is direct
