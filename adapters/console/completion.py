"""Tab completion at the console prompt: commands, subcommands and flags from the registry,
values from each parameter's kind (choices, and the codes known in the database)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator

from prompt_toolkit.completion import CompleteEvent, Completer, Completion
from prompt_toolkit.document import Document

from bot.codes import Codes
from bot.registry import Command, Kind, Param, Registry


class CommandCompleter(Completer):
    """Completes the word under the cursor; `codes` gives the codes known now."""

    def __init__(self, registry: Registry, codes: Callable[[], Codes]) -> None:
        self.registry = registry
        self.codes = codes

    def get_completions(
        self, document: Document, complete_event: CompleteEvent
    ) -> Iterator[Completion]:
        text = document.text_before_cursor
        if text.count('"') % 2:  # inside quotes: someone's words, nothing to complete
            return
        words = text.split()
        current = "" if not text or text[-1].isspace() else words.pop()
        for word in sorted(set(self.candidates(words, current)), key=_order):
            if word.lower().startswith(current.lower()) and word != current:
                yield Completion(word, start_position=-len(current))

    def candidates(self, before: list[str], current: str) -> Iterable[str]:
        """What may stand where `current` is typed, after the words `before` it."""
        if not before:
            return self.registry.names()
        group = self.registry.commands.get(before[0].lower().lstrip("/"), {})
        subs = [s for s in group if s]
        if len(before) == 1 and subs and not current.startswith("-"):
            command = group.get(None)
            values = self._values(command.params[0]) if command and command.params else []
            return [*subs, *values]
        if len(before) > 1 and before[1].lower() in group:
            command, rest = group[before[1].lower()], before[2:]
        elif None in group:
            command, rest = group[None], before[1:]
        else:
            return []
        return self._after(command, rest, current)

    def _after(self, command: Command, rest: list[str], current: str) -> Iterable[str]:
        """Flags, or the values of the parameter the cursor is on."""
        flags = {p.flag: p for p in command.params if p.flag}
        positional = [p for p in command.params if p.flag is None]
        used: set[str] = set()
        position, waiting = 0, None
        for word in rest:
            if waiting is not None:
                waiting = None
            elif word.startswith("--") and word[2:].lower() in flags:
                param = flags[word[2:].lower()]
                used.add(word[2:].lower())
                waiting = None if param.kind == Kind.SWITCH else param
            else:
                position += 1
        if waiting is not None:
            return self._values(waiting)
        if current.startswith("-"):
            return [f"--{flag}" for flag in flags if flag not in used]
        if command.name == "help":  # help COMMAND SUB: the commands themselves
            if position == 0:
                return self.registry.names()
            group = self.registry.commands.get(rest[0].lower(), {}) if rest else {}
            return [s for s in group if s] if position == 1 else []
        if position < len(positional):
            return self._values(positional[position])
        return []

    def _values(self, param: Param) -> list[str]:
        codes = self.codes()
        if param.kind == Kind.AGENCY:
            return list(codes.agencies)
        if param.kind == Kind.OPERATION:
            return list(codes.operations)
        if param.kind == Kind.TASK:
            return list(codes.tasks)
        if param.kind == Kind.WORD and "|" in param.name:  # reminders CODE|REF
            return [*codes.operations, *codes.tasks]
        return [str(choice) for choice in param.choices]


def _order(word: str) -> tuple[bool, str]:
    """Declaration order aside, alphabetical; a task's references in number order."""
    code, _, number = word.partition("#")
    return (word.startswith("--"), f"{code}#{number.zfill(7)}" if number else word)
