"""Binding tokens to typed arguments as a command's parameters declare."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from bot.binding import TaskRef, bind, parse_task_ref
from bot.commands import REGISTRY
from bot.errors import describe
from bot.i18n import Translator
from bot.parser import UsageError, tokenize
from bot.registry import Command, Kind, Param
from bot.reply import Reply
from operations.errors import Invalid

NOW = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)
PARIS = ZoneInfo("Europe/Paris")


def command(path: str) -> Command:
    name, _, sub = path.partition(" ")
    [found] = [c for c in REGISTRY.group(name) if c.sub == (sub or None)]
    return found


def args_of(path: str, rest: str, tz: ZoneInfo = PARIS) -> dict[str, Any]:
    return bind(command(path), tokenize(rest), now=NOW, tz=tz)


def usage_error(path: str, rest: str) -> UsageError:
    with pytest.raises(UsageError) as caught:
        args_of(path, rest)
    return caught.value


async def _noop(ctx: Any, args: dict[str, Any]) -> Reply:
    return Reply()


def synthetic(*params: Param) -> Command:
    return Command(name="x", sub=None, params=params, summary="X.", handler=_noop)


# --- a whole command ---------------------------------------------------------------------------


def test_task_add_binds_every_kind_of_argument() -> None:
    args = args_of(
        "task add",
        'pangea-18 "Raid warehouse 4" --to fr-oclctic --due tomorrow 06:00 --priority HIGH --tlp amber+strict',
    )
    assert args == {
        "code": "PANGEA-18",
        "title": "Raid warehouse 4",
        "to": "FR-OCLCTIC",
        "due": datetime(2026, 11, 27, 5, 0, tzinfo=UTC),  # 06:00 in Paris
        "priority": "high",
        "tlp": "AMBER+STRICT",
        "details": None,
    }


def test_absent_optional_params_are_none_and_switches_false() -> None:
    assert args_of("task list", "PANGEA-18") == {
        "code": "PANGEA-18",
        "agency": None,
        "overdue": False,
        "mine": False,
    }
    assert args_of("task list", "PANGEA-18 --mine --OVERDUE")["overdue"] is True


def test_flags_may_come_before_positionals() -> None:
    args = args_of("task add", '--to ES-UCO PANGEA-18 "Trace payments"')
    assert (args["code"], args["title"], args["to"]) == ("PANGEA-18", "Trace payments", "ES-UCO")


def test_text_is_trimmed() -> None:
    assert args_of("status", 'PANGEA-18 "  all clear  "')["text"] == "all clear"


def test_an_unquoted_single_word_is_text_too() -> None:
    assert args_of("status", "PANGEA-18 ready")["text"] == "ready"


def test_task_ref_positional() -> None:
    assert args_of("task done", "pangea-18#12")["ref"] == TaskRef("PANGEA-18", 12)


# --- WHEN, the only parameter that may span words ----------------------------------------------


@pytest.mark.parametrize(
    ("rest", "due"),
    [
        ("--due tomorrow 06:00", datetime(2026, 11, 27, 5, 0, tzinfo=UTC)),
        ('--due "tomorrow 06:00"', datetime(2026, 11, 27, 5, 0, tzinfo=UTC)),
        ("--due in 2 hours", NOW + timedelta(hours=2)),
        ("--due in 2h", NOW + timedelta(hours=2)),
        ("--due 2026-12-01 18:00", datetime(2026, 12, 1, 17, 0, tzinfo=UTC)),
        ("--due 2026-12-01T18:00Z", datetime(2026, 12, 1, 18, 0, tzinfo=UTC)),
        ("--due friday", datetime(2026, 11, 27, 8, 0, tzinfo=UTC)),
    ],
)
def test_when_reads_as_many_words_as_make_a_time(rest: str, due: datetime) -> None:
    args = args_of("task add", f'PANGEA-18 "x" --to FR {rest} --priority low')
    assert args["due"] == due
    assert args["priority"] == "low"


def test_when_stops_before_a_word_that_is_not_part_of_it() -> None:
    error = usage_error("task due", "PANGEA-18#1 tomorrow 06:00 extra")
    assert error.values == {"value": "extra"}


def test_when_in_the_readers_timezone() -> None:
    utc = args_of("task due", "PANGEA-18#1 2026-12-01 18:00", tz=ZoneInfo("UTC"))["when"]
    paris = args_of("task due", "PANGEA-18#1 2026-12-01 18:00", tz=PARIS)["when"]
    assert utc - paris == timedelta(hours=1)


def test_unparseable_when_names_the_value_and_the_reason() -> None:
    error = usage_error("task due", "PANGEA-18#1 someday")
    assert error.values["value"] == "someday"
    assert "unknown time format" in error.values["reason"]


def test_impossible_date_is_refused() -> None:
    error = usage_error("task due", "PANGEA-18#1 2026-02-30")
    assert error.values["reason"] == "no such date: 2026-02-30"


def test_past_when_is_left_to_the_service() -> None:
    # binding reads times; whether the past is acceptable is the domain's decision
    assert args_of("task due", "PANGEA-18#1 2025-01-01T00:00Z")["when"].year == 2025


# --- refusals ----------------------------------------------------------------------------------


def test_missing_positional() -> None:
    assert usage_error("task add", "--to FR").values == {"name": "CODE"}


def test_missing_required_flag() -> None:
    assert usage_error("task add", 'PANGEA-18 "x"').values == {"flag": "to", "name": "AGENCY"}


def test_extra_positional() -> None:
    assert usage_error("op show", "PANGEA-18 PANGEA-19").values == {"value": "PANGEA-19"}


def test_unknown_flag() -> None:
    assert usage_error("op show", "PANGEA-18 --verbose").values == {"flag": "verbose"}


def test_flag_twice_even_in_other_case() -> None:
    error = usage_error("task add", 'PANGEA-18 "x" --to FR --TO ES')
    assert error.values == {"flag": "to"}
    assert "twice" in error.message


def test_switch_twice() -> None:
    assert "twice" in usage_error("task list", "PANGEA-18 --mine --mine").message


def test_flag_at_the_end_without_value() -> None:
    assert usage_error("task add", 'PANGEA-18 "x" --to').values == {"flag": "to", "name": "AGENCY"}


def test_flag_followed_by_a_flag_has_no_value() -> None:
    assert usage_error("task add", 'PANGEA-18 "x" --to --due x').values["flag"] == "to"


def test_quoted_double_dash_is_a_value_not_a_flag() -> None:
    assert args_of("status", 'PANGEA-18 "--tlp RED"')["text"] == "--tlp RED"


def test_invalid_choice_lists_the_choices() -> None:
    error = usage_error("task add", 'PANGEA-18 "x" --to FR --priority extreme')
    assert error.values["value"] == "extreme"
    assert error.values["choices"] == "low, normal, high, urgent"


def test_a_missing_choice_says_the_choices_not_the_parameters_name() -> None:
    error = usage_error("digest", "")
    assert describe(error, Translator("en")) == "Missing one of: on, off."


def test_an_invalid_choice_names_no_parameter() -> None:
    assert describe(usage_error("digest", "maybe"), Translator("en")) == (
        "maybe is not one of: on, off."
    )
    assert describe(usage_error("member role", "m2 chief"), Translator("en")) == (
        "chief is not one of: admin, coordinator, supervisor, liaison, observer."
    )


def test_bad_task_reference_shows_the_form() -> None:
    for text in (
        "PANGEA-18",
        "#1",
        "-BAD#1",
        "P#1",
        "PANGEA-18#",
        "PANGEA-18#x",
        "PANGEA-18#12345678",
    ):
        with pytest.raises(UsageError):
            parse_task_ref(text)
    with pytest.raises(UsageError) as caught:
        parse_task_ref("PANGEA-18/1")
    assert caught.value.values == {"value": "PANGEA-18/1"}
    assert "PANGEA-18#12" in caught.value.message


def test_bad_agency_code_is_invalid() -> None:
    with pytest.raises(Invalid) as caught:
        args_of("link", "F")
    assert (caught.value.field, caught.value.detail) == ("agency_code", {"value": "F"})


def test_text_over_its_maximum_is_invalid() -> None:
    with pytest.raises(Invalid) as caught:
        args_of("task add", f'PANGEA-18 "{"t" * 201}" --to FR')
    assert caught.value.reason == "too_long"
    assert caught.value.detail == {"max": "200", "length": "201"}


def test_empty_text_is_invalid() -> None:
    with pytest.raises(Invalid) as caught:
        args_of("status", 'PANGEA-18 ""')
    assert (caught.value.field, caught.value.reason) == ("text", "empty")


# --- kinds no current command uses -------------------------------------------------------------


def test_clock_kind() -> None:
    cmd = synthetic(Param("HH:MM", Kind.CLOCK, flag="at", required=False))
    assert bind(cmd, tokenize("--at 8:05"), now=NOW, tz=PARIS) == {"at": "08:05"}
    with pytest.raises(UsageError) as caught:
        bind(cmd, tokenize("--at 24:00"), now=NOW, tz=PARIS)
    assert caught.value.values == {"value": "24:00"}


def test_duration_kind() -> None:
    cmd = synthetic(Param("EVERY", Kind.DURATION))
    assert bind(cmd, tokenize("1h30m"), now=NOW, tz=PARIS) == {"every": timedelta(minutes=90)}
    with pytest.raises(UsageError) as caught:
        bind(cmd, tokenize("soon"), now=NOW, tz=PARIS)
    assert caught.value.values["value"] == "soon"


def test_word_kind_keeps_the_text_as_typed() -> None:
    cmd = synthetic(Param("CODE", Kind.WORD))
    assert bind(cmd, tokenize("abCD-ef"), now=NOW, tz=PARIS) == {"code": "abCD-ef"}


def test_optional_positional_may_be_left_out() -> None:
    cmd = synthetic(Param("A", Kind.WORD), Param("B", Kind.WORD, required=False))
    assert bind(cmd, tokenize("one"), now=NOW, tz=PARIS) == {"a": "one", "b": None}
