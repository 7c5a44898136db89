"""The dispatcher: every kind of bad input is refused in one line, with the command's usage,
and changes nothing; unexpected errors are hidden behind a reference; the grammar's comforts
(slash, smart quotes, case-insensitive codes, unquoted WHEN) work end to end."""

from __future__ import annotations

import asyncio
import logging
import re
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import FakeClock
from bot.commands import REGISTRY
from bot.context import Context, Invocation
from bot.dispatcher import Dispatcher
from bot.registry import Kind, Param, Registry
from bot.reply import Reply, Tone
from operations.agency import service as agency_service
from tests.bot.conftest import World
from tests.bot.helpers import db_state, ok, refused

TASK_ADD = 'task add PANGEA-18 "Seize parcels" --to FR-OCLCTIC'
AGENCY_ADD = 'agency add IT-GDF "Guardia di Finanza" --country IT --tz Europe/Rome'


# --- the line cannot be read -------------------------------------------------------------------


async def test_unknown_command_suggests_the_closest(world: World) -> None:
    await refused(world.admin, 'tsak add PANGEA-18 "x" --to FR-OCLCTIC', "tsak", "task")


async def test_unknown_command_far_from_any_says_help(world: World) -> None:
    await refused(world.admin, "xyzzy", "xyzzy", "help")


async def test_unknown_subcommand_suggests_the_closest(world: World) -> None:
    await refused(world.admin, 'task ad PANGEA-18 "x" --to FR-OCLCTIC', "task ad", "task add")


async def test_missing_subcommand_lists_the_subcommands_one_per_line(world: World) -> None:
    reply = await refused(world.admin, "task", "task")
    assert [item.text for item in reply.items] == [
        f"{c.usage()} — {c.summary}" for c in REGISTRY.group("task")
    ]
    assert reply.usage is None


async def test_an_argument_where_the_subcommand_goes_lists_the_subcommands(
    world: World,
) -> None:
    text = await world.admin.says("task PANGEA-18#1")
    reply = world.admin.reply
    assert reply.tone == Tone.ERROR
    assert "PANGEA-18#1" in reply.title  # as typed
    lines = text.splitlines()
    for command in REGISTRY.group("task"):
        assert f"- {command.usage()} — {command.summary}" in lines
    assert not any(line.count(" | task ") for line in lines)


async def test_the_subcommands_listed_are_those_the_reader_may_run(world: World) -> None:
    observer = await world.member("observer", "ES-UCO", reads="en")
    await observer.says("op")
    shown = [item.text.split(" — ")[0] for item in observer.reply.items]
    assert shown == [c.usage() for c in REGISTRY.group("op") if c.action is None]


async def test_a_command_typed_in_capitals_is_echoed_as_the_commands_name(world: World) -> None:
    reply = await ok(world.admin, "HELP TASK ADD")
    assert reply.title == "Help: task add"
    reply = await refused(world.admin, "TASK AD PANGEA-18", "task AD", "task add")
    assert reply.usage == f"Usage: {REGISTRY.group('task')[0].usage()}"


@pytest.mark.parametrize("command", REGISTRY.all(), ids=lambda c: c.path)
async def test_a_refusal_names_nothing_the_usage_does_not_show(world: World, command: Any) -> None:
    """Typed bare, a command's refusal names no internal key (a parameter's name that its usage
    does not show, a kind): every word in capitals is in the usage line, or was typed."""
    await world.admin.says(command.path)
    reply = world.admin.reply
    if reply.tone != Tone.ERROR:
        return
    for word in re.findall(r"[A-Z][A-Z_:]{2,}", reply.title):
        assert word in (reply.usage or ""), f"{command.path}: {reply.title} / {reply.usage}"


async def test_empty_line_says_how_to_start(world: World) -> None:
    await refused(world.admin, "   ", "help")


async def test_missing_argument_names_it(world: World) -> None:
    await refused(
        world.admin, "task add PANGEA-18 --to FR-OCLCTIC", "Missing", "title", command="task add"
    )


async def test_missing_required_flag_names_it(world: World) -> None:
    await refused(world.admin, 'task add PANGEA-18 "x"', "--to", command="task add")


async def test_extra_argument_names_it(world: World) -> None:
    await refused(world.admin, "op show PANGEA-18 tomorrow", "tomorrow", command="op show")


async def test_unknown_flag_names_it(world: World) -> None:
    await refused(world.admin, f"{TASK_ADD} --colour red", "--colour", command="task add")


async def test_flag_given_twice(world: World) -> None:
    await refused(world.admin, f"{TASK_ADD} --to ES-UCO", "--to", "twice", command="task add")


async def test_flag_without_value(world: World) -> None:
    await refused(world.admin, 'task add PANGEA-18 "x" --to', "--to", command="task add")


async def test_flag_followed_by_another_flag_has_no_value(world: World) -> None:
    await refused(world.admin, f"{TASK_ADD} --due --priority high", "--due", command="task add")


async def test_unclosed_quote(world: World) -> None:
    await refused(
        world.admin,
        'task add PANGEA-18 "Raid warehouse --to FR-OCLCTIC',
        "quote",
        command="task add",
    )


async def test_unclosed_smart_quote(world: World) -> None:
    await refused(
        world.admin, "status PANGEA-18 \u201cAll teams in position", "quote", command="status"
    )


async def test_control_character_in_text(world: World) -> None:
    await refused(
        world.admin,
        'task add PANGEA-18 "Raid\x07 warehouse" --to FR-OCLCTIC',
        "control character",
        "0007",
        command="task add",
    )


async def test_escape_character_in_status_text(world: World) -> None:
    await refused(
        world.admin, 'status PANGEA-18 "all \x1b[31mclear"', "control character", command="status"
    )


async def test_bidi_override_in_text(world: World) -> None:
    await refused(
        world.admin,
        'task add PANGEA-18 "Raid \u202ewarehouse" --to FR-OCLCTIC',
        "202E",
        command="task add",
    )


async def test_message_over_the_line_limit(world: World) -> None:
    await refused(world.admin, f'status PANGEA-18 "{"x" * 9000}"', "too long", command="status")


# --- values the domain does not accept ---------------------------------------------------------


async def test_unknown_agency_is_named(world: World) -> None:
    await refused(world.admin, 'task add PANGEA-18 "x" --to XX-NOPE', "XX-NOPE", command="task add")


async def test_unknown_operation_is_named(world: World) -> None:
    await refused(world.admin, 'task add NOPE-7 "x" --to FR-OCLCTIC', "NOPE-7", command="task add")


async def test_unknown_task_is_named(world: World) -> None:
    await refused(world.admin, "task done PANGEA-18#99", "PANGEA-18#99", command="task done")


async def test_malformed_task_reference_shows_the_form(world: World) -> None:
    await refused(world.admin, "task done PANGEA-18-1", "PANGEA-18-1", "#", command="task done")


async def test_malformed_agency_code_says_the_format(world: World) -> None:
    await refused(
        world.admin,
        'agency add F "France" --country FR --tz Europe/Paris',
        "F",
        "2 to 16",
        command="agency add",
    )


async def test_duplicate_agency_code(world: World) -> None:
    await refused(
        world.admin,
        'agency add es-uco "Another UCO" --country ES --tz Europe/Madrid',
        "ES-UCO",
        "already exists",
        command="agency add",
    )


async def test_duplicate_operation_code(world: World) -> None:
    await refused(
        world.admin,
        'op new pangea-18 "Again" --lead FR-OCLCTIC',
        "PANGEA-18",
        "already taken",
        command="op new",
    )


async def test_invalid_country_says_what_is_valid(world: World) -> None:
    await refused(
        world.admin,
        'agency add IT-GDF "Guardia di Finanza" --country XQ --tz Europe/Rome',
        "XQ",
        "ISO 3166-1 alpha-2",
        command="agency add",
    )


async def test_invalid_timezone_says_what_is_valid(world: World) -> None:
    await refused(
        world.admin,
        'agency add IT-GDF "Guardia di Finanza" --country IT --tz Europe/Rom',
        "Europe/Rom",
        "IANA",
        command="agency add",
    )


async def test_invalid_language_says_what_is_valid(world: World) -> None:
    reply = await refused(world.admin, f"{AGENCY_ADD} --lang it", "it", command="agency add")
    for language in ("en", "fr", "es", "ar"):
        assert language in reply.title


async def test_invalid_choice_lists_the_choices(world: World) -> None:
    await refused(
        world.admin,
        f"{TASK_ADD} --priority extreme",
        "extreme",
        "low, normal, high, urgent",
        command="task add",
    )


async def test_unparseable_when(world: World) -> None:
    await refused(world.admin, f"{TASK_ADD} --due someday", "someday", command="task add")


async def test_impossible_when(world: World) -> None:
    await refused(
        world.admin,
        f"{TASK_ADD} --due 2026-02-30",
        "2026-02-30",
        "no such date",
        command="task add",
    )


async def test_due_in_the_past(world: World) -> None:
    await refused(
        world.admin, f"{TASK_ADD} --due 2026-11-25T10:00Z", "due", "future", command="task add"
    )


async def test_rescheduling_into_the_past(world: World) -> None:
    await refused(
        world.admin, "task due PANGEA-18#1 2026-01-01 09:00", "future", command="task due"
    )


async def test_operation_end_in_the_past(world: World) -> None:
    await refused(
        world.admin,
        'op new TRIDENT-2 "Trident" --lead FR-OCLCTIC --ends 2026-11-26T09:59Z',
        "end",
        "future",
        command="op new",
    )


async def test_title_over_200_characters(world: World) -> None:
    await refused(
        world.admin,
        f'task add PANGEA-18 "{"T" * 201}" --to FR-OCLCTIC',
        "title",
        "201",
        "200",
        command="task add",
    )


async def test_title_of_exactly_200_characters_is_accepted(world: World) -> None:
    await ok(world.admin, f'task add PANGEA-18 "{"T" * 200}" --to FR-OCLCTIC', "PANGEA-18#3")


async def test_empty_title(world: World) -> None:
    await refused(
        world.admin, 'task add PANGEA-18 "  " --to FR-OCLCTIC', "title", "empty", command="task add"
    )


async def test_status_text_over_3000_characters(world: World) -> None:
    await refused(world.admin, f'status PANGEA-18 "{"s" * 3001}"', "3001", "3000", command="status")


async def test_assigning_to_an_agency_outside_the_operation(world: World) -> None:
    await refused(
        world.admin,
        'task add PANGEA-18 "x" --to US-FDA',
        "US-FDA",
        "PANGEA-18",
        "op join",
        command="task add",
    )


async def test_agency_joining_twice(world: World) -> None:
    await refused(world.admin, "op join PANGEA-18 es-uco", "ES-UCO", command="op join")


# --- state and permission ----------------------------------------------------------------------


async def test_invalid_task_transition_says_the_current_state(world: World) -> None:
    await ok(world.admin, "task done PANGEA-18#1")
    await refused(
        world.admin,
        'task block PANGEA-18#1 "no warrant"',
        "PANGEA-18#1",
        "done",
        command="task block",
    )


async def test_invalid_operation_transition_says_the_current_state(world: World) -> None:
    await refused(world.admin, "op resume PANGEA-18", "PANGEA-18", "active", command="op resume")


async def test_closed_operation_refuses_new_tasks_saying_it_is_closed(world: World) -> None:
    await ok(world.admin, "op close PANGEA-18 --force")
    reply = await refused(world.admin, TASK_ADD, "PANGEA-18", "closed", command="task add")
    # the reason must read as a sentence, not as a transition to the state "task add"
    assert "become task add" not in reply.title


async def test_user_without_the_role_is_told_which_role(world: World) -> None:
    liaison = await world.member("liaison", "FR-OCLCTIC")
    # the liaison reads French: "admins and coordinators ..."
    reply = await refused(liaison, TASK_ADD, "task add", "coordinateurs", command="task add")
    assert "administrateurs" in reply.title


async def test_observer_cannot_update_tasks(world: World) -> None:
    observer = await world.member("observer", "FR-OCLCTIC")
    await refused(observer, "task done PANGEA-18#1", "liaison", command="task done")


async def test_liaison_cannot_update_another_agencys_task(world: World) -> None:
    liaison = await world.member("liaison", "FR-OCLCTIC")
    await refused(
        liaison,
        "task done PANGEA-18#2",
        "du service auquel la tâche est attribuée",  # "of the agency the task is assigned to"
        command="task done",
    )


COMMANDS_ON_AN_OPERATION = [
    ("op show", "op show {code}"),
    ("task list", "task list {code}"),
    ("summary", "summary {code}"),
    ("status", 'status {code} "Raid done"'),
    ("task add", 'task add {code} "Watch" --to FR-OCLCTIC'),
    ("task done", "task done {code}#1"),
    ("op join", "op join {code} ES-UCO"),
    ("op start", "op start {code}"),
]


@pytest.mark.parametrize(("command", "line"), COMMANDS_ON_AN_OPERATION)
async def test_operation_outside_need_to_know_reads_as_missing(
    world: World, command: str, line: str
) -> None:
    coordinator = await world.member("coordinator", "FR-OCLCTIC")  # FR is not in SECRET-9
    hidden = await refused(coordinator, line.format(code="SECRET-9"), "SECRET-9", command=command)
    missing = await refused(coordinator, line.format(code="NOPE-9"), "NOPE-9", command=command)
    hidden_text = "\n".join(hidden.text_lines()).replace("SECRET-9", "<code>")
    missing_text = "\n".join(missing.text_lines()).replace("NOPE-9", "<code>")
    assert hidden_text == missing_text
    assert (hidden.tone, hidden.private, hidden.tlp) == (missing.tone, missing.private, missing.tlp)


async def test_expired_invite_code(world: World) -> None:
    invite = await ok(world.admin, "invite FR-OCLCTIC --role liaison")
    code = invite.lines[-1].removeprefix("join ")
    world.clock.advance(timedelta(hours=73))
    await refused(world.stranger(), f"join {code}", "expired", command="join")


async def test_invite_code_works_until_it_expires(world: World) -> None:
    invite = await ok(world.admin, "invite FR-OCLCTIC --role liaison")
    code = invite.lines[-1].removeprefix("join ")
    world.clock.advance(timedelta(hours=71))
    await ok(world.stranger(), f"join {code.lower()}", "FR-OCLCTIC", "liaison")


async def test_reused_invite_code(world: World) -> None:
    invite = await ok(world.admin, "invite FR-OCLCTIC --role liaison")
    code = invite.lines[-1].removeprefix("join ")
    await ok(world.stranger("first"), f"join {code}")
    await refused(
        world.stranger("second"), f"join {code}", code, "already been used", command="join"
    )


async def test_unknown_invite_code(world: World) -> None:
    await refused(world.stranger(), "join ABCD-EFGH-JKLM", "ABCD-EFGH-JKLM", command="join")


async def test_malformed_invite_code(world: World) -> None:
    await refused(world.stranger(), "join 1234", "invite code", command="join")


async def test_member_joining_again(world: World) -> None:
    liaison = await world.member("liaison", "FR-OCLCTIC")
    invite = await ok(world.admin, "invite ES-UCO --role liaison")
    code = invite.lines[-1].removeprefix("join ")
    await refused(liaison, f"join {code}", "déjà inscrit", command="join")  # "already joined"


@pytest.mark.parametrize(
    "line", ["op list", TASK_ADD, "whoami", "summary", "link FR-OCLCTIC", "task done PANGEA-18#1"]
)
async def test_stranger_running_a_member_command_is_told_to_join(world: World, line: str) -> None:
    stranger = world.stranger()
    await refused(stranger, line, "not a member")
    assert "join" in " ".join(stranger.reply.text_lines())


async def test_stranger_help_lists_only_public_commands(world: World) -> None:
    stranger = world.stranger()
    before = await db_state(world.chat.dispatcher.sessions)
    reply = await ok(stranger, "help", "join CODE")
    assert await db_state(world.chat.dispatcher.sessions) == before
    shown = {item.text.split(" — ")[0] for item in reply.items}
    public = {c.usage() for c in REGISTRY.all() if c.public}
    assert shown == public
    assert not any(item.text.startswith(("task", "op ", "agency")) for item in reply.items)


# --- comforts of the grammar -------------------------------------------------------------------


async def test_smart_quotes_group_words(world: World) -> None:
    reply = await ok(world.admin, "task add PANGEA-18 \u201cRaid warehouse 5\u201d --to FR-OCLCTIC")
    assert ("Title", "Raid warehouse 5") in [(f.label, f.value) for f in reply.fields]


async def test_guillemets_and_single_smart_quotes_group_words(world: World) -> None:
    await ok(world.admin, "status PANGEA-18 \u00abPhase 2 started\u00bb", "Phase 2 started")
    await ok(world.admin, "status PANGEA-18 \u2018Phase 3 started\u2019", "Phase 3 started")


async def test_dashes_that_phones_autocorrect_still_make_flags(world: World) -> None:
    # iOS and macOS "smart punctuation" turn -- into an em dash (and some keyboards an en dash)
    await ok(world.admin, "task add PANGEA-18 \u201cRaid\u201d \u2014to FR-OCLCTIC", "PANGEA-18#3")
    await ok(world.admin, "task list PANGEA-18 \u2013mine")


async def test_unquoted_due_reads_two_words(world: World) -> None:
    liaison = await world.member("coordinator", "FR-OCLCTIC")  # reads in Europe/Paris
    reply = await ok(liaison, f"{TASK_ADD} --due tomorrow 06:00 --priority high")
    fields = {f.label: f.value for f in reply.fields}
    assert fields["Échéance"] == "27 nov. 2026 06:00 CET"  # the coordinator reads French
    assert fields["Priorité"] == "haute"


async def test_unquoted_due_of_three_words(world: World) -> None:
    reply = await ok(world.admin, f"{TASK_ADD} --due in 2 hours")
    assert {f.label: f.value for f in reply.fields}["Due"] == "26 Nov 2026, 12:00 UTC"


async def test_leading_slash_is_accepted(world: World) -> None:
    await ok(world.admin, '/task add PANGEA-18 "Seize parcels" --to FR-OCLCTIC', "PANGEA-18#3")


async def test_codes_are_case_insensitive(world: World) -> None:
    await ok(world.admin, 'task add pangea-18 "Seize parcels" --to fr-oclctic', "PANGEA-18#3")
    await ok(world.admin, "task start pangea-18#3", "PANGEA-18#3")
    await ok(world.admin, "op show Pangea-18", "PANGEA-18")


async def test_command_words_are_case_insensitive(world: World) -> None:
    await ok(world.admin, "TASK LIST PANGEA-18", "PANGEA-18#1")


# --- unexpected errors -------------------------------------------------------------------------


@pytest.fixture
def exploding(sessions: async_sessionmaker[AsyncSession], clock: FakeClock) -> Dispatcher:
    """A dispatcher on a throwaway registry whose one command writes, then fails."""
    registry = Registry()

    @registry.command("boom", Param("NAME", Kind.WORD), summary="Fail on purpose.", public=True)
    async def boom(ctx: Context, args: dict[str, Any]) -> Reply:
        # a write first, to show that the failure rolls it back
        await agency_service.add_agency(
            ctx.session,
            actor=ctx.member,
            code="IT-GDF",
            name="Guardia di Finanza",
            country="IT",
            timezone="Europe/Rome",
            now=ctx.now,
        )
        raise RuntimeError("secret detail")

    return Dispatcher(sessions, registry, clock=clock)


async def test_unexpected_error_is_hidden_behind_a_reference(
    world: World,
    exploding: Dispatcher,
    caplog: pytest.LogCaptureFixture,
) -> None:
    dispatcher = exploding
    before = await db_state(dispatcher.sessions)
    with caplog.at_level(logging.ERROR):
        reply = await dispatcher.dispatch(
            Invocation("console", "local", "console", "admin", "Local administrator", "boom x")
        )
    assert reply.tone == Tone.ERROR
    match = re.fullmatch(r"Something went wrong \(ref ([0-9a-f]{6})\)\.?", reply.title)
    assert match, reply.title
    shown = "\n".join(reply.text_lines())
    assert "secret detail" not in shown
    assert "Traceback" not in shown and "RuntimeError" not in shown
    records = [r for r in caplog.records if match[1] in r.getMessage()]
    assert records, "the reference must be in the log"
    assert records[0].exc_info is not None  # the traceback is logged, not shown
    assert await db_state(dispatcher.sessions) == before


async def test_each_unexpected_error_gets_its_own_reference(
    world: World, exploding: Dispatcher
) -> None:
    dispatcher = exploding
    invocation = Invocation("console", "local", "console", "admin", "Local administrator", "boom x")
    first = await dispatcher.dispatch(invocation)
    second = await dispatcher.dispatch(invocation)
    assert first.title != second.title


async def test_a_fresh_registry_still_refuses_bad_input_cleanly(
    world: World, exploding: Dispatcher
) -> None:
    dispatcher = exploding
    reply = await dispatcher.dispatch(
        Invocation("console", "local", "console", "admin", "Local administrator", "boom")
    )
    assert reply.tone == Tone.ERROR
    assert "NAME" in reply.title
    assert reply.usage == "Usage: boom NAME"


# --- commands arriving at the same time (several adapters share one dispatcher) ---------------


def typed(user: str, text: str) -> Invocation:
    return Invocation("console", "local", "console", user, f"User {user}", text)


async def open_connections(dispatcher: Dispatcher) -> None:
    """Fill the pool first, so that the racing commands really run side by side."""
    await asyncio.gather(*(dispatcher.dispatch(typed("admin", "whoami")) for _ in range(4)))


async def test_an_invite_code_redeemed_at_the_same_time_works_once(world: World) -> None:
    invite = await ok(world.admin, "invite FR-OCLCTIC --role liaison")
    code = invite.lines[-1].removeprefix("join ")
    dispatcher = world.chat.dispatcher
    before = await db_state(dispatcher.sessions)
    await open_connections(dispatcher)
    replies = await asyncio.gather(
        *(dispatcher.dispatch(typed(f"racer-{i}", f"join {code}")) for i in range(3))
    )
    assert sorted(r.tone for r in replies) == [Tone.ERROR, Tone.ERROR, Tone.OK]
    assert all("already been used" in r.title for r in replies if r.tone == Tone.ERROR)
    after = await db_state(dispatcher.sessions)
    assert after.counts["member"] == before.counts["member"] + 1


async def test_tasks_added_at_the_same_time_get_consecutive_numbers(world: World) -> None:
    dispatcher = world.chat.dispatcher
    await open_connections(dispatcher)
    replies = await asyncio.gather(
        *(
            dispatcher.dispatch(typed("admin", f'task add PANGEA-18 "Parallel {i}" --to ES-UCO'))
            for i in range(4)
        )
    )
    assert [r.tone for r in replies] == [Tone.OK] * 4, [r.title for r in replies]
    assert sorted(r.title for r in replies) == [f"Task PANGEA-18#{n} added." for n in (3, 4, 5, 6)]


async def test_the_same_operation_created_twice_at_once_is_a_conflict(world: World) -> None:
    dispatcher = world.chat.dispatcher
    await open_connections(dispatcher)
    replies = await asyncio.gather(
        *(
            dispatcher.dispatch(typed("admin", 'op new TWIN-1 "Twin" --lead FR-OCLCTIC'))
            for _ in range(3)
        )
    )
    titles = sorted(r.title for r in replies)
    assert (
        titles
        == ["Operation TWIN-1 created."] + ["The operation code TWIN-1 is already taken."] * 2
    ), titles


# --- the reply carries the reader's language direction -----------------------------------------


async def test_reply_to_an_arabic_reader_is_right_to_left(world: World) -> None:
    reader = await world.member("liaison", "AE-DXB")
    await ok(reader, "whoami")
    assert reader.reply.rtl is True
    await ok(world.admin, "whoami")
    assert world.admin.reply.rtl is False


@pytest.mark.parametrize(
    "line",
    [
        "task add PANGEA-18",  # usage error
        "op show PANGEA-18",  # need-to-know
        'status PANGEA-18 "x"',  # role
        "tsak",  # unknown command
    ],
)
async def test_refusals_to_an_arabic_reader_are_right_to_left(world: World, line: str) -> None:
    reader = await world.member("liaison", "AE-DXB")
    await reader.says(line)
    assert reader.reply.tone == Tone.ERROR
    assert reader.reply.rtl is True, reader.reply.title
