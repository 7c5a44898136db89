"""What a command handler receives: who asks, from where, when, and in which language."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from bot import when
from bot.i18n import LANGUAGES, Translator
from bot.registry import Registry
from bot.reply import Reply
from operations.acting import CHAT_ROLES, NO_HAND, Hand
from operations.actor import Actor
from operations.agency.models import Agency
from operations.knowing import NOBODY, Lens, Viewer
from operations.member.models import Member
from operations.operation import service as operation_service
from operations.operation.models import Operation


@dataclass(frozen=True, slots=True)
class Defaults:
    """Timezone and language for readers who have neither of their own (JOINTOPS_TIMEZONE,
    JOINTOPS_LANGUAGE)."""

    timezone: str = "UTC"
    language: str = "en"


@dataclass(frozen=True, slots=True)
class InboxClaim:
    """The inbox record a command runs from (bot.inbox), and the process that holds it: the
    dispatcher marks the record as run in the command's own transaction."""

    record_id: int
    holder: str


@dataclass(frozen=True, slots=True)
class Invocation:
    """A command as an adapter received it, platform details reduced to ids and text."""

    platform: str
    workspace: str
    chat_id: str
    user_id: str
    user_name: str
    text: str
    chat_title: str | None = None
    private_chat: bool = True
    via_button: bool = False
    text_shown: bool | None = None  # whether the chat saw the typed text (default: a group did)
    inbox: InboxClaim | None = None  # run from an inbox record (None: answered directly)
    released: str | None = None  # a held command run on its approval: the request

    @property
    def seen_by_chat(self) -> bool:
        """Whether others in the chat read what was typed (a Slack slash command: never)."""
        return not self.private_chat if self.text_shown is None else self.text_shown


class Reader:
    """How one reader (a member, or a destination chat's agency) sees messages."""

    def __init__(
        self, *, timezone: str, language: str, now: datetime, hand: Hand = NO_HAND
    ) -> None:
        self.tz = when.load_timezone(timezone)
        self.tr = Translator(language)
        self.now = now
        self.hand = hand  # who could press the message's buttons (acting.could)

    def _(self, message: str, /, **values: Any) -> str:
        return self.tr.gettext(message, **values)

    def when(self, moment: datetime | None) -> str:
        return when.format_when(moment, self.tz, self.tr.locale) if moment else "—"

    def day(self, moment: datetime) -> str:
        return when.format_day(moment.astimezone(self.tz).date(), self.tr.locale)


def load_languages(now: datetime) -> None:
    """Read each working language's catalog and date formats now. Babel reads a locale's CLDR
    data on its first use (160 ms here for the first date written in a language): without
    this, the first command of a process waits for it, and a status that fans out to
    hundreds of chats right after a restart reaches them that much later."""
    for language in LANGUAGES:  # a Translator reads its catalog as it is made
        reader = Reader(timezone="UTC", language=language, now=now)
        reader.when(now)
        reader.day(now)


class Localizer(Protocol):
    """What renders a message for a reader: translation, local time, the present moment."""

    tr: Translator
    now: datetime

    def _(self, message: str, /, **values: Any) -> str: ...

    def when(self, moment: datetime | None) -> str: ...

    def day(self, moment: datetime) -> str: ...


@dataclass(slots=True)
class Context:
    """Handed to every command handler; `actor` is None only for public commands."""

    session: AsyncSession
    invocation: Invocation
    actor: Actor | None
    now: datetime
    tz: ZoneInfo
    tr: Translator
    registry: Registry
    viewer: Viewer = NOBODY  # who will read the reply (the knowing policy's reader)
    # a reader's language and zone (their own, else their agency's, else the defaults)
    locale_of: Callable[[Member | None, Agency | None], tuple[Translator, ZoneInfo]] | None = None
    # runs a command line as another account, in this transaction (a released request)
    run_as: Callable[[Invocation], Awaitable[Reply]] | None = None
    defaults: Defaults = Defaults()  # the dispatcher's, for readers other than the caller

    def read_as(self, member: Member, agency: Agency | None) -> None:
        """From now on the reply is for this member (who just joined): their language, zone."""
        if self.locale_of is not None:
            self.tr, self.tz = self.locale_of(member, agency)

    def _(self, message: str, /, **values: Any) -> str:
        """Translate a message for the caller."""
        return self.tr.gettext(message, **values)

    def when(self, moment: datetime | None) -> str:
        """A moment in the caller's timezone and locale, or a dash."""
        return when.format_when(moment, self.tz, self.tr.locale) if moment else "—"

    def day(self, moment: datetime) -> str:
        """The calendar day of a moment in the caller's timezone, as their locale writes it."""
        return when.format_day(moment.astimezone(self.tz).date(), self.tr.locale)

    async def lens(self, operation: Operation) -> Lens:
        """What the reader of the reply may read of this operation."""
        return await operation_service.lens(self.session, viewer=self.viewer, operation=operation)

    async def hand(self, operation: Operation) -> Hand:
        """Who could press the reply's buttons about this operation: the asker in private; in
        a group chat its agency (and the asker, when of that agency)."""
        viewer = self.viewer
        stance = await operation_service.stance(
            self.session, agency_id=viewer.agency_id, operation=operation
        )
        if viewer.person is not None:
            return Hand(viewer.agency_id, frozenset({viewer.person}), stance)
        roles = set(CHAT_ROLES)
        if self.actor is not None and self.actor.agency_id == viewer.agency_id:
            roles.add(self.actor.role)
        return Hand(viewer.agency_id, frozenset(roles), stance)

    @property
    def member(self) -> Actor:
        """The calling member (handlers of member-only commands)."""
        if self.actor is None:
            raise RuntimeError("a member-only command ran without a member")
        return self.actor
