"""help, start, join, whoami and invite."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from bot.commands import REGISTRY
from bot.registry import Command
from bot.reply import Tone
from operations.acting import may_attempt
from operations.enums import Role
from tests.bot.conftest import World
from tests.bot.helpers import db_state, ok, refused

CODE = re.compile(r"join ([A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4})")


def invite_code(text: str) -> str:
    match = CODE.search(text)
    assert match, text
    return match[1]


# --- help --------------------------------------------------------------------------------------


async def test_help_shows_every_commands_usage_to_the_admin(world: World) -> None:
    text = await world.admin.says("help")
    assert world.admin.reply.tone == Tone.INFO
    for command in REGISTRY.all():
        assert f"{command.usage()} — {command.summary}" in text


async def test_help_lists_only_what_the_reader_may_run(world: World) -> None:
    supervisor = await world.member("supervisor", "ES-UCO")
    reply = await ok(supervisor, "help")
    shown = {item.text.split(" — ")[0] for item in reply.items}
    runnable = {c.usage() for c in REGISTRY.all() if may_attempt(c.action, Role.SUPERVISOR)}
    assert shown == runnable
    assert not any(u.startswith(("task add", "agency add", "status")) for u in shown)


async def test_help_of_a_command_lists_its_subcommands(world: World) -> None:
    reply = await ok(world.admin, "help task")
    subs = [c for c in REGISTRY.group("task")]
    assert [item.text.split(" — ")[0] for item in reply.items] == [c.usage() for c in subs]
    assert {c.sub for c in subs} >= {"add", "list", "start", "done", "block", "assign", "due"}


async def test_help_of_a_subcommand_shows_its_parameters(world: World) -> None:
    text = await world.admin.says("help task add")
    assert 'task add CODE "title" --to AGENCY' in text
    assert "CODE: operation code, e.g. PANGEA-18" in text
    assert '"title": what is to be done' in text
    assert "--to AGENCY: the agency that will do it" in text
    assert "[--due WHEN]: " in text and "tomorrow 06:00" in text
    assert "Who: admins, coordinators of the lead agency" in text  # who may run it


async def test_help_accepts_a_slash_and_any_case(world: World) -> None:
    await ok(world.admin, "help /TASK Add", "--to AGENCY")


WITH_PARAMS = [c for c in REGISTRY.all() if c.params]
WITH_CHOICES = [c for c in REGISTRY.all() if any(p.choices for p in c.params)]


def explanation(text: str, usage: str) -> str | None:
    """The help line for one parameter, such as `--to AGENCY: the agency that will do it`."""
    return next((line for line in text.splitlines() if line.startswith(f"{usage}: ")), None)


@pytest.mark.parametrize("command", WITH_PARAMS, ids=lambda c: c.path)
async def test_help_of_a_command_explains_every_parameter(world: World, command: Command) -> None:
    text = await world.admin.says(f"help {command.path}")
    silent = [p.usage() for p in command.params if explanation(text, p.usage()) is None]
    assert not silent, f"help {command.path} says nothing about {silent}:\n{text}"


@pytest.mark.parametrize("command", WITH_CHOICES, ids=lambda c: c.path)
async def test_help_of_a_command_lists_the_valid_choices(world: World, command: Command) -> None:
    text = await world.admin.says(f"help {command.path}")
    for param in command.params:
        if param.choices:
            line = explanation(text, param.usage()) or ""
            assert ", ".join(param.choices) in line, f"help {command.path}:\n{text}"


async def test_help_of_an_unknown_command_says_so(world: World) -> None:
    reply = await refused(world.admin, "help tsak", "tsak")
    assert "help" in reply.title


async def test_help_of_an_unknown_subcommand_says_so(world: World) -> None:
    await refused(world.admin, "help task fly", "task")


# --- start and join ----------------------------------------------------------------------------


async def test_start_welcomes_a_stranger_with_the_public_commands(world: World) -> None:
    stranger = world.stranger()
    reply = await ok(stranger, "start", "Welcome", "join CODE")
    assert {i.text.split(" ")[0] for i in reply.items} == {"help", "start", "join"}


async def test_start_with_a_code_redeems_the_invite(world: World) -> None:
    code = invite_code(await world.admin.says("invite ES-UCO --role observer"))
    stranger = world.stranger()
    await ok(stranger, f"start {code}", "ES-UCO", "como observador")  # in the agency's Spanish
    await ok(stranger, "whoami", "ES-UCO")


async def test_join_makes_a_member_of_the_agency_with_the_role(world: World) -> None:
    code = invite_code(await world.admin.says("invite FR-OCLCTIC --role liaison"))
    stranger = world.stranger("tg-42", "Camille Martin")
    before = await db_state(world.chat.dispatcher.sessions)
    reply = await ok(
        stranger,
        f"join {code}",
        "Bienvenue, Camille Martin",
        "FR-OCLCTIC",
        "comme officier de liaison",
    )
    assert reply.private
    after = await db_state(world.chat.dispatcher.sessions)
    assert after.counts["member"] == before.counts["member"] + 1
    assert after.counts["identity"] == before.counts["identity"] + 1
    assert after.audit_chain == before.audit_chain + 1
    await ok(stranger, "whoami", "Camille Martin", "FR-OCLCTIC", "liaison", "Europe/Paris")


@pytest.mark.parametrize(
    ("agency", "welcome", "rtl"),
    [
        ("US-FDA", "Welcome, Kim.", False),
        ("ES-UCO", "Le damos la bienvenida, Kim.", False),
        ("AE-DXB", "\u2068Kim\u2069", True),
    ],
)
async def test_the_welcome_is_in_the_new_members_language(
    world: World, agency: str, welcome: str, rtl: bool
) -> None:
    """A stranger has no language; once joined, the welcome speaks the agency's."""
    code = invite_code(await world.admin.says(f"invite {agency} --role liaison"))
    reply = await ok(world.stranger("tg-7", "Kim"), f"join {code}")
    assert welcome in reply.title
    assert reply.rtl is rtl
    assert reply.language == {"US-FDA": "en", "ES-UCO": "es", "AE-DXB": "ar"}[agency]


async def test_invite_codes_are_read_without_case_or_dashes(world: World) -> None:
    code = invite_code(await world.admin.says("invite FR-OCLCTIC --role observer"))
    await ok(world.stranger(), f"join {code.replace('-', '').lower()}", "comme observateur")


@pytest.mark.parametrize(
    "chat_name",
    [
        "Maximiliano " * 10 + "de la Cruz",  # Telegram: first and last name, 64 characters each
        "   ",  # Slack: a user without a display name
    ],
    ids=["long", "blank"],
)
async def test_the_chat_account_name_does_not_keep_a_newcomer_out(
    world: World, chat_name: str
) -> None:
    # the newcomer did not type that name and cannot fix it from the bot
    code = invite_code(await world.admin.says("invite FR-OCLCTIC --role liaison"))
    newcomer = world.stranger("tg-odd-name", chat_name)
    await ok(newcomer, f"join {code}", "FR-OCLCTIC")
    reply = await ok(newcomer, "whoami")
    assert 0 < len(reply.title) <= 120


# --- connect -----------------------------------------------------------------------------------


async def test_connect_links_another_account_to_the_same_member(world: World) -> None:
    liaison = await world.member("liaison", "FR-OCLCTIC", reads="en")
    reply = await ok(liaison, "connect", "join ")
    assert reply.private
    code = invite_code("\n".join(reply.lines))
    assert {f.label: f.value for f in reply.fields}["Expires"] == "26 Nov 2026, 12:00 CET"
    slack = world.chat.person("U07", "Camille", platform="slack", workspace="T01")
    await ok(slack, f"join {code}", "linked")
    await ok(slack, "task start PANGEA-18#1", "open → in progress")  # acts as the liaison
    accounts = {f.label: f.value for f in (await ok(slack, "whoami")).fields}["Accounts"]
    assert accounts == "telegram:Liaison of FR-OCLCTIC, slack:Camille"


async def test_a_connect_code_works_once_and_for_an_hour(world: World) -> None:
    liaison = await world.member("liaison", "FR-OCLCTIC")
    code = invite_code("\n".join((await ok(liaison, "connect")).lines))
    await ok(world.chat.person("U01", "One", platform="slack"), f"join {code}")
    await refused(
        world.chat.person("U02", "Two", platform="slack"),
        f"join {code}",
        "already been used",
        command="join",
    )
    code = invite_code("\n".join((await ok(liaison, "connect")).lines))
    world.clock.advance(timedelta(minutes=61))
    await refused(
        world.chat.person("U03", "Three", platform="slack"),
        f"join {code}",
        "expired",
        command="join",
    )


async def test_strangers_cannot_connect(world: World) -> None:
    await refused(world.stranger(), "connect", "not a member")


# --- whoami ------------------------------------------------------------------------------------


async def test_whoami_of_the_admin(world: World) -> None:
    reply = await ok(world.admin, "whoami")
    assert reply.title == "Local administrator"
    fields = {f.label: f.value for f in reply.fields}
    assert fields == {
        "Agency": "—",
        "Role": "admin",
        "Timezone": "UTC",
        "Accounts": "console:Local administrator",
    }
    assert reply.private


async def test_whoami_of_a_member_shows_the_agency_timezone(world: World) -> None:
    liaison = await world.member("liaison", "AE-DXB", reads="en")
    reply = await ok(liaison, "whoami")
    fields = {f.label: f.value for f in reply.fields}
    assert (fields["Agency"], fields["Role"], fields["Timezone"]) == (
        "AE-DXB",
        "liaison",
        "Asia/Dubai",
    )


# --- invite ------------------------------------------------------------------------------------


async def test_invite_gives_a_one_time_code_valid_72_hours(world: World) -> None:
    before = await db_state(world.chat.dispatcher.sessions)
    reply = await ok(world.admin, "invite es-uco --role LIAISON", "liaison", "ES-UCO")
    assert reply.private
    invite_code("\n".join(reply.lines))
    expires = {f.label: f.value for f in reply.fields}["Expires"]
    assert expires == "29 Nov 2026, 10:00 UTC"
    after = await db_state(world.chat.dispatcher.sessions)
    assert after.counts["invite"] == before.counts["invite"] + 1


async def test_the_invite_code_is_not_stored_in_clear(world: World) -> None:
    code = invite_code(await world.admin.says("invite ES-UCO --role liaison"))
    state = await db_state(world.chat.dispatcher.sessions)
    stored = repr(state.rows)
    assert code not in stored
    assert code.replace("-", "") not in stored


async def test_invite_expiry_is_shown_in_the_inviters_timezone(world: World) -> None:
    coordinator = await world.member("coordinator", "FR-OCLCTIC", reads="en")
    reply = await ok(coordinator, "invite FR-OCLCTIC --role observer")
    assert {f.label: f.value for f in reply.fields}["Expires"] == "29 Nov 2026, 11:00 CET"


async def test_invite_title_reads_as_english(world: World) -> None:
    reply = await ok(world.admin, "invite FR-OCLCTIC --role observer")
    assert "a observer" not in reply.title, reply.title


async def test_coordinator_invites_liaisons_and_observers_only(world: World) -> None:
    coordinator = await world.member("coordinator", "FR-OCLCTIC")
    await ok(coordinator, "invite FR-OCLCTIC --role liaison")
    await ok(coordinator, "invite FR-OCLCTIC --role observer")
    for role in ("coordinator", "supervisor", "admin"):
        await refused(
            coordinator, f"invite FR-OCLCTIC --role {role}", role, "admin", command="invite"
        )


async def test_coordinator_cannot_invite_into_another_agency(world: World) -> None:
    # an FR coordinator minting an ES liaison would let FR update ES's tasks and link its chats
    coordinator = await world.member("coordinator", "FR-OCLCTIC", reads="en")
    await refused(coordinator, "invite ES-UCO --role liaison", "own agency", command="invite")


async def test_invite_for_an_unknown_agency(world: World) -> None:
    await refused(world.admin, "invite XX-NONE --role liaison", "XX-NONE", command="invite")


async def test_invite_with_an_unknown_role_lists_the_roles(world: World) -> None:
    await refused(
        world.admin,
        "invite FR-OCLCTIC --role chief",
        "chief",
        "admin, coordinator, supervisor, liaison, observer",
        command="invite",
    )


async def test_an_invite_expires_after_72_hours(world: World) -> None:
    code = invite_code(await world.admin.says("invite FR-OCLCTIC --role liaison"))
    world.clock.advance(timedelta(hours=72))
    await refused(world.stranger(), f"join {code}", "expired", command="join")
