"""A whole conversation in French, Spanish and Arabic (issue 13 item 2): every command of the
registry, their errors, and every kind of delivery and reminder, read by people and chats of
that language. No message text may be left in English and no placeholder may be lost.

The conversation: the admin reads LANG (`me lang`) and registers LD, PT, OB and RM, whose
language is LANG (`--lang`, or `agency edit --lang`); their members read LANG; each agency has
a Telegram group linked (one of OB's, GONE, has lost the bot). OX, led by LD with PT and OB
(observer), goes through tasks, status updates, reminders of every kind, a suspension and a
forced close, while the clock moves on and the worker sends (GONE's messages fail for good).
The deployment's own language (JOINTOPS_LANGUAGE) is LANG too: someone redeeming an invite is
nobody yet when they send it, and is answered in that language.

What is verbatim by design (bot/locale/GLOSSARY.md "Never translated") is taken out of each
text first (`bare`); then no English word may be left (`english_words`: in Arabic no Latin word
of 3 letters or more; in every language no word of `vocabulary`, English words that no
translation uses), no long literal piece of an English message whose translation differs
(`english_pieces`), and no `{placeholder}`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from functools import cache
from typing import Any

import pytest
from babel.messages.pofile import read_po
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import FakeClock
from bot.commands import REGISTRY
from bot.delivery import FailureKind, Ready, SendFailure, Sent
from bot.dispatcher import Defaults, Dispatcher
from bot.i18n import LOCALE_DIR, Translator
from bot.limits import Limiter, MemorySlots
from bot.parser import tokenize
from bot.reminders import ReminderSweeper
from bot.reply import Reply, Tone, from_json
from bot.worker import DeliveryWorker
from operations.delivery.models import Delivery
from operations.events import EventKind
from tests.bot.conftest import SETUP, World
from tests.conftest import START, Person

H = timedelta(hours=1)
LANGUAGES = ("fr", "es", "ar")
GONE = "-gone"  # a chat the bot was removed from: its deliveries fail for good
GONE_REASON = "Forbidden: bot was kicked from the group chat"  # Telegram's words: verbatim
# every kind of message the outbox carries: one per event, a RED task's notice, the daily
# digest, the audit anchor (a new kind fails the test until the conversation produces it)
DELIVERY_KINDS = {*map(str, EventKind), "notice", "digest", "anchor", "release"}
ERRORS = {
    "usage",  # an argument missing
    "unknown command",
    "unknown subcommand",
    "subcommand needed",
    "not permitted",
    "not found",
    "unreadable WHEN",
    "bad choice",
    "state conflict",  # a task done twice
    "invalid value",
    "exists",
}


@pytest.fixture
def dispatcher(
    sessions: async_sessionmaker[AsyncSession], clock: FakeClock, language: str
) -> Dispatcher:
    """The dispatcher of a deployment whose own language (JOINTOPS_LANGUAGE) is LANG."""
    return Dispatcher(sessions, REGISTRY, clock=clock, defaults=Defaults(language=language))


# --- the conversation -------------------------------------------------------------------------


@dataclass
class Said:
    """One reply, the line that asked for it, and what in it is verbatim on purpose."""

    line: str
    reply: Reply
    verbatim: tuple[str, ...] = ()
    error: str | None = None  # the kind of error it shows


class FailingSender:
    """Telegram as far as the worker knows: every chat takes its messages but GONE."""

    platform = "telegram"

    def __init__(self) -> None:
        self.limiter = Limiter(MemorySlots())
        self.sent = 0

    async def send(self, chat_id: str, reply: Reply, *, ready: Ready | None = None) -> Sent:
        if chat_id == GONE:
            raise SendFailure(FailureKind.PERMANENT, GONE_REASON)
        self.sent += 1
        return Sent(str(self.sent))


class Conversation:
    """Everything said to people who read LANG, and what they typed (verbatim)."""

    def __init__(self, world: World, language: str) -> None:
        self.world = world
        self.language = language
        self.said: list[Said] = []
        # what people wrote (names, titles, notes...) and the world's own names: verbatim
        self.typed = {GONE, GONE_REASON, *(m for line in SETUP for m in _quoted(line))}

    async def ok(self, person: Person, line: str, *verbatim: str) -> Reply:
        self.typed.update(_quoted(line))
        await person.says(line)
        self.said.append(Said(line, person.reply, verbatim))
        assert person.reply.tone != Tone.ERROR, f"{line!r}: {person.reply.title}"
        return person.reply

    async def error(self, kind: str, person: Person, line: str, *verbatim: str) -> Reply:
        self.typed.update(_quoted(line))
        await person.says(line)
        self.said.append(Said(line, person.reply, verbatim, kind))
        assert person.reply.tone == Tone.ERROR, f"{line!r} was not refused"
        return person.reply

    def person(self, user_id: str, name: str, chat_id: str | None = None) -> Person:
        """Someone on Telegram, in private, or typing in the group `chat_id`."""
        self.typed.add(name)
        person = self.world.on_telegram(user_id, name)
        if chat_id is not None:
            person.chat_id, person.private_chat = chat_id, False
        return person

    async def member(self, user_id: str, name: str, agency: str, role: str) -> Person:
        """A member who joined with an invite of the admin's, and reads LANG."""
        person = self.person(user_id, name)
        invite = await self.ok(self.world.admin, f"invite {agency} --role {role}")
        await self.ok(person, f"join {_code(invite)}")
        await self.ok(person, f"me lang {self.language}")
        return person


def _quoted(line: str) -> list[str]:
    return re.findall(r'"([^"]*)"', line)


def _code(reply: Reply) -> str:
    """The code a reply tells someone to send with `join`."""
    for text in texts(reply):
        match = re.search(r"\bjoin \W?([A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4})\b", text)
        if match:
            return match[1]
    raise AssertionError(f"no code in {reply}")


def _refs(reply: Reply, pattern: str, near: str = "") -> list[str]:
    return [m for t in texts(reply) if near in t for m in re.findall(pattern, t)]


async def converse(world: World, language: str) -> tuple[list[Said], list[Delivery], set[str]]:
    """The whole conversation; what was said, every delivery, and what people typed."""
    c = Conversation(world, language)
    ok, error, admin, clock = c.ok, c.error, world.admin, world.clock
    sessions = world.chat.dispatcher.sessions

    # agencies of LANG, their people, their chats
    await ok(admin, f"me lang {language}")
    await ok(admin, f'agency add LD "Alfa Lima" --country FR --tz Europe/Paris --lang {language}')
    await ok(admin, 'agency add PT "Papa Kilo" --country ES --tz Europe/Madrid')
    await ok(admin, f"agency edit PT --lang {language}")
    await ok(admin, f'agency add OB "Oscar Bravo" --country AE --tz Asia/Dubai --lang {language}')
    await ok(admin, 'agency add RM "Romeo Mike" --country AR --tz America/Argentina/Buenos_Aires')
    await ok(admin, f'agency edit RM --name "Zulu Zeta" --lang {language}')
    await ok(admin, "agency list")
    lea = await c.member("lea", "Lea Quintana", "LD", "coordinator")
    ana = await c.member("ana", "Ana Yoshida", "PT", "liaison")
    abe = await c.member("abe", "Abe Nakamura", "PT", "coordinator")
    await c.member("oto", "Oto Varga", "OB", "coordinator")
    connect = await ok(admin, "connect")  # the admin's Telegram account, for the audit anchor
    telegram_admin = c.person("admin-tg", "Local administrator")  # the admin's stored name
    await ok(telegram_admin, f"join {_code(connect)}")
    ld = c.person("lea", "Lea Quintana", "-ld")
    pt = c.person("abe", "Abe Nakamura", "-pt")
    ob = c.person("oto", "Oto Varga", "-ob")
    gone = c.person("oto", "Oto Varga", GONE)
    spare = c.person("abe", "Abe Nakamura", "-spare")
    for chat, agency in ((ld, "LD"), (pt, "PT"), (ob, "OB"), (gone, "OB"), (spare, "PT")):
        await ok(chat, f"link {agency}")
    await ok(spare, "unlink")

    # the operation
    await ok(admin, 'op new OX "Sierra Uno" --lead LD --ends "in 3d" --tlp AMBER')
    await ok(admin, "op join OX PT")
    await ok(admin, "op join OX OB --role observer")
    await ok(admin, "op join OX RM")
    await ok(admin, "op remove OX RM")
    await ok(admin, "op start OX")
    await ok(lea, "op cadence OX 2h")
    await ok(lea, "op show OX")
    await ok(lea, "op list")
    await ok(lea, "op list --all")

    # tasks, and what their agencies hear
    await ok(lea, 'task add OX "Kilo Lote" --to PT --due "in 5h" --priority high')
    await ok(lea, 'task add OX "Tango Rojo" --to PT --tlp RED')  # PT's group: a notice
    await ok(lea, 'task add OX "Delta Eco" --to LD --priority urgent')
    await ok(lea, 'task add OX "Kappa Dos" --to PT --due "in 2d" --priority low')
    await ok(lea, "task list OX")
    await ok(ana, "task list OX --mine")
    await ok(lea, "task list OX --overdue")
    await ok(ana, "task start OX#1")
    await ok(ana, 'task block OX#1 "Lambda espera"')
    await ok(ana, "task start OX#1")
    await ok(ana, "task done OX#1")
    await error("state conflict", ana, "task done OX#1")
    await ok(abe, "task reopen OX#1")
    await ok(lea, "task assign OX#1 LD")
    await ok(lea, "task assign OX#1 PT")
    await ok(lea, 'task due OX#1 "in 5h"')
    await ok(lea, "task due OX#4 off")
    await ok(lea, 'task due OX#4 "in 2d"')
    await ok(lea, "task cancel OX#3")
    await ok(lea, "task reopen OX#3")
    await ok(ana, 'task note OX#1 "Sierra nota"')
    await ok(lea, 'task note OX#2 "Tango nota"')  # RED: PT's group gets a notice
    await ok(lea, 'task edit OX#4 --title "Kappa Tres" --priority normal --details "Mike uno"')
    await ok(ana, "task show OX#1")
    await ok(lea, "task show OX#4")
    await error("invalid value", lea, "task edit OX#4")  # nothing to change

    # results
    await ok(abe, 'result OX arrests 12 "Lima nota"')
    await ok(ana, "result OX seizures 3 --preliminary")
    await ok(lea, "result OX websites 40 --agency LD")
    await ok(abe, "result undo OX 2")
    await ok(lea, "results OX")
    await ok(ana, "export OX --format md")  # the file is checked in tests/bot/commands
    await error("bad choice", ana, "export OX --format xls", "xls")
    await error("invalid value", abe, "result OX arrests -3")
    await error("usage", abe, "result OX arrests many", "many")
    await error("bad choice", abe, "result OX raids 3", "raids")
    await error("exists", abe, "result undo OX 2")  # already withdrawn

    # status updates, summaries
    await ok(lea, 'status OX "Omega palabras"')
    await ok(ld, 'status OX "Omega dos" --tlp GREEN')
    # acknowledgements: PT acknowledges #3 by its button; LD and OB are chased, LD told later
    await ok(lea, 'status OX "Omega tres" --ack', "acks OX 3")
    await ok(pt, "ack OX 3")
    await ok(lea, "acks OX 3")
    await ok(ana, "acks OX")
    await error("exists", abe, "ack OX 3")  # PT has already acknowledged it
    await error("invalid value", abe, "ack OX 1", "acks OX #1")  # #1 did not ask for it
    await error("not found", abe, "ack OX 9")
    # four eyes: PT's status held until LD's coordinator approves; another rejected
    await ok(lea, "op four-eyes OX on")
    await ok(abe, 'status OX "Papa cuatro"')  # held as R-1; Lea is asked in private
    await ok(abe, "release list")
    await error("not permitted", abe, "release approve R-1")  # nobody approves their own
    await ok(lea, "release approve R-1")
    await error("exists", lea, "release approve R-1")
    await ok(abe, 'status OX "Papa cinco"')  # R-2
    await ok(lea, 'release reject R-2 "Quebec nota"')
    await ok(lea, "op four-eyes OX off")  # R-3, held as well
    await ok(admin, "release approve R-3")
    await error("usage", lea, "release approve tres", "tres")
    await ok(lea, "summary OX")
    await ok(ana, "summary")

    # reminders people set, the digest
    await ok(ana, 'remind OX#1 "in 1h" "Nu nota"')
    await ok(abe, 'remind OX#4 "in 1d"')
    await ok(pt, "snooze OX#4 1h")
    await ok(ana, "reminders")
    await ok(ana, "reminders OX")
    await ok(ana, "reminders OX#1")
    await ok(abe, "remind cancel 2")
    await ok(abe, "digest on --at 08:00")
    await ok(ana, "digest on")
    await ok(ana, "digest off")

    # people
    await ok(lea, "whoami")
    await ok(telegram_admin, "whoami")
    await ok(lea, "help")
    await ok(lea, "help task", "task")
    # the WHEN examples are English on purpose (GLOSSARY), the default value is a choice
    await ok(lea, "help task add", "normal")
    await ok(lea, "start")
    await ok(lea, "me tz Asia/Tokyo")
    await ok(lea, "me tz Europe/Paris")
    newbie = c.person("new", "Nadia Novak")
    invite = await ok(abe, "invite PT --role liaison")
    await ok(newbie, f"start {_code(invite)}")
    await ok(newbie, f"me lang {language}")
    await ok(abe, "invite PT --role observer")
    [reference] = _refs(await ok(abe, "invite list"), r"\bi\d+\b")
    await ok(abe, f"invite revoke {reference}")
    [nadia] = _refs(await ok(abe, "member list PT"), r"\bm\d+\b", "Nadia")
    await ok(abe, f"member role {nadia} observer")
    await ok(abe, f"member remove {nadia}")

    # the errors, one of each kind
    await error("usage", lea, "task add OX", "title")  # the argument's name, as in the usage
    await error("unknown command", lea, "frobnicate", "frobnicate")
    await error("unknown command", lea, "tsk list OX", "tsk", "task")  # did you mean task?
    await error("unknown subcommand", lea, "task frob OX", "task", "frob")
    await error("unknown subcommand", lea, "task lst OX", "task lst", "task")  # did you mean?
    await error("subcommand needed", lea, "op", "op")
    await error("not permitted", ana, 'op new OY "Sierra Dos"')
    await error("not permitted", ana, "op start OX")
    await error("not found", lea, "op show NOPE-9")
    await error("not found", lea, "task done OX#99")
    await error("not found", abe, "remind cancel 99")
    # the forms it suggests are typed as shown: Arabic writes "in 2h" as "بعد 2h"
    await error("unreadable WHEN", lea, 'task due OX#1 "blorp"', "blorp", "2h")
    await error(
        "bad choice", lea, 'task add OX "Kilo" --to PT --priority whatever', "whatever", "priority"
    )
    await error("bad choice", lea, "me lang xx", "xx", "lang")
    await error("invalid value", lea, "op cadence OX 1m")
    await error("invalid value", lea, "me tz Mars/Olympus")
    await error("exists", admin, 'agency add LD "Alfa Lima" --country FR --tz Europe/Paris')
    await error("state conflict", lea, "op close OX")  # open tasks

    # the worker sends: GONE's messages fail for good, and the lead's chats hear of it
    worker = DeliveryWorker(sessions, {"telegram": FailingSender()}, clock)
    await worker.run_once()

    # time passes: task stages, the snooze ending, the reminder set, the cadence, the digest,
    # the audit anchor, the planned end
    sweep = ReminderSweeper(sessions, clock, offsets=(24 * H, H))
    await sweep.sweep()
    assert await sweep.anchors() == 1
    for hours in (1.5, 4.5, 5, 5.5, 30, 50, 80):
        clock.set(START + hours * H)
        await sweep.sweep()

    # a suspended operation says so; closing it cancels what is open and sums it up
    await ok(admin, "op suspend OX")
    await ok(lea, 'status OX "Pausa Uno"')
    await ok(lea, "reminders OX")
    await ok(admin, "op resume OX")
    await ok(admin, "op close OX --force")
    await ok(lea, "summary OX")
    await worker.run_once()

    async with sessions() as s:
        rows = list(await s.scalars(select(Delivery).order_by(Delivery.id)))
    return c.said, rows, c.typed


# --- reading what was said ------------------------------------------------------------------


def texts(reply: Reply) -> list[str]:
    """Every text of a reply a reader sees: title, fields, lines, items, sections, button
    labels and the usage line (what a button runs is a command, not text)."""
    out = [reply.title, *(f"{f.label}: {f.value}" for f in reply.fields), *reply.lines]
    for item in reply.items:
        out += [item.text, *(b.label for b in item.buttons)]
    for section in reply.sections:
        out += [section.heading, *section.lines]
        for item in section.items:
            out += [item.text, *(b.label for b in item.buttons)]
    out += [b.label for b in reply.buttons]
    if reply.usage:
        out.append(reply.usage)
    return [str(t) for t in out if t]


BIDI = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
PLACEHOLDER = re.compile(r"\{\w*\}")


def _longest_first(words: Iterable[str]) -> str:
    return "|".join(re.escape(w) for w in sorted(set(words) - {""}, key=len, reverse=True))


COMMANDS = REGISTRY.all()
PATHS = _longest_first(c.path for c in COMMANDS)
CHOICES = {str(choice) for c in COMMANDS for p in c.params for choice in p.choices}
WORDS = {c.name for c in COMMANDS} | {c.sub for c in COMMANDS if c.sub}
PARAMS = [p for c in COMMANDS for p in c.params]
# an argument after a command word: a flag and its value, quoted text, a code, a number,
# a placeholder (CODE, N) or a command word (help task)
ARGUMENT = (
    rf"--[a-z]+(?: (?:{_longest_first(CHOICES)})(?![\w-]))?"
    r'|"[^"]*"|«[^»]*»|[A-Z0-9#][^\s,.;:)»"]*'
    rf"|(?:{_longest_first(WORDS)})(?![\w-])"
    rf"|(?:{_longest_first(CHOICES)})(?![\w-])"  # a choice typed as is (op four-eyes OX off)
)
VERBATIM = [
    # lists of choices and of subcommands, as a refusal or help lists what to type
    re.compile(
        _longest_first(
            ", ".join(map(str, p.choices)) for c in COMMANDS for p in c.params if len(p.choices) > 1
        )
    ),
    re.compile(_longest_first(", ".join(c.sub or "" for c in REGISTRY.group(n)) for n in WORDS)),
    # usages, and the command lines messages show: command words, their arguments, flags
    re.compile(_longest_first(c.usage() for c in COMMANDS)),
    # lists of command words in parentheses: "(task start, done, block, reopen; remind...)"
    re.compile(rf"\((?:{_longest_first(WORDS)})(?:[ ,;/]+(?:{_longest_first(WORDS)}))*\)"),
    re.compile(r"jointops audit verify --anchor [0-9a-f]{64}:\d+"),  # the CLI, in the anchor
    re.compile(rf"(?<![\w-])(?:{PATHS})(?![\w-])(?: (?:{ARGUMENT}))*"),
    re.compile(r"--[a-z]+"),
    re.compile(r"\(off\)"),  # the word `task due` takes to clear a due time, in its summary
    # English WHEN examples of parameter help (GLOSSARY: English forms are always accepted)
    re.compile(r'"(?:in \d+h|tomorrow \d\d:\d\d)"'),
    # references and codes: tasks, members, invites, reminders, invite and link codes, anchors
    re.compile(r"\b[A-Z][A-Z0-9]*(?:-[A-Z0-9]+)*#\d+\b|#\d+\b|\b[mi]\d+\b"),
    re.compile(r"\b[A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4}\b|\b[0-9a-f]{64}:\d+\b"),
    re.compile(r"(?<![\w-])[A-Z][A-Z0-9]*(?:-[A-Z0-9]+)+(?![\w-])"),  # FR-OCLCTIC, NOPE-9
    re.compile(r"(?<![\w-])(?:LD|PT|OB|RM|OX|OY|FR|ES|AE|AR|US)(?![\w-])"),  # this test's codes
    # the names of arguments as usages show them (CODE, AGENCY, "title"), TLP labels, IANA
    # zones and the IANA itself
    re.compile(rf"(?<![\w-])(?:{_longest_first(p.name for p in PARAMS if p.name.isupper())})\b"),
    re.compile(rf'"(?:{_longest_first(p.name for p in PARAMS)})"'),
    re.compile(r"\bTLP:\S+|\b(?:CLEAR|GREEN|AMBER\+STRICT|AMBER|RED|TLP)\b"),
    re.compile(r"\bTraffic Light Protocol\b"),  # the standard's own name (FIRST TLP)
    re.compile(r"\b[A-Z][A-Za-z_]+(?:/[A-Za-z_]+)+\b|\bIANA\b"),
    # names of the product and the platforms; platform ids as accounts are shown (telegram:Ana)
    re.compile(r"\b(?:jointops|Telegram|Slack|telegram|slack|console)\b"),
    re.compile(r"\b(?:PDF|CSV|MD|Markdown)\b"),  # the names of file formats (export)
    # ISO dates and times, zone abbreviations, language codes
    re.compile(r"\d{4}-\d\d-\d\d(?:[T ]\d\d:\d\d(?::\d\d)?Z?)?|\b\d\d:\d\d\b"),
    re.compile(r"\b(?:UTC|CET|CEST|JST|GST|EST|EDT)\b"),
    re.compile(r"\b(?:en|fr|es|ar)\b"),
]


def without(text: str, strings: Iterable[str]) -> str:
    """The text with each of `strings` taken out (the longest first)."""
    pattern = _longest_first(strings)
    return re.sub(pattern, " ", text) if pattern else text


def bare(text: str, typed: Iterable[str], words: Iterable[str] = ()) -> str:
    """The text without what is verbatim by design: what people typed, VERBATIM, then the
    words of the line's own (an argument's name, a value it refused)."""
    text = without(BIDI.sub("", text), typed)
    for pattern in VERBATIM:
        text = pattern.sub(" ", text)
    return without(text, words)


# English words that are no French or Spanish word (Spanish has "no", "has", "ago"...)
_ENGLISH = """the is are was were be been has have had with without your you this that these those
    will would from only may might not cannot can't already which there their than then now
    open done due overdue task tasks agency agencies operation operations update updates
    reminder reminders status summary high low lead welcome joined account accounts member
    members sent until every none yet since ago hours day days pending failed cancelled
    blocked progress planned active suspended closed priority urgent and for into when what
    who here next last new other please no of to by at it in an on or as if be we
    admin coordinator supervisor liaison observer participant"""
ENGLISH_WORDS = set(_ENGLISH.split())
NOT_ENGLISH_ONLY = {
    "fr": {"are", "sent", "active", "urgent", "on", "or", "as", "an", "liaison", "participant"},
    "es": {"has", "ago", "no", "as"},
    "ar": set(),
}


ENGLISH_UNITS = {"fr": r"\b\d+[dm]\b", "es": r"\b\d+m\b", "ar": r"$^"}  # Arabic: any Latin


@cache
def catalog(language: str) -> tuple[tuple[tuple[str, ...], tuple[str, ...]], ...]:
    """Each message of the `language` catalog: its English forms, its translated forms."""
    with (LOCALE_DIR / language / "LC_MESSAGES" / "jointops.po").open("rb") as f:
        messages = read_po(f, locale=language)
    return tuple(
        (
            m.id if isinstance(m.id, tuple) else (m.id,),
            m.string if isinstance(m.string, tuple) else (m.string,),
        )
        for m in messages
        if m.id
    )


def _words(text: str) -> set[str]:
    return {w.lower() for w in re.findall(r"[^\W\d_]+", bare(re.sub(r"\{\w*\}", " ", text), ()))}


@cache
def vocabulary(language: str) -> frozenset[str]:
    """English words: ENGLISH_WORDS, and each word of 3 letters or more of the English
    messages (what is verbatim aside) that no translation into `language` uses."""
    messages = catalog(language)
    english = {
        w for ids, forms in messages if set(forms) - set(ids) for i in ids for w in _words(i)
    }
    translated = {w for _ids, forms in messages for f in forms for w in _words(f)}
    derived = {w for w in english - translated if len(w) >= 3}
    return frozenset(derived | ENGLISH_WORDS - NOT_ENGLISH_ONLY[language])


def english_words(language: str, text: str) -> list[str]:
    """The English words left in a bare text (in Arabic, any Latin word at all)."""
    words = re.findall(r"[^\W\d_]+", text)
    latin = re.findall(r"[A-Za-z]+", text) if language == "ar" else []
    units = re.findall(ENGLISH_UNITS[language], text)  # "1d 6h", "30m": English short units
    return (
        latin + units + [w for w in words if w.lower() in vocabulary(language) and w not in latin]
    )


@cache
def english_pieces(language: str) -> tuple[str, ...]:
    """The literal pieces (between placeholders, 12 characters or more) of every English
    message whose translation into `language` differs from it, and does not hold them."""
    pieces = set()
    for ids, forms in catalog(language):
        if set(forms) <= set(ids):
            continue  # the same in both languages (TLP:{tlp}...)
        for msgid in ids:
            for piece in re.split(r"\{\w*\}", msgid):
                piece = piece.strip()
                if len(piece) >= 12 and not any(piece in form for form in forms):
                    pieces.add(piece)
    return tuple(sorted(pieces))


def problems(
    language: str, where: str, text: str, typed: Iterable[str], words: Iterable[str] = ()
) -> list[str]:
    """What is wrong with one text: placeholders left, English words or messages."""
    found = []
    plain = BIDI.sub("", text)
    if PLACEHOLDER.search(plain):
        found.append(f"{where}: a placeholder is left: {plain!r}")
    mine = without(plain, typed)
    for piece in english_pieces(language):
        if piece in mine:
            found.append(f"{where}: English {piece!r} in {plain!r}")
    words = english_words(language, bare(text, typed, words))
    if words:
        found.append(f"{where}: English {words} in {plain!r}")
    return found


def ran(line: str) -> str:
    """The command path a line runs."""
    command, _ = REGISTRY.resolve(tokenize(line))
    return command.path


def check(language: str, said: list[Said], rows: list[Delivery], typed: set[str]) -> list[str]:
    """What is wrong with every reply and every delivery of a conversation in `language`."""
    found = []
    for s in said:
        assert s.reply.rtl == (language == "ar"), s.line
        for text in texts(s.reply):
            found += problems(language, f"> {s.line}", text, typed, s.verbatim)
    for d in rows:
        reply = from_json(d.payload)
        assert reply.rtl == (language == "ar"), d.kind
        for text in texts(reply):
            found += problems(language, f"{d.kind} to {d.chat_id}", text, typed)
    return found


@pytest.mark.parametrize("language", LANGUAGES)
async def test_a_whole_conversation_reads_in_the_readers_language(
    world: World, language: str
) -> None:
    said, rows, typed = await converse(world, language)
    done = {ran(s.line) for s in said if s.error is None}
    assert done == {c.path for c in REGISTRY.all()}, "run every command of the registry"
    assert {s.error for s in said if s.error} == ERRORS
    assert {d.kind for d in rows} == DELIVERY_KINDS, "every kind of delivery"
    titles = [from_json(d.payload).title for d in rows if d.kind == "reminder"]
    assert len(titles) >= 6, titles  # stages before, at and after the due time, the snooze's
    found = check(language, said, rows, typed)
    assert not found, "\n".join(found)


# --- the check itself -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "text", "caught"),
    [
        ("fr", "Tâche OX#1 : ouverte → terminée.", False),
        ("fr", "Task OX#1: open → done.", True),  # English words
        ("es", "Reminders of OX#1 snoozed until 2026-11-26 12:00 CET.", True),  # the message
        ("es", "No hay recordatorio: vence 2026-11-26 12:00 CET.", False),
        ("ar", "\u2068OX#1\u2069 \u2068Kilo Lote\u2069 ← \u2068PT\u2069 [مفتوحة]", False),
        ("ar", "الأولوية: high", True),  # a Latin word
        ("ar", "تذكير: {ref}", True),  # a placeholder lost
        ("fr", "Aucun point de situation sur OX depuis 1d 6h", True),  # English units
        ("fr", "Aucun point de situation sur OX depuis 1j 6h", False),
        ("es", "Ningún informe de situación en OX desde hace 4h 30m", True),
        ("ar", "لا يوجد تحديث للوضع في OX منذ 4h", True),
        ("fr", "Ensuite : op join OX AGENCY, puis task add OX « intitulé » --to AGENCY.", False),
    ],
)
def test_the_check_catches_english_and_lost_placeholders(
    language: str, text: str, caught: bool
) -> None:
    assert bool(problems(language, "test", text, {"Kilo Lote"})) == caught


@pytest.mark.parametrize(
    ("language", "message"),
    [
        ("fr", "Priority"),  # a field label of a reply
        ("es", "Reminder: {ref} {due}"),  # the title of a reminder
        ("ar", "{count} agency"),  # a plural, in replies and deliveries
        ("fr", "No {kind} {key}."),  # a refusal
        ("es", "Task {ref} added."),  # shown with its placeholders unfilled
    ],
)
async def test_a_message_left_in_english_or_unfilled_fails_the_conversation(
    world: World, language: str, message: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each message here, untranslated (or its placeholders unfilled), is found."""
    gettext, ngettext, english = Translator.gettext, Translator.ngettext, Translator("en")

    def untranslated(self: Translator, text: str, /, **values: Any) -> str:
        if text == message == "Task {ref} added.":
            return gettext(self, text)  # as if shown without its values
        return gettext(english if text == message else self, text, **values)

    def untranslated_plural(self: Translator, one: str, many: str, n: int, /, **values: Any) -> str:
        tr = english if one == message else self
        return ngettext(tr, one, many, n, **values)

    monkeypatch.setattr(Translator, "gettext", untranslated)
    monkeypatch.setattr(Translator, "ngettext", untranslated_plural)
    found = check(language, *await converse(world, language))
    assert found, f"{message!r} left in English went unnoticed"
