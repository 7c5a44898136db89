"""Turn the tokens after a command into typed arguments, as its parameters declare."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bot import when
from bot.i18n import N_
from bot.parser import Token, UsageError
from bot.registry import Command, Kind, Param
from operations import validation

_TASK_REF = re.compile(r"([A-Za-z0-9][A-Za-z0-9-]{1,23})#([0-9]{1,7})")
_CLOCK = re.compile(r"([01]?[0-9]|2[0-3]):([0-5][0-9])")
_WHEN_WORDS = 3  # an unquoted WHEN may run over this many words: "in 2 hours", "tomorrow 06:00"


@dataclass(frozen=True, slots=True)
class TaskRef:
    """A task reference such as PANGEA-18#12."""

    code: str
    number: int

    def __str__(self) -> str:
        return f"{self.code}#{self.number}"


def parse_task_ref(text: str) -> TaskRef:
    match = _TASK_REF.fullmatch(text.strip())
    if not match:
        raise UsageError(N_("{value} is not a task reference (like PANGEA-18#12)."), value=text)
    return TaskRef(validation.operation_code(match[1]), int(match[2]))


def read_duration(text: str) -> timedelta:
    """A duration as typed (90m, 4h, 1d), or a UsageError saying why not."""
    try:
        return when.parse_duration(text)
    except when.WhenError as exc:  # the reason keeps its msgid: shown in the reader's language
        raise UsageError(
            N_("Cannot read the duration {value}: {reason}."), value=text, reason=exc.reason
        ) from None


def _convert(param: Param, text: str, *, now: datetime, tz: ZoneInfo) -> Any:
    kind = param.kind
    if kind == Kind.AGENCY:
        return validation.agency_code(text)
    if kind == Kind.OPERATION:
        return validation.operation_code(text)
    if kind == Kind.TASK:
        return parse_task_ref(text)
    if kind == Kind.WHEN:
        if text.strip().lower() in param.choices:  # a word a WHEN may be instead ("off")
            return text.strip().lower()
        try:
            return when.parse_when(text, now=now, tz=tz)
        except when.WhenError as exc:  # the reason, as above, is translated when shown
            raise UsageError(
                N_("Cannot read the time {value}: {reason}."), value=text, reason=exc.reason
            ) from None
    if kind == Kind.DURATION:
        return read_duration(text)
    if kind == Kind.CHOICE:
        for choice in param.choices:
            if text.strip().lower() == choice.lower():
                return choice
        raise UsageError(
            N_("{value} is not one of: {choices}."), value=text, choices=", ".join(param.choices)
        )
    if kind == Kind.CLOCK:
        match = _CLOCK.fullmatch(text.strip())
        if not match:
            raise UsageError(N_("{value} is not a time of day (like 08:00)."), value=text)
        return f"{int(match[1]):02d}:{match[2]}"
    if kind == Kind.TEXT:
        return validation.text(param.key, text, max_length=param.max_length or 3000, multiline=True)
    return text


def _take_when(tokens: list[Token], start: int, *, now: datetime, tz: ZoneInfo) -> int:
    """How many tokens from `start` make the longest readable unquoted WHEN (at least 1)."""
    if tokens[start].quoted:
        return 1
    best = 1
    for count in range(2, _WHEN_WORDS + 1):
        part = tokens[start : start + count]
        if len(part) < count or any(t.quoted or t.is_flag for t in part):
            break
        try:
            when.parse_when(" ".join(t.text for t in part), now=now, tz=tz)
        except when.WhenError:
            continue
        best = count
    return best


def bind(command: Command, tokens: list[Token], *, now: datetime, tz: ZoneInfo) -> dict[str, Any]:
    """Typed arguments by parameter key; UsageError or Invalid names what is wrong."""
    positional = [p for p in command.params if p.flag is None]
    flags = {p.flag: p for p in command.params if p.flag is not None}
    args: dict[str, Any] = {
        p.key: (False if p.kind == Kind.SWITCH else None) for p in command.params
    }
    seen: set[str] = set()
    position, i = 0, 0
    while i < len(tokens):
        token = tokens[i]
        if token.is_flag:
            name = token.text[2:].lower()
            param = flags.get(name)
            if param is None:
                raise UsageError(N_("Unknown option --{flag}."), flag=name)
            if name in seen:
                raise UsageError(N_("Option --{flag} is given twice."), flag=name)
            seen.add(name)
            if param.kind == Kind.SWITCH:
                args[param.key] = True
                i += 1
                continue
            if i + 1 >= len(tokens) or tokens[i + 1].is_flag:
                raise UsageError(
                    N_("Option --{flag} needs a value ({name})."), flag=name, name=param.name
                )
            i += 1
        else:
            if position >= len(positional):
                if any(p.kind == Kind.TEXT for p in positional):
                    raise UsageError(
                        N_("Unexpected argument: {value}. Put text with spaces in quotes."),
                        value=token.text,
                    )
                raise UsageError(N_("Unexpected argument: {value}."), value=token.text)
            param = positional[position]
            position += 1
        count = _take_when(tokens, i, now=now, tz=tz) if param.kind == Kind.WHEN else 1
        text = " ".join(t.text for t in tokens[i : i + count])
        args[param.key] = _convert(param, text, now=now, tz=tz)
        i += count
    for param in positional[position:]:
        if param.required and param.kind == Kind.CHOICE:  # named by its choices, as usage shows
            raise UsageError(N_("Missing one of: {choices}."), choices=", ".join(param.choices))
        if param.required:
            raise UsageError(N_("Missing {name}."), name=param.usage())
    for param in flags.values():
        if param.required and param.flag not in seen:
            raise UsageError(N_("Missing --{flag} {name}."), flag=str(param.flag), name=param.name)
    return args
