"""Read command lines from a terminal or a script, print plain-text replies."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import TextIO

from prompt_toolkit import PromptSession
from prompt_toolkit.input import Input
from prompt_toolkit.output import Output

from adapters.console import prompt
from adapters.console.completion import CommandCompleter
from bot import bidi
from bot.codes import Codes, known_codes
from bot.context import Invocation
from bot.dispatcher import Dispatcher
from bot.i18n import N_, Translator
from bot.reply import Item, Reply, Tone, UserText, one_line, quoted_lines
from bot.runtime import LOCAL_ADMIN, LOCAL_ADMIN_NAME

PROMPT = "jointops> "
WELCOME = N_("jointops console: you are the local administrator. Type help, or quit to leave.")
QUIT = {"quit", "exit", "\\q"}
QUOTE = "│ "  # what starts every line of a person's own words (bot.reply's one rule)
EXPORTS = Path("exports")  # where a reply's file (an export) is written, from the working directory


def render(reply: Reply) -> str:
    """A reply as plain text; buttons become the commands they would run. A right-to-left
    reply has its values isolated and each line marked (bot.bidi)."""
    rtl, reply = reply.rtl, bidi.directed(reply)
    _ = Translator(reply.language).gettext  # the console's own words, in the reply's language
    lines: list[str] = []
    if reply.tlp:
        lines.append(f"TLP:{reply.tlp}")
    if reply.title:
        title = one_line(reply.title)
        lines.append(_("Error:") + " " + title if reply.tone == Tone.ERROR else title)
    lines.extend(f"  {one_line(f.label)}: {one_line(f.value)}" for f in reply.fields)
    lines.extend(_line(line) for line in reply.lines)
    lines.extend(_items(reply.items))
    for section in reply.sections:
        lines.append(one_line(section.heading))
        lines.extend(_line(line, indent="  ") for line in section.lines)
        lines.extend(_items(section.items))
    if reply.usage:
        lines.append(one_line(reply.usage))
    if reply.buttons:
        lines.append(_("Next:") + " " + " | ".join(b.command for b in reply.buttons))
    text = "\n".join(lines)
    return bidi.mark(text) if rtl else text


def _line(text: str, indent: str = "") -> str:
    """One line of the bot's, or a person's words with the quote bar on each of their lines."""
    if isinstance(text, UserText):
        return "\n".join(indent + QUOTE + line for line in quoted_lines(text))
    return indent + one_line(text)


def _save(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


def _items(items: list[Item]) -> list[str]:
    lines: list[str] = []
    for item in items:
        lines.append(f"- {one_line(item.text)}")
        if item.buttons:
            lines.append("    → " + " | ".join(one_line(b.command) for b in item.buttons))
    return lines


class ConsoleAdapter:
    """One terminal user, the local administrator, in the chat `console`: a prompt with line
    editing, history and completion on a terminal; one reply per line of a script."""

    def __init__(
        self,
        dispatcher: Dispatcher,
        stdin: TextIO,
        stdout: TextIO,
        *,
        history: Path = prompt.HISTORY,
        exports: Path = EXPORTS,
    ) -> None:
        self.dispatcher = dispatcher
        self.exports = exports
        self.stdin = stdin
        self.stdout = stdout
        self.history = history
        self.codes = Codes()  # what completion offers; read again after every command
        self.session: PromptSession[str] | None = None  # the prompt, while it runs

    async def handle(self, line: str) -> str:
        """Run one command line and return the printed reply."""
        platform, workspace, user = LOCAL_ADMIN
        reply = await self.dispatcher.dispatch(
            Invocation(
                platform=platform,
                workspace=workspace,
                chat_id="console",
                user_id=user,
                user_name=LOCAL_ADMIN_NAME,
                text=line,
                chat_title="console",
            )
        )
        if reply.attachment is None:
            return render(reply)
        path = self.exports / Path(reply.attachment.filename).name
        await asyncio.to_thread(_save, path, reply.attachment.data)
        saved = Translator(reply.language).gettext("Saved as {path}.", path=str(path))
        return render(reply) + "\n" + (bidi.mark(saved) if reply.rtl else saved)

    async def run(self, *, interactive: bool) -> None:
        """Serve until end of input or `quit`: the prompt on a terminal, else a script, which
        gets one reply per line."""
        if interactive:
            await self.prompt()
            return
        while True:
            line = await asyncio.to_thread(self.stdin.readline)
            if not line:
                break
            text = line.strip()
            if not text or text.startswith("#"):
                continue
            if text.lower() in QUIT:
                break
            self._write(f"> {text}\n")
            self._write(await self.handle(text) + "\n\n")

    async def prompt(self, *, input: Input | None = None, output: Output | None = None) -> None:
        """The interactive prompt until `quit` or end of input (Ctrl-D); Ctrl-C drops the
        line being typed. `input`/`output` default to the terminal."""
        completer = CommandCompleter(self.dispatcher.registry, lambda: self.codes)
        session = prompt.session(completer, history=self.history, input=input, output=output)
        self.session = session
        prompt.show(session, Translator(self.dispatcher.defaults.language).gettext(WELCOME) + "\n")
        await self._refresh_codes()
        while True:
            try:
                line = await session.prompt_async(PROMPT)
            except KeyboardInterrupt:
                continue
            except EOFError:
                break
            text = line.strip()
            if not text or text.startswith("#"):
                continue
            if text.lower() in QUIT:
                break
            prompt.show(session, await self.handle(text) + "\n")
            await self._refresh_codes()

    async def _refresh_codes(self) -> None:
        platform, workspace, user = LOCAL_ADMIN
        self.codes = await known_codes(
            self.dispatcher.sessions, platform=platform, workspace=workspace, user_id=user
        )

    def _write(self, text: str) -> None:
        self.stdout.write(text)
        self.stdout.flush()
