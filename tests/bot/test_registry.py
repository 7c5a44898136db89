"""The registry: declaring commands, their usage lines, and resolving a line to a command."""

from __future__ import annotations

from typing import Any

import pytest

from bot.commands import REGISTRY
from bot.context import Context
from bot.parser import UsageError, tokenize
from bot.registry import Command, Kind, Param, Registry
from bot.reply import Reply
from operations.acting import Action


async def _noop(ctx: Context, args: dict[str, Any]) -> Reply:
    return Reply(title="ok")


@pytest.fixture
def registry() -> Registry:
    reg = Registry()
    reg.command("help", Param("COMMAND", Kind.WORD, required=False), summary="Help.", public=True)(
        _noop
    )
    reg.command("summary", Param("CODE", Kind.OPERATION, required=False), summary="Sum.")(_noop)
    for sub in ("add", "list", "done"):
        reg.command(f"task {sub}", Param("REF", Kind.TASK), summary=f"Task {sub}.")(_noop)
    reg.command("op new", summary="New.", action=Action.CREATE_OPERATION, aliases=("operation",))(
        _noop
    )
    return reg


def resolve(registry: Registry, line: str) -> tuple[str, list[str]]:
    command, rest = registry.resolve(tokenize(line))
    return command.path, [t.text for t in rest]


# --- declaring ---------------------------------------------------------------------------------


def test_param_usage_by_kind() -> None:
    assert Param("CODE", Kind.OPERATION).usage() == "CODE"
    assert Param("title", Kind.TEXT).usage() == '"title"'
    assert Param("AGENCY", Kind.AGENCY, flag="to").usage() == "--to AGENCY"
    assert Param("WHEN", Kind.WHEN, flag="due", required=False).usage() == "[--due WHEN]"
    assert Param("mine", Kind.SWITCH, flag="mine", required=False).usage() == "[--mine]"
    assert Param("CODE", Kind.WORD, required=False).usage() == "[CODE]"


def test_param_key_is_the_flag_or_name_in_snake_case() -> None:
    assert Param("AGENCY", Kind.AGENCY, flag="to").key == "to"
    assert Param("Name", Kind.TEXT).key == "name"
    assert Param("X", Kind.WORD, flag="dry-run").key == "dry_run"


def test_command_usage_joins_path_and_params() -> None:
    [task_add] = [c for c in REGISTRY.group("task") if c.sub == "add"]
    assert task_add.usage() == (
        'task add CODE "title" --to AGENCY [--due WHEN] [--priority P] [--tlp LEVEL]'
        ' [--details "..."]'
    )
    assert task_add.path == "task add"


def test_declaring_the_same_path_twice_fails(registry: Registry) -> None:
    with pytest.raises(ValueError, match="task add"):
        registry.command("task add", summary="Again.")(_noop)


def test_a_command_declares_its_action_and_none_means_no_permission_needed(
    registry: Registry,
) -> None:
    [op_new] = registry.group("op")
    assert op_new.action == Action.CREATE_OPERATION
    assert registry.group("summary")[0].action is None


def test_names_group_and_all_keep_declaration_order_without_aliases(registry: Registry) -> None:
    assert registry.names() == ["help", "summary", "task", "op"]
    assert [c.sub for c in registry.group("TASK")] == ["add", "list", "done"]
    assert [c.path for c in registry.all()] == [
        "help",
        "summary",
        "task add",
        "task list",
        "task done",
        "op new",
    ]
    assert registry.group("operation") == []  # an alias is no group of its own


# --- resolving ---------------------------------------------------------------------------------


def test_resolves_command_and_subcommand(registry: Registry) -> None:
    assert resolve(registry, "task done PANGEA-18#1") == ("task done", ["PANGEA-18#1"])


def test_resolves_a_command_without_subcommands(registry: Registry) -> None:
    assert resolve(registry, "summary PANGEA-18") == ("summary", ["PANGEA-18"])
    assert resolve(registry, "help task add") == ("help", ["task", "add"])


def test_leading_slash_and_case_are_ignored(registry: Registry) -> None:
    assert resolve(registry, "/Task DONE x#1") == ("task done", ["x#1"])


def test_alias_resolves_to_the_same_command(registry: Registry) -> None:
    assert resolve(registry, "operation new") == ("op new", [])


def test_empty_line_asks_for_a_command(registry: Registry) -> None:
    with pytest.raises(UsageError, match="help"):
        registry.resolve([])


def test_unknown_command_suggests_the_closest(registry: Registry) -> None:
    with pytest.raises(UsageError) as caught:
        registry.resolve(tokenize("tsak add"))
    assert caught.value.values == {"name": "tsak", "suggestion": "task"}


def test_unknown_command_without_a_close_one_points_to_help(registry: Registry) -> None:
    with pytest.raises(UsageError) as caught:
        registry.resolve(tokenize("xyzzy"))
    assert caught.value.values == {"name": "xyzzy"}
    assert "help" in caught.value.message


def test_unknown_subcommand_suggests_the_closest(registry: Registry) -> None:
    with pytest.raises(UsageError) as caught:
        registry.resolve(tokenize("task dne x#1"))
    assert caught.value.values["sub"] == "dne"
    assert caught.value.values["suggestion"] == "done"


def test_missing_subcommand_names_the_group_to_list(registry: Registry) -> None:
    with pytest.raises(UsageError) as caught:
        registry.resolve(tokenize("task"))
    assert caught.value.group == "task"
    assert caught.value.usage is None


def test_an_argument_where_the_subcommand_goes_names_the_group_to_list(
    registry: Registry,
) -> None:
    with pytest.raises(UsageError) as caught:
        registry.resolve(tokenize("task PANGEA-18#1"))
    assert caught.value.group == "task"
    assert caught.value.values == {"name": "task", "sub": "PANGEA-18#1"}  # as typed


def test_a_close_subcommand_shows_the_usage_of_that_one(registry: Registry) -> None:
    with pytest.raises(UsageError) as caught:
        registry.resolve(tokenize("TASK DNE x#1"))
    assert caught.value.values["sub"] == "DNE"
    assert caught.value.usage == "task done REF"


def test_quoted_word_is_never_a_subcommand(registry: Registry) -> None:
    with pytest.raises(UsageError):
        registry.resolve(tokenize('task "add"'))


# --- the real registry -------------------------------------------------------------------------


def test_every_command_of_the_design_is_declared() -> None:
    paths = {c.path for c in REGISTRY.all()}
    design = {
        "help",
        "whoami",
        "join",
        "invite",
        "agency add",
        "agency list",
        "link",
        "op new",
        "op list",
        "op show",
        "op join",
        "op close",
        "task add",
        "task list",
        "task start",
        "task done",
        "task reopen",
        "task block",
        "task assign",
        "task due",
        "status",
        "summary",
    }
    assert design <= paths


@pytest.mark.parametrize("command", REGISTRY.all(), ids=lambda c: c.path)
def test_every_command_has_a_summary_and_unique_param_keys(command: Command) -> None:
    assert command.summary.endswith(".")
    keys = [p.key for p in command.params]
    assert len(keys) == len(set(keys))
    for param in command.params:
        if param.kind == Kind.CHOICE:
            assert param.choices
        if param.kind == Kind.SWITCH:
            assert param.flag and not param.required


@pytest.mark.parametrize("command", REGISTRY.all(), ids=lambda c: c.path)
def test_every_command_resolves_from_its_own_usage(command: Command) -> None:
    resolved, _ = REGISTRY.resolve(tokenize(command.path))
    assert resolved is command


def test_only_help_start_and_join_are_public() -> None:
    assert {c.path for c in REGISTRY.all() if c.public} == {"help", "start", "join"}
