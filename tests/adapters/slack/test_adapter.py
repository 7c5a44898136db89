"""End to end in Slack (Socket Mode): the real slack-bolt app against the fake Slack."""

from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from adapters.sandbox.fakes.slack import FakeSlack, MessageRecord
from adapters.slack.adapter import SlackAdapter
from bot.clock import FakeClock
from bot.worker import DeliveryWorker
from operations.channel.models import Channel
from operations.enums import TaskStatus
from operations.member.models import Identity
from operations.task.models import Task
from tests.adapters.slack.conftest import TEAM, SlackUser, buttons, invite_code, visible
from tests.bot.helpers import table_counts
from tests.conftest import Person

RLM, FSI, PDI = "\u200f", "\u2068", "\u2069"  # right-to-left mark, isolate, end of isolate
BIDI_CONTROLS = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def shown_lines(message: MessageRecord) -> list[str]:
    """Every line a reader sees: the fallback text's, then the blocks' (rich text as written,
    an emoji as :name:; the mrkdwn of a context block inside its bold or code marks)."""
    lines = (message.text or "").split("\n")
    for block in message.blocks or []:
        if block["type"] == "context":
            lines += [e["text"].lstrip("*`") for e in block["elements"]]
        elif block["type"] == "rich_text":
            for part in block["elements"]:
                shown = (
                    e["text"] if e["type"] == "text" else f":{e['name']}:" for e in part["elements"]
                )
                lines += "".join(shown).split("\n")
    return lines


def unmarked(message: MessageRecord) -> list[str]:
    """The lines shown that do not start with a right-to-left mark."""
    return [line for line in shown_lines(message) if line and not line.startswith(RLM)]


async def _counts(sessions: async_sessionmaker[AsyncSession]) -> dict[str, int]:
    """Rows per table, except the replay guard's record of every request accepted."""
    return await table_counts(sessions, leave_out=frozenset({"inbound_event"}))


async def _setup_agencies(admin: Person) -> None:
    await admin.says(
        'agency add IP-GS "INTERPOL General Secretariat" --country FR --tz Europe/Paris'
    )
    await admin.says('agency add FR-OCLCTIC "OCLCTIC" --country FR --tz Europe/Paris --lang fr')
    await admin.says(
        'agency add AR-PFA "Policía Federal Argentina" --country AR '
        "--tz America/Argentina/Buenos_Aires --lang es"
    )


async def test_three_users_two_channels_run_an_operation(
    socket_mode: SlackAdapter,
    slack: FakeSlack,
    admin: Person,
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    await _setup_agencies(admin)
    anna, carl, lucia = SlackUser(slack, "U1"), SlackUser(slack, "U2"), SlackUser(slack, "U3")
    code = invite_code(await admin.says("invite IP-GS --role admin"))
    welcome = await anna.says(anna.dm, f"join {code}")
    assert "Welcome, Anna Admin." in visible(welcome)  # real name from users.info
    assert welcome.response_type == "ephemeral"

    invite = await anna.says("C1", "invite FR-OCLCTIC --role coordinator")
    assert invite.response_type == "ephemeral"  # the code is shown to the inviter only
    await carl.says(carl.dm, f"join {invite_code(visible(invite))}")
    invite = await anna.says("C1", "invite AR-PFA --role liaison")
    await lucia.says(lucia.dm, f"join {invite_code(visible(invite))}")

    made = await carl.says("C1", 'op new PANGEA-18 "Illicit pharmacies" --tlp AMBER')
    assert made.response_type == "in_channel"
    # Carl reads French (FR-OCLCTIC's language), Lucía Spanish (AR-PFA's)
    assert visible(made).startswith("*TLP:AMBER*\n*Opération PANGEA-18 créée.*")
    assert not any(BIDI_CONTROLS.search(line) for line in shown_lines(made))  # left to right
    await carl.says("C1", "op join PANGEA-18 AR-PFA")
    added = await carl.says(
        "C1", 'task add PANGEA-18 "Raid warehouse 4" --to AR-PFA --due "tomorrow 06:00"'
    )
    assert "*Échéance:* 27 nov. 2026 06:00 CET" in visible(added)

    linked = await lucia.says("C2", "link AR-PFA")
    assert "Este chat recibe ahora las notificaciones de AR-PFA." in visible(linked)
    mine = await lucia.says("C2", "task list PANGEA-18 --mine")
    assert mine.response_type == "ephemeral"  # a personal list
    assert "vence 27 nov 2026, 02:00 -03" in visible(mine)
    done = await lucia.presses(mine, "Terminar #1")
    assert "Tarea PANGEA-18#1: abierta → terminada." in visible(done)
    assert done.response_type == "in_channel"

    summary = await carl.says("C1", "summary PANGEA-18")
    assert "*Tâches:* 0 ouverte, 0 en cours, 0 bloquée, 1 terminée, 0 en retard" in visible(summary)

    async with sessions() as s:
        task = await s.scalar(select(Task))
        assert task is not None and task.status == TaskStatus.DONE
        channel = await s.scalar(select(Channel))
        assert channel is not None and (channel.workspace, channel.external_id) == (TEAM, "C2")
        workspaces = set(
            await s.scalars(select(Identity.workspace).where(Identity.platform == "slack"))
        )
    assert workspaces == {TEAM}


async def test_an_arabic_reader_and_an_arabic_agencys_channel_read_right_to_left(
    socket_mode: SlackAdapter,
    slack: FakeSlack,
    admin: Person,
    sessions: async_sessionmaker[AsyncSession],
    clock: FakeClock,
) -> None:
    await admin.says('agency add AE-DXB "Dubai Police" --country AE --tz Asia/Dubai --lang ar')
    await admin.says('op new PANGEA-18 "Pharmacies" --lead AE-DXB --tlp AMBER')
    slack.add_user("U5", name="nadia", real_name="Nadia", tz="Asia/Dubai")
    nadia = SlackUser(slack, "U5")  # a coordinator of AE-DXB: she reads Arabic
    await nadia.says(
        nadia.dm, f"join {invite_code(await admin.says('invite AE-DXB --role coordinator'))}"
    )
    added = await nadia.says(
        "C2", 'task add PANGEA-18 "Raid warehouse 4" --to AE-DXB --due 2026-11-27T06:00Z'
    )
    assert unmarked(added) == [], shown_lines(added)  # every line starts right to left
    assert added.blocks and added.blocks[0]["elements"][0]["text"] == f"*{RLM}TLP:AMBER*"
    shown = "\n".join(shown_lines(added))
    assert f"{FSI}PANGEA-18#1{PDI}" in shown  # the reference isolated
    assert (
        f"{FSI}27 نوفمبر 2026، 10:00 +04{PDI}" in shown
    )  # the due time (a field's value) isolated
    await nadia.says("C2", "link AE-DXB")

    before = len(slack.messages("C2"))
    await admin.says('status PANGEA-18 "Phase 2 started"')  # the admin reads English
    await DeliveryWorker(sessions, {"slack": socket_mode.sender}, clock).run_once()
    [delivered] = slack.messages("C2")[before:]
    assert unmarked(delivered) == [], shown_lines(delivered)
    shown = "\n".join(shown_lines(delivered))
    assert f"{FSI}PANGEA-18{PDI}" in shown  # the title's code isolated
    assert f"{RLM}{FSI}Phase 2 started{PDI}" in shown  # the person's words: one isolate
    assert f"{FSI}26 نوفمبر 2026، 14:00 +04{PDI}" in shown  # the time it was posted, in Dubai


async def test_every_command_is_acked_within_three_seconds(
    socket_mode: SlackAdapter, slack: FakeSlack, admin: Person
) -> None:
    await _setup_agencies(admin)
    user = SlackUser(slack, "U9")
    for text in ("help", "summary", "task add X", "", "op list"):
        await user.says("C1", text)
    assert slack.acks and all(a.latency < 3.0 for a in slack.acks)


async def test_stranger_gets_help_and_changes_nothing(
    socket_mode: SlackAdapter,
    slack: FakeSlack,
    admin: Person,
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    await _setup_agencies(admin)
    before = await _counts(sessions)
    eve = SlackUser(slack, "U9")
    for text in (
        'agency add EVIL "Evil" --country FR --tz UTC',
        "link AR-PFA",
        "join AAAA-BBBB-CCCC",
    ):
        refused = await eve.says("C1", text)
        assert refused.response_type == "ephemeral"
        assert ":warning:" in visible(refused)
    helped = await eve.says("C1", "")
    assert "join CODE" in visible(helped)
    assert await _counts(sessions) == before


async def test_mention_injection_is_escaped(
    socket_mode: SlackAdapter, slack: FakeSlack, admin: Person
) -> None:
    await _setup_agencies(admin)
    await admin.says('op new PANGEA-18 "Pharmacies" --lead FR-OCLCTIC')
    carl = SlackUser(slack, "U2")
    code = invite_code(await admin.says("invite FR-OCLCTIC --role coordinator"))
    await carl.says(carl.dm, f"join {code}")
    title = "<!channel> ping <@U123> <https://evil.example|click here> <!here>"
    added = await carl.says("C1", f'task add PANGEA-18 "{title}" --to FR-OCLCTIC')
    status = await carl.says("C1", f'status PANGEA-18 "{title}"')
    for message in (added, status):
        blocks = message.blocks or []
        parsed = f"{message.text}\n{[b for b in blocks if b['type'] != 'rich_text']}"
        assert "<!channel>" not in parsed and "<!here>" not in parsed  # mrkdwn: escaped
        assert "<@U123>" not in parsed and "<https://" not in parsed
        inline = [
            e
            for b in blocks
            if b["type"] == "rich_text"
            for part in b["elements"]
            for e in part["elements"]
        ]
        assert {e["type"] for e in inline} == {"text"}  # rich text: no mention, no link
        assert (
            "&lt;!channel&gt; ping &lt;@U123&gt; &lt;https://evil.example|click here&gt;"
            in visible(message)
        )


REFUSAL = (  # Lucía reads Spanish, AR-PFA's language
    "Solo los administradores, coordinadores de la agencia líder FR-OCLCTIC y coordinadores y"
    " oficiales de enlace de la agencia a la que está asignada la tarea pueden ejecutar"
    " task done en PANGEA-18."
)


async def test_liaison_cannot_touch_another_agencys_task_even_with_a_forged_button(
    socket_mode: SlackAdapter,
    slack: FakeSlack,
    admin: Person,
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    await _setup_agencies(admin)
    await admin.says('op new PANGEA-18 "Pharmacies" --lead FR-OCLCTIC')
    await admin.says("op join PANGEA-18 AR-PFA")
    await admin.says('task add PANGEA-18 "French task" --to FR-OCLCTIC')
    await admin.says('task add PANGEA-18 "Argentine task" --to AR-PFA')
    lucia = SlackUser(slack, "U3")
    await lucia.says(
        lucia.dm, f"join {invite_code(await admin.says('invite AR-PFA --role liaison'))}"
    )
    before = await _counts(sessions)
    refused = await lucia.says("C2", "task done PANGEA-18#1")
    assert REFUSAL in visible(refused)
    mine = await lucia.says("C2", "task list PANGEA-18 --mine")
    assert set(buttons(mine)) == {"Iniciar #2", "Terminar #2"}
    forged = await lucia.presses_value(mine, "task done PANGEA-18#1")
    assert forged.response_type == "ephemeral"
    assert REFUSAL in visible(forged)
    assert await _counts(sessions) == before


async def test_app_mention_runs_the_command_and_a_retried_event_runs_once(
    socket_mode: SlackAdapter, slack: FakeSlack, admin: Person
) -> None:
    await _setup_agencies(admin)
    anna = SlackUser(slack, "U1")
    await anna.says(anna.dm, f"join {invite_code(await admin.says('invite IP-GS --role admin'))}")
    before = len(slack.messages("C1"))
    event = {
        "type": "app_mention",
        "user": "U1",
        "text": "<@UBOT> op list",
        "channel": "C1",
        "ts": "1700000000.000100",
        "team": TEAM,
    }
    await slack.send_event(event, event_id="Ev0001")
    await slack.wait_for_messages(before + 1, channel="C1")
    await slack.retry_event("Ev0001")
    await slack.send_event(
        {**event, "text": "<@UBOT> whoami", "ts": "1700000000.000200"}, event_id="Ev0002"
    )
    messages = await slack.wait_for_messages(before + 2, channel="C1")
    assert [m.kind for m in messages[before:]] == ["message", "ephemeral"]
    assert "0 operations" in visible(messages[before])
    assert "Anna Admin" in visible(messages[before + 1])
