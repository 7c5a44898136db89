"""Completion at the console prompt, through prompt_toolkit's own completion machinery."""

from __future__ import annotations

import pytest
from prompt_toolkit.completion import CompleteEvent
from prompt_toolkit.document import Document

from adapters.console.completion import CommandCompleter
from bot.codes import Codes
from bot.commands import REGISTRY

CODES = Codes(
    agencies=("ES-UCO", "FR-OCLCTIC"),
    operations=("PANGEA-18",),
    tasks=("PANGEA-18#1", "PANGEA-18#2", "PANGEA-18#10"),
)


def completions(line: str, codes: Codes = CODES) -> list[str]:
    completer = CommandCompleter(REGISTRY, lambda: codes)
    found = completer.get_completions(Document(line), CompleteEvent(completion_requested=True))
    return [c.text for c in found]


def completed(line: str) -> str:
    """The line after taking the first completion offered."""
    [first, *_] = CommandCompleter(REGISTRY, lambda: CODES).get_completions(
        Document(line), CompleteEvent(completion_requested=True)
    )
    return line[: len(line) + first.start_position] + first.text


def test_a_command_name_completes() -> None:
    assert completions("ta") == ["task"]
    assert completed("ta") == "task"
    assert set(completions("")) == set(REGISTRY.names())


def test_a_subcommand_completes() -> None:
    assert completions("task a") == ["add", "assign"]
    assert completed("task a") == "task add"
    assert completions("op s") == ["show", "start", "suspend"]


def test_flags_complete_from_the_command_and_are_not_offered_twice() -> None:
    offered = completions('task add PANGEA-18 "Raid" --to ES-UCO --')
    assert {"--due", "--priority", "--tlp"} <= set(offered)
    assert "--to" not in offered
    assert "--to" in completions('task add PANGEA-18 "Raid" --')


def test_a_flags_value_completes_from_its_choices_or_codes() -> None:
    assert completions('task add PANGEA-18 "Raid" --to ') == ["ES-UCO", "FR-OCLCTIC"]
    assert completions('task add PANGEA-18 "Raid" --to fr') == ["FR-OCLCTIC"]
    assert completions('status PANGEA-18 "ok" --tlp AM') == ["AMBER", "AMBER+STRICT"]
    assert completions("digest o") == ["off", "on"]


def test_positional_codes_complete_in_their_place() -> None:
    assert completions("op show p") == ["PANGEA-18"]
    assert completions("op join PANGEA-18 ") == ["ES-UCO", "FR-OCLCTIC"]
    assert completions("task start PANGEA-18#1") == ["PANGEA-18#10"]
    assert completions("task start ") == ["PANGEA-18#1", "PANGEA-18#2", "PANGEA-18#10"]
    assert completions("op show PANGEA-18 ") == []  # nothing more to type


def test_help_completes_commands_and_their_subcommands() -> None:
    assert completions("help ta") == ["task"]
    assert completions("help task ad") == ["add"]


def test_nothing_is_completed_inside_someones_words() -> None:
    assert completions('status PANGEA-18 "the ta') == []


@pytest.mark.parametrize("command", REGISTRY.all(), ids=lambda c: c.path)
def test_every_commands_path_completes(command: object) -> None:
    name, _, sub = str(getattr(command, "path", "")).partition(" ")
    assert name in completions(name[:2]) or name[:2] == name
    if sub:
        assert sub in completions(f"{name} {sub[:1]}")
