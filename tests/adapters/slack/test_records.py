"""Results and the task record end to end in Slack: the real slack-bolt app (Socket Mode)
against the fake Slack, each person reading their own language."""

from __future__ import annotations

from adapters.sandbox.fakes.slack import FakeSlack
from adapters.slack.adapter import SlackAdapter
from tests.adapters.slack.conftest import SlackUser, invite_code, visible
from tests.conftest import Person


async def _operation(admin: Person, slack: FakeSlack) -> tuple[SlackUser, SlackUser, SlackUser]:
    """PANGEA-18 led by FR-OCLCTIC (U2, coordinator, French) with AR-PFA (U3, liaison,
    Spanish) and the observer agency US-FDA (U4, coordinator, English)."""
    await admin.says('agency add FR-OCLCTIC "OCLCTIC" --country FR --tz Europe/Paris --lang fr')
    await admin.says(
        'agency add AR-PFA "Policía Federal Argentina" --country AR '
        "--tz America/Argentina/Buenos_Aires --lang es"
    )
    await admin.says('agency add US-FDA "FDA OCI" --country US --tz America/New_York')
    await admin.says('op new PANGEA-18 "Illicit pharmacies" --lead FR-OCLCTIC')
    await admin.says("op join PANGEA-18 AR-PFA")
    await admin.says("op join PANGEA-18 US-FDA --role observer")
    people = []
    for user, agency, role in (
        ("U2", "FR-OCLCTIC", "coordinator"),
        ("U3", "AR-PFA", "liaison"),
        ("U4", "US-FDA", "coordinator"),
    ):
        person = SlackUser(slack, user)
        code = invite_code(await admin.says(f"invite {agency} --role {role}"))
        await person.says(person.dm, f"join {code}")
        people.append(person)
    return people[0], people[1], people[2]


async def test_results_and_the_task_record_in_three_languages(
    socket_mode: SlackAdapter, slack: FakeSlack, admin: Person
) -> None:
    carl, lucia, olga = await _operation(admin, slack)
    recorded = await lucia.says("C1", "result PANGEA-18 seizures 2400 --preliminary")
    assert "Resultado #1 registrado en PANGEA-18." in visible(recorded)
    await carl.says("C1", "result PANGEA-18 arrests 7")
    refused = await olga.says("C1", "result PANGEA-18 arrests 3")  # an observer agency
    assert "Only" in visible(refused)

    rolled = visible(await olga.says("C1", "results PANGEA-18"))
    assert "Argentina" in rolled and "France" in rolled
    assert "2,400" in rolled and "preliminary" in rolled

    await carl.says("C1", 'task add PANGEA-18 "Raid warehouse 4" --to AR-PFA')
    await lucia.says("C1", 'task note PANGEA-18#1 "Van seen at 05:40"')
    shown = visible(await carl.says("C1", "task show PANGEA-18#1"))
    assert "Raid warehouse 4" in shown and "Van seen at 05:40" in shown
