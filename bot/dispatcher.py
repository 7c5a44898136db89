"""From an invocation to a reply: identity, permission, arguments, one transaction, errors."""

from __future__ import annotations

import asyncio
import logging
import random
import secrets
from collections.abc import Callable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot import holding, notify, when
from bot.binding import bind
from bot.clock import Clock, SystemClock
from bot.context import Context, Invocation
from bot.context import Defaults as Defaults  # where the runtime and tests import it from
from bot.errors import error_reply
from bot.i18n import Translator
from bot.metrics import Metrics
from bot.parser import Token, UsageError, tokenize
from bot.registry import Command, Registry
from bot.reply import Item, Reply, Tone, to_json
from bot.views import sent_line
from operations import acting, db, events
from operations.actor import Actor
from operations.agency.models import Agency
from operations.audit import access
from operations.channel import service as channel_service
from operations.delivery import service as delivery_service
from operations.errors import DomainError
from operations.inbound import service as inbound_service
from operations.knowing import NOBODY, Viewer, person
from operations.member import service as member_service
from operations.member.models import Member

log = logging.getLogger(__name__)

ATTEMPTS = 5  # runs of a command whose transaction the database refused as transient
BACKOFF_S = 0.02  # the first retry waits up to this; each further one up to twice as long
BACKOFF_MAX_S = 0.5


def personal(command: Command, *, mine: bool) -> bool:
    """Whether a command is answered to the asker alone: declared private (codes, personal
    details) or a personal list (`--mine`)."""
    return command.private or mine


class Dispatcher:
    """Runs commands from every adapter through the same path."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        registry: Registry,
        *,
        clock: Clock | None = None,
        defaults: Defaults | None = None,
    ) -> None:
        self.sessions = sessions
        self.registry = registry
        self.clock = clock or SystemClock()
        self.defaults = defaults or Defaults()
        # called after a command's commit that queued deliveries: wakes the delivery worker
        # (not after every command: its claim reads the outbox, so read-only commands under
        # load would keep it claiming for nothing)
        self.on_queued: Callable[[], None] | None = None
        self.metrics = Metrics()
        self.retries = 0  # transactions run again after a transient refusal (ATTEMPTS)

    async def dispatch(self, invocation: Invocation) -> Reply:
        """Answer one command; never raises, never shows an internal error's text."""
        reply = await self._answer(invocation)
        self.metrics.command(invocation.platform, reply.tone)
        return reply

    async def _answer(self, invocation: Invocation) -> Reply:
        try:
            return await self._attempts(invocation)
        except inbound_service.Superseded:
            raise  # another process runs and answers this inbox record
        except Exception:
            ref = secrets.token_hex(3)
            log.exception("command failed (ref %s) on %s", ref, invocation.platform)
            tr = Translator(self.defaults.language)
            reply = tr.addressed(
                Reply(
                    title=tr.gettext("Something went wrong (ref {ref}).", ref=ref),
                    tone=Tone.ERROR,
                    private=True,
                )
            )
            await self._settle(invocation, reply)
            return reply

    def answers_privately(self, text: str) -> bool:
        """Whether the command line will be answered to the asker alone: a command declared
        private (codes, personal details) or a personal list (`--mine`). False for a line that
        cannot be read."""
        try:
            command, rest = self.registry.resolve(tokenize(text))
        except UsageError:
            return False
        return personal(command, mine=any(t.is_flag and t.text.lower() == "--mine" for t in rest))

    async def accept_once(self, platform: str, key: str) -> bool:
        """Whether this platform event is new (False for a redelivery already accepted)."""
        async with self.sessions() as session, session.begin():
            return await inbound_service.first_delivery(
                session, platform=platform, key=key, now=self.clock.now()
            )

    async def _attempts(self, invocation: Invocation) -> Reply:
        """Run the command; when the database refuses its transaction for a deadlock or a
        serialization failure (operations.db.transient), run the whole of it again in a new
        session (so nothing of the failed attempt, its events neither, is carried over),
        after a jittered backoff, up to ATTEMPTS times."""
        for attempt in range(1, ATTEMPTS + 1):
            try:
                return await self._dispatch(invocation)
            except DBAPIError as error:
                if attempt == ATTEMPTS or not db.transient(error):
                    raise
                self.retries += 1
                delay = random.uniform(0, min(BACKOFF_MAX_S, BACKOFF_S * 2 ** (attempt - 1)))
                log.info(
                    "command on %s: transaction refused (%s), attempt %d of %d again in %.0f ms",
                    invocation.platform,
                    getattr(error.orig, "sqlstate", None) or type(error.orig).__name__,
                    attempt + 1,
                    ATTEMPTS,
                    delay * 1000,
                )
                await asyncio.sleep(delay)
        raise AssertionError("unreachable")  # pragma: no cover

    async def _dispatch(self, invocation: Invocation) -> Reply:
        tr = Translator(self.defaults.language)
        command: Command | None = None
        actor: Actor | None = None
        async with self.sessions() as session:
            try:
                async with session.begin():
                    now = self.clock.now()
                    # errors too speak the reader's language
                    actor, tr, tz = await self._who(session, invocation, now)
                    command, rest = self.registry.resolve(tokenize(invocation.text))
                    reply = await self._run(session, invocation, command, rest, actor, tr, tz, now)
                    if invocation.inbox is not None:  # ran: never again, even after a crash
                        await inbound_service.mark_ran(
                            session,
                            record_id=invocation.inbox.record_id,
                            holder=invocation.inbox.holder,
                            reply=to_json(reply),
                        )
            except (DomainError, UsageError) as error:
                # the transaction was rolled back: nothing of the command remains
                if isinstance(error, DomainError) and error.refusal:
                    await self._audit_refusal(session, invocation, actor, error)
                usage = error.usage if isinstance(error, UsageError) else None
                group = error.group if isinstance(error, UsageError) else None
                if usage is None and command is None and group is None:
                    guessed = self.registry.guess(invocation.text)
                    usage = guessed.usage() if guessed else None
                reply = error_reply(error, tr, usage or (command.usage() if command else None))
                if group is not None:
                    reply.items = self._subcommands(group, actor, tr)
                await self._settle(invocation, reply)
                return reply
        if self.on_queued is not None and delivery_service.queued(session):
            self.on_queued()
        return reply

    def _subcommands(self, name: str, actor: Actor | None, tr: Translator) -> list[Item]:
        """The subcommands of a group the asker may run, one per line, as help shows them."""
        return [
            Item(f"{tr.isolate(c.usage())} — {tr.gettext(c.summary)}")
            for c in self.registry.group(name)
            if (c.public if actor is None else acting.may_attempt(c.action, actor.role))
        ]

    async def _settle(self, invocation: Invocation, reply: Reply) -> None:
        """A command from the inbox that changed nothing (refused, failed): its reply is stored
        in a transaction of its own, so that it is not run again either."""
        if invocation.inbox is None:
            return
        try:
            async with self.sessions() as session, session.begin():
                await inbound_service.mark_ran(
                    session,
                    record_id=invocation.inbox.record_id,
                    holder=invocation.inbox.holder,
                    reply=to_json(reply),
                )
        except inbound_service.Superseded:
            raise
        except Exception:  # the record stays unanswered: it is run again later
            log.exception("could not record the answer of a command on %s", invocation.platform)

    async def _audit_refusal(
        self,
        session: AsyncSession,
        invocation: Invocation,
        actor: Actor | None,
        error: DomainError,
    ) -> None:
        """A refused access attempt (permission, a code) is audited in a transaction of its own,
        with who tried from where and never what they typed; a failure to audit is logged."""
        account = access.Account(invocation.platform, invocation.workspace, invocation.user_id)
        try:
            async with session.begin():
                recorded = await access.record_refusal(
                    session, error=error, account=account, actor=actor, now=self.clock.now()
                )
        except Exception:
            log.exception("could not audit a refused attempt on %s", invocation.platform)
            return
        if recorded:
            level = logging.INFO if error.refusal == access.COMMAND_REFUSED else logging.WARNING
            log.log(level, "%s: %s account %r", error.refusal, account.platform, account.subject)

    async def _run(
        self,
        session: AsyncSession,
        invocation: Invocation,
        command: Command,
        rest: list[Token],
        actor: Actor | None,
        tr: Translator,
        tz: ZoneInfo,
        now: datetime,
    ) -> Reply:
        if actor is None and not command.public:
            return tr.addressed(
                Reply(
                    title=tr.gettext("You are not a member of jointops yet."),
                    lines=[
                        tr.gettext(
                            "Ask a coordinator for an invite, then send: join CODE. "
                            "Type help to see more."
                        )
                    ],
                    tone=Tone.ERROR,
                    private=True,
                )
            )
        if actor is not None:
            self._check_role(command, actor)
        args = bind(command, rest, now=now, tz=tz)
        context = Context(
            session=session,
            invocation=invocation,
            actor=actor,
            now=now,
            tz=tz,
            tr=tr,
            registry=self.registry,
            viewer=await self._viewer(session, invocation, command, args, actor),
            locale_of=self._locale,
            run_as=lambda other: self._run_as(session, other, now),
            defaults=self.defaults,
        )
        reply = await holding.hold(context, command, args) or await command.handler(context, args)
        emitted = events.take(session)
        if emitted:
            # a released request's asker reads its reply in private: their chat hears it too
            origin = (invocation.platform, invocation.workspace, invocation.chat_id)
            skip = None if invocation.released else origin
            fanout = await notify.publish(session, emitted, now=now, skip=skip)
            reply.lines.append(sent_line(context, fanout))
        return context.tr.addressed(reply)

    async def _run_as(self, session: AsyncSession, invocation: Invocation, now: datetime) -> Reply:
        """Run a command line as the account it names, in this session's transaction (a
        released request, as its requester): DomainError and UsageError propagate."""
        actor, tr, tz = await self._who(session, invocation, now)
        command, rest = self.registry.resolve(tokenize(invocation.text))
        return await self._run(session, invocation, command, rest, actor, tr, tz, now)

    async def _who(
        self, session: AsyncSession, invocation: Invocation, now: datetime
    ) -> tuple[Actor | None, Translator, ZoneInfo]:
        """The member behind the invocation's account (None: a stranger), and how they read."""
        resolved = await member_service.resolve(
            session,
            platform=invocation.platform,
            workspace=invocation.workspace,
            external_id=invocation.user_id,
            now=now,
        )
        actor, member, agency = resolved if resolved else (None, None, None)
        tr, tz = self._locale(member, agency)
        return actor, tr, tz

    @staticmethod
    async def _viewer(
        session: AsyncSession,
        invocation: Invocation,
        command: Command,
        args: dict[str, Any],
        actor: Actor | None,
    ) -> Viewer:
        """Who will read the reply: the person when it is private, else the chat's agency."""
        if actor is None:
            return NOBODY
        if invocation.private_chat or personal(command, mine=bool(args.get("mine"))):
            return person(actor)
        linked = await channel_service.chat_agency(
            session,
            platform=invocation.platform,
            workspace=invocation.workspace,
            external_id=invocation.chat_id,
        )
        return Viewer(linked or actor.agency_id)

    @staticmethod
    def _check_role(command: Command, actor: Actor) -> None:
        """The acting table's first look: could this role ever run the command?"""
        if command.action is not None:
            acting.require_some(actor, command.action, command.path)

    def _locale(self, member: Member | None, agency: Agency | None) -> tuple[Translator, ZoneInfo]:
        language = (
            (member.language if member else None)
            or (agency.language if agency else None)
            or self.defaults.language
        )
        zone = (
            (member.timezone if member else None)
            or (agency.timezone if agency else None)
            or self.defaults.timezone
        )
        return Translator(str(language)), when.load_timezone(zone)
