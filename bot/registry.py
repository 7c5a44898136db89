"""Commands declared once: name, typed parameters, action, help text and handler."""

from __future__ import annotations

import difflib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from bot.i18n import N_
from bot.parser import Token, UsageError, unmarked
from operations.acting import Action

if TYPE_CHECKING:
    from bot.context import Context
    from bot.reply import Reply

Handler = Callable[["Context", dict[str, Any]], Awaitable["Reply"]]


class Kind(StrEnum):
    """What a parameter holds; decides how it is read and shown in usage."""

    AGENCY = "agency"
    OPERATION = "operation"
    TASK = "task"
    WHEN = "when"
    DURATION = "duration"
    CHOICE = "choice"
    TEXT = "text"
    WORD = "word"
    CLOCK = "clock"
    SWITCH = "switch"


@dataclass(frozen=True, slots=True)
class Param:
    """A positional parameter (no flag) or a `--flag value` option."""

    name: str
    kind: Kind
    flag: str | None = None
    required: bool = True
    choices: tuple[str, ...] = ()
    max_length: int | None = None
    help: str = ""

    @property
    def key(self) -> str:
        """Name under which the handler receives the value."""
        return (self.flag or self.name).lower().replace("-", "_")

    def usage(self) -> str:
        if self.kind == Kind.SWITCH:
            text = f"--{self.flag}"
        elif self.flag:
            text = f"--{self.flag} {self.name}"
        elif self.kind == Kind.TEXT:
            text = f'"{self.name}"'
        elif self.kind == Kind.CHOICE and len(self.choices) <= 3:
            text = "|".join(self.choices)
        else:
            text = self.name
        return text if self.required else f"[{text}]"


@dataclass(frozen=True)
class Command:
    """One command (or subcommand) of the grammar."""

    name: str
    sub: str | None
    params: tuple[Param, ...]
    summary: str
    handler: Handler
    action: Action | None = None  # what it does, for the acting policy; None: any member may
    public: bool = False  # strangers may run it too
    private: bool = False  # answered to the asker alone (codes, personal details)
    aliases: tuple[str, ...] = ()
    # four eyes: whether, with these arguments, it waits for a second person's approval in an
    # operation with four eyes on (bot.holding); None: never held
    held: Callable[[dict[str, Any]], bool] | None = None

    @property
    def path(self) -> str:
        return f"{self.name} {self.sub}" if self.sub else self.name

    def usage(self) -> str:
        return " ".join([self.path, *(p.usage() for p in self.params)])


@dataclass
class Registry:
    """Every command, by name and subcommand, in declaration order."""

    commands: dict[str, dict[str | None, Command]] = field(default_factory=dict)

    def command(
        self,
        path: str,
        *params: Param,
        summary: str,
        action: Action | None = None,
        public: bool = False,
        private: bool = False,
        aliases: tuple[str, ...] = (),
        held: Callable[[dict[str, Any]], bool] | None = None,
    ) -> Callable[[Handler], Handler]:
        """Decorator declaring a handler as the command `path` ("task add")."""
        name, _, sub = path.partition(" ")

        def register(handler: Handler) -> Handler:
            command = Command(
                name=name,
                sub=sub or None,
                params=params,
                summary=summary,
                handler=handler,
                action=action,
                public=public,
                private=private,
                aliases=aliases,
                held=held,
            )
            group = self.commands.setdefault(name, {})
            if command.sub in group:
                raise ValueError(f"command declared twice: {path}")
            group[command.sub] = command
            for alias in aliases:
                self.commands.setdefault(alias, {})[command.sub] = command
            return handler

        return register

    def names(self) -> list[str]:
        """Top-level command names (without aliases)."""
        return [n for n, group in self.commands.items() if any(c.name == n for c in group.values())]

    def group(self, name: str) -> list[Command]:
        return [c for c in self.commands.get(name.lower(), {}).values() if c.name == name.lower()]

    def all(self) -> list[Command]:
        return [c for name in self.names() for c in self.group(name)]

    def resolve(self, tokens: list[Token]) -> tuple[Command, list[Token]]:
        """The command named by the first one or two tokens, and the remaining tokens."""
        if not tokens:
            raise UsageError(N_("Type a command, or help to see them all."))
        head = tokens[0].text.lower().lstrip("/")
        group = self.commands.get(head)
        if group is None:
            close = difflib.get_close_matches(head, list(self.commands), n=1, cutoff=0.6)
            if close:
                raise UsageError(
                    N_("Unknown command {name}. Did you mean {suggestion}?"),
                    name=head,
                    suggestion=close[0],
                )
            raise UsageError(
                N_("Unknown command {name}. Type help to see the commands."), name=head
            )
        if None in group and (len(group) == 1 or len(tokens) < 2 or tokens[1].is_flag):
            return group[None], tokens[1:]
        typed = tokens[1].text if len(tokens) > 1 and not tokens[1].quoted else ""
        sub = typed.lower()
        if sub in group:
            return group[sub], tokens[2:]
        if None in group:
            return group[None], tokens[1:]
        subs = [s for s in group if s]
        close = difflib.get_close_matches(sub, subs, n=1, cutoff=0.5) if sub else []
        if close:
            raise UsageError(
                N_("Unknown subcommand {name} {sub}. Did you mean {name} {suggestion}?"),
                name=head,
                sub=typed,
                suggestion=close[0],
                usage=group[close[0]].usage(),
            )
        if sub.isalpha():
            raise UsageError(
                N_("{name} has no subcommand {sub}; use one of these:"),
                name=head,
                sub=typed,
                group=head,
            )
        if typed:  # an argument where the subcommand goes: "task PANGEA-18#1"
            raise UsageError(
                N_("{name} needs a subcommand before {sub}, one of these:"),
                name=head,
                sub=typed,
                group=head,
            )
        raise UsageError(N_("{name} needs a subcommand, one of these:"), name=head, group=head)

    def guess(self, line: str) -> Command | None:
        """The command a line seems to start with, even if the rest cannot be read."""
        words = unmarked(line).split()
        if not words:
            return None
        group = self.commands.get(words[0].lower().lstrip("/"), {})
        if len(words) > 1 and words[1].lower() in group:
            return group[words[1].lower()]
        return group.get(None)
