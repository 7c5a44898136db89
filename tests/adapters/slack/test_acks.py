"""Acknowledgements end to end in Slack: the real slack-bolt app (Socket Mode) against the fake
Slack. A `status --ack` reaches three agencies' channels with an Acknowledge button; two
agencies acknowledge by it (one from another agency's channel: for its own agency only), the
lead agency does not, is chased, and is told it is still missing, at their times."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from adapters.sandbox.fakes.slack import FakeSlack
from adapters.slack.adapter import SlackAdapter
from bot.clock import FakeClock
from bot.reminders import ReminderSweeper
from bot.worker import DeliveryWorker
from tests.adapters.slack.conftest import SlackUser, buttons, invite_code, visible
from tests.conftest import Person

CHANNELS = {"FR-OCLCTIC": "C1", "AR-PFA": "C2", "US-FDA": "C3"}


async def test_a_status_acknowledged_by_button_chased_and_reported(
    socket_mode: SlackAdapter,
    slack: FakeSlack,
    admin: Person,
    sessions: async_sessionmaker[AsyncSession],
    clock: FakeClock,
) -> None:
    await admin.says('agency add FR-OCLCTIC "OCLCTIC" --country FR --tz Europe/Paris')
    await admin.says('agency add AR-PFA "PFA" --country AR --tz America/Argentina/Buenos_Aires')
    await admin.says('agency add US-FDA "FDA OCI" --country US --tz America/New_York')
    await admin.says('op new PANGEA-18 "Illicit pharmacies" --lead FR-OCLCTIC')
    await admin.says("op join PANGEA-18 AR-PFA")
    await admin.says("op join PANGEA-18 US-FDA --role observer")
    await admin.says("op start PANGEA-18")
    people = {}
    for user, agency, role in (
        ("U2", "FR-OCLCTIC", "coordinator"),
        ("U3", "AR-PFA", "liaison"),
        ("U4", "US-FDA", "coordinator"),
    ):
        person = SlackUser(slack, user)
        await person.says(
            person.dm, f"join {invite_code(await admin.says(f'invite {agency} --role {role}'))}"
        )
        await person.says(CHANNELS[agency], f"link {agency}")
        people[agency] = person
    carl, lucia, olga = people["FR-OCLCTIC"], people["AR-PFA"], people["US-FDA"]
    worker = DeliveryWorker(sessions, {"slack": socket_mode.sender}, clock)

    await admin.says('status PANGEA-18 "Phase 2 started" --ack')
    await worker.run_once()
    delivered = {agency: slack.messages(channel)[-1] for agency, channel in CHANNELS.items()}
    for message in delivered.values():
        assert "Phase 2 started" in visible(message)
        assert list(buttons(message)) == ["Acknowledge", "Summary"]

    done = await lucia.presses(delivered["AR-PFA"], "Acknowledge")
    assert "Status update #1 on PANGEA-18 acknowledged for AR-PFA." in visible(done)
    # Olga presses the button in FR-OCLCTIC's channel: for her own agency, never for FR-OCLCTIC
    done = await olga.presses(delivered["FR-OCLCTIC"], "Acknowledge")
    assert "acknowledged for US-FDA." in visible(done)
    again = await olga.presses(delivered["US-FDA"], "Acknowledge")
    assert "already been acknowledged" in visible(again)

    acks = visible(await carl.says("C1", "acks PANGEA-18 1"))
    assert "#1 acknowledged 2/3" in acks
    fr_line = next(line for line in acks.splitlines() if "FR-OCLCTIC" in line)
    assert "delivered" in fr_line and "not acknowledged" in fr_line

    sweeper = ReminderSweeper(sessions, clock)
    before = len(slack.messages("C1"))
    clock.advance(timedelta(minutes=31))
    await sweeper.sweep()
    await worker.run_once()
    [chase] = slack.messages("C1")[before:]
    assert "Please acknowledge status update #1 on PANGEA-18" in visible(chase)
    assert list(buttons(chase)) == ["Acknowledge"]
    clock.advance(timedelta(minutes=30))
    await sweeper.sweep()
    await worker.run_once()
    [told] = slack.messages("C1")[before + 1 :]
    assert "1 agency has not acknowledged it: FR-OCLCTIC." in visible(told)
    done = await carl.presses(chase, "Acknowledge")
    assert "acknowledged for FR-OCLCTIC." in visible(done)
