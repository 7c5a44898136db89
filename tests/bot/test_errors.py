"""The one error table: every typed error becomes one line a user can act on."""

from __future__ import annotations

import string

import pytest

from bot.errors import CONFLICTS, INVALID, TEXT_PROBLEMS, describe, error_reply
from bot.i18n import Translator
from bot.parser import UsageError
from bot.reply import Tone
from operations.acting import ACTING, Action
from operations.errors import (
    Conflict,
    DomainError,
    Invalid,
    InvalidTransition,
    NotFound,
    NotPermitted,
)

EN = Translator("en")


def test_usage_error_is_formatted_with_its_values() -> None:
    assert describe(UsageError("Missing {name}.", name="CODE"), EN) == "Missing CODE."


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (NotFound("agency", "XX-NOPE"), "No agency XX-NOPE."),
        (NotFound("operation", "NOPE-1"), "No operation NOPE-1."),
        (NotFound("task", "PANGEA-18#99"), "No task PANGEA-18#99."),
        (NotFound("channel", "42"), "No chat 42."),
        (NotFound("invite", "ABCD-EFGH-JKLM"), "No such invite code: ABCD-EFGH-JKLM."),
        (NotFound("gizmo", "G1"), "No gizmo G1."),
    ],
)
def test_not_found_names_the_kind_and_key(error: NotFound, expected: str) -> None:
    assert describe(error, EN) == expected


def test_not_permitted_names_who_may_and_the_lead_agency() -> None:
    error = NotPermitted(
        "op close", grants=ACTING[Action.RUN_OPERATION], operation="PANGEA-18", lead="GS"
    )
    assert describe(error, EN) == (
        "Only admins and coordinators of the lead agency GS may run op close on PANGEA-18."
    )


def test_not_permitted_for_another_agency() -> None:
    error = NotPermitted("link", grants=ACTING[Action.LINK_CHAT])
    assert describe(error, EN) == (
        "Only admins and coordinators and liaisons (their own agency only) may run link."
    )


def test_invalid_transition_says_the_current_state() -> None:
    error = InvalidTransition("task", "PANGEA-18#1", current="in_progress", target="open")
    assert describe(error, EN) == "Task PANGEA-18#1 is in progress; it cannot become open."


def test_invalid_transition_to_the_same_state() -> None:
    error = InvalidTransition("operation", "PANGEA-18", current="active", target="active")
    reason = describe(error, EN)
    assert "PANGEA-18" in reason and "active" in reason


@pytest.mark.parametrize(("kind", "reason"), list(CONFLICTS))
def test_every_conflict_names_its_key(kind: str, reason: str) -> None:
    text = describe(Conflict(kind, "KEY-1", reason=reason), EN)
    if (kind, reason) not in {("identity", "already_member"), ("channel", "not_linked")}:
        assert "KEY-1" in text
    assert "{" not in text


def test_unknown_conflict_still_reads() -> None:
    assert describe(Conflict("gizmo", "G1", reason="odd"), EN) == "G1 already exists."


# Detail each service passes with an Invalid; the table must use nothing more.
DETAILS = {
    ("agency_code", "format"): {"value": "F"},
    ("operation_code", "format"): {"value": "-X"},
    ("country", "unknown"): {"value": "XQ"},
    ("timezone", "unknown"): {"value": "Mars/Olympus"},
    ("language", "unknown"): {"value": "de"},
    ("lead", "required"): {},
    ("ends", "past"): {},
    ("due", "past"): {},
    ("assignee", "not_participating"): {"agency": "US-FDA", "operation": "PANGEA-18"},
    ("assignee", "unchanged"): {"agency": "FR-OCLCTIC"},
    ("assignee", "observer"): {"agency": "US-FDA", "operation": "PANGEA-18"},
    ("role", "lead_is_set"): {},
    ("invite_code", "format"): {},
    ("invite_code", "expired"): {"expired_at": "2026-11-29T10:00:00+00:00"},
    ("remind", "past"): {},
    ("cadence", "too_short"): {},
    ("role", "unchanged"): {"member": "m12", "role": "liaison"},
    ("role", "needs_agency"): {"member": "m1", "role": "liaison"},
    ("invite", "reference"): {"value": "x1"},
    ("agency", "nothing_to_change"): {"code": "ES-UCO"},
    ("agency", "unchanged"): {"code": "ES-UCO"},
    ("agency", "not_participating"): {"agency": "US-FDA", "operation": "PANGEA-18"},
    ("agency", "is_lead"): {"agency": "FR-OCLCTIC", "operation": "PANGEA-18"},
    ("agency", "has_open_tasks"): {"agency": "ES-UCO", "operation": "PANGEA-18", "count": "2"},
    ("due", "none"): {"ref": "PANGEA-18#1"},
    ("snooze", "not_assignee"): {"ref": "PANGEA-18#1", "agency": "ES-UCO"},
    ("count", "negative"): {"value": "-3"},
    ("count", "too_large"): {"value": "10000000000", "max": "999999999"},
    ("result_agency", "required"): {},
    ("result_agency", "observer"): {"agency": "GB-NCA", "operation": "PANGEA-18"},
    ("task", "nothing_to_change"): {"ref": "PANGEA-18#1"},
    ("task", "unchanged"): {"ref": "PANGEA-18#1"},
    ("ack", "not_requested"): {"key": "PANGEA-18 #1"},
    ("ack", "not_asked"): {"key": "PANGEA-18 #1", "agency": "US-FDA"},
    ("four_eyes", "unchanged"): {"value": "on", "operation": "PANGEA-18"},
}


def test_the_table_covers_exactly_the_known_invalid_cases() -> None:
    assert set(INVALID) == set(DETAILS)


@pytest.mark.parametrize("key", list(INVALID))
def test_every_invalid_message_fills_from_the_detail_given(key: tuple[str, str]) -> None:
    placeholders = {name for _, name, _, _ in string.Formatter().parse(INVALID[key]) if name}
    assert placeholders <= set(DETAILS[key])
    text = describe(Invalid(*key, **DETAILS[key]), EN)
    assert "{" not in text
    for name in placeholders:
        assert DETAILS[key][name] in text


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (Invalid("title", "empty"), "The title is empty."),
        (
            Invalid("title", "too_long", max="200", length="201"),
            "The title is too long: 201 characters, at most 200.",
        ),
        (
            Invalid("reason", "control_character", codepoint="U+0007"),
            "The reason contains a control character (U+0007).",
        ),
        (
            Invalid("text", "too_long_wide", max="3000", length="4200"),
            "The text is too long: 4200 characters, at most 3000 (an emoji counts as two).",
        ),
        (Invalid("title", "invisible"), "The title has no visible character."),
    ],
)
def test_text_problems_name_the_field(error: Invalid, expected: str) -> None:
    assert describe(error, EN) == expected


def test_every_text_problem_is_worded() -> None:
    assert set(TEXT_PROBLEMS) == {
        "empty",
        "too_long",
        "too_long_wide",
        "invisible",
        "control_character",
    }


def test_unknown_invalid_names_the_field_only() -> None:
    assert describe(Invalid("colour", "odd", value="secret"), EN) == "Invalid colour."


def test_a_bare_domain_error_still_reads() -> None:
    assert describe(DomainError("internal detail"), EN) == "That cannot be done."


def test_error_reply_is_a_private_error_with_usage() -> None:
    reply = error_reply(NotFound("agency", "XX"), EN, "link AGENCY")
    assert reply.tone == Tone.ERROR
    assert reply.private is True
    assert reply.title == "No agency XX."
    assert reply.usage == "Usage: link AGENCY"
    assert reply.text_lines() == ["No agency XX.", "Usage: link AGENCY"]


def test_error_reply_without_a_command_has_no_usage() -> None:
    assert error_reply(UsageError("Type a command."), EN, None).usage is None


def test_messages_never_show_the_exception_text() -> None:
    error = NotFound("agency", "XX")
    assert str(error) not in describe(error, EN)
