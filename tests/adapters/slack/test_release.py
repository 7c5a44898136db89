"""Four eyes end to end in Slack: the real slack-bolt app (Socket Mode) against the fake
Slack. A coordinator's status update is held; the lead agency's other coordinator approves it
by the button of the message sent to them in private; the requester could not."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from adapters.sandbox.fakes.slack import FakeSlack
from adapters.slack.adapter import SlackAdapter
from bot.clock import FakeClock
from bot.worker import DeliveryWorker
from tests.adapters.slack.conftest import SlackUser, buttons, invite_code, visible
from tests.conftest import Person


async def test_a_held_status_released_by_a_second_coordinators_button(
    socket_mode: SlackAdapter,
    slack: FakeSlack,
    admin: Person,
    sessions: async_sessionmaker[AsyncSession],
    clock: FakeClock,
) -> None:
    await admin.says('agency add FR-OCLCTIC "OCLCTIC" --country FR --tz Europe/Paris --lang en')
    await admin.says('agency add AR-PFA "PFA" --country AR --tz America/Argentina/Buenos_Aires')
    await admin.says('op new PANGEA-18 "Illicit pharmacies" --lead FR-OCLCTIC --four-eyes')
    await admin.says("op start PANGEA-18")
    carl, chloe, lucia = SlackUser(slack, "U2"), SlackUser(slack, "U3"), SlackUser(slack, "U4")
    for person, agency in ((carl, "FR-OCLCTIC"), (chloe, "FR-OCLCTIC"), (lucia, "AR-PFA")):
        code = invite_code(await admin.says(f"invite {agency} --role coordinator"))
        await person.says(person.dm, f"join {code}")
    assert "Held for release as R-1" in await admin.says("op join PANGEA-18 AR-PFA")
    await chloe.says(chloe.dm, "release approve R-1")
    await lucia.says("C2", "link AR-PFA")

    held = visible(await carl.says("C1", 'status PANGEA-18 "Phase 2 started"'))
    assert "Held for release as R-2" in held
    assert "yourself" in visible(await carl.says(carl.dm, "release approve R-2"))

    worker = DeliveryWorker(sessions, {"slack": socket_mode.sender}, clock)
    await worker.run_once()
    assert not [m for m in slack.messages("C2") if "Phase 2" in visible(m)]
    ask = slack.messages("U3")[-1]  # Chloé's private chat with the bot
    assert "R-2" in visible(ask) and "Phase 2 started" in visible(ask)
    assert list(buttons(ask)) == ["Approve", "Reject"]

    done = await chloe.presses(ask, "Approve")
    assert "R-2 approved" in visible(done)
    await worker.run_once()
    assert [m for m in slack.messages("C2") if "Phase 2 started" in visible(m)]
    assert "approved by" in visible(slack.messages("U2")[-1])  # Carl is told
    slack.assert_no_violations()
