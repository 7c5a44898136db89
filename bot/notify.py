"""Fan-out: render one message per destination chat (in its agency's timezone and language)
and write it to the outbox in the transaction of the change that caused it.

`publish` is the one way events reach chats: `operations.events.audience` says which agencies
hear each event and what they may get of it; this module only renders and queues."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.broadcasts import RENDER, notice
from bot.context import Reader
from bot.reply import Reply, to_json
from bot.views import Fanout
from operations.acting import NO_HAND, Hand, Stance
from operations.agency.models import Agency
from operations.channel import service as channel_service
from operations.channel.service import Destination
from operations.delivery import service as delivery_service
from operations.delivery.service import Outgoing
from operations.events import Event
from operations.events import audience as event_audience
from operations.events import stances as event_stances
from operations.knowing import Verdict
from operations.member import service as member_service
from operations.member.models import Member

Origin = tuple[str, str, str]  # (platform, workspace, chat) where the command was typed


async def send(
    session: AsyncSession,
    *,
    destinations: Sequence[Destination],
    build: Callable[[Reader], Reply],
    kind: str,
    key: str,
    operation_id: int | None,
    now: datetime,
    skip: Origin | None = None,
    stances: Mapping[int, Stance] | None = None,
    subjects: frozenset[int] | None = None,
) -> Fanout:
    """Queue `build(reader)` for each destination; one render per (timezone, language, and how
    the chat's agency takes part, `stances`: it decides the buttons the chat is offered). When
    `subjects` is given, the buttons depend on a chat's agency only if it is one of them, so
    every other agency's chats in the same zone and language share one render (a status to
    236 agencies is rendered once, not 236 times)."""
    rendered: dict[tuple[str, str, Hand], str] = {}
    items: list[Outgoing] = []
    agencies: set[int] = set()
    for d in destinations:
        if skip is not None and (d.platform, d.workspace, d.chat_id) == skip:
            continue
        hand = NO_HAND
        if stances is not None:
            own = subjects is None or d.agency_id in subjects
            hand = Hand.chat(d.agency_id if own else None, stances[d.agency_id])
        look = (d.timezone, d.language, hand)
        if look not in rendered:
            reader = Reader(timezone=d.timezone, language=d.language, now=now, hand=hand)
            reply = reader.tr.addressed(build(reader))  # e.g. right to left for an Arabic agency
            rendered[look] = to_json(reply)
        agencies.add(d.agency_id)
        items.append(
            Outgoing(
                dedupe_key=f"{key}@{d.platform}:{d.workspace}:{d.chat_id}"[:200],
                platform=d.platform,
                workspace=d.workspace,
                chat_id=d.chat_id,
                kind=kind,
                payload=rendered[look],
                agency_id=d.agency_id or None,  # 0: a person of no agency
                operation_id=operation_id,
            )
        )
    await delivery_service.enqueue(session, items=items, now=now)
    return Fanout(agencies=len(agencies), chats=len(items))


def person_reader(
    member: Member,
    agency: Agency | None,
    *,
    now: datetime,
    default_timezone: str = "UTC",
    default_language: str = "en",
) -> Reader:
    """How a person reads: their own language and zone, else their agency's, else the
    defaults."""
    return Reader(
        timezone=member.timezone or (agency.timezone if agency else None) or default_timezone,
        language=str(member.language or (agency.language if agency else None) or default_language),
        now=now,
    )


async def to_person(
    session: AsyncSession,
    *,
    reader: Reader,
    member: Member,
    agency: Agency | None,
    build: Callable[[Reader], Reply],
    kind: str,
    key: str,
    now: datetime,
    operation_id: int | None = None,
) -> int:
    """Queue `build(reader)` to the private chat of each of a person's chat accounts (the
    console receives nothing); returns how many chats."""
    identities = await member_service.identities(session, member_id=member.id)
    destinations = [
        Destination(
            i.platform,
            i.workspace,
            i.external_id,
            agency.id if agency else 0,
            agency.code if agency else "",
            reader.tz.key,
            reader.tr.language,
        )
        for i in identities
        if i.platform != "console"
    ]
    sent = await send(
        session,
        destinations=destinations,
        build=build,
        kind=kind,
        key=key,
        operation_id=operation_id,
        now=now,
    )
    return sent.chats


async def agencies(session: AsyncSession, *agency_ids: int) -> list[Destination]:
    return await channel_service.destinations(session, agency_ids=list(agency_ids))


async def publish(
    session: AsyncSession, events: Sequence[Event], *, now: datetime, skip: Origin | None = None
) -> Fanout:
    """Queue each event for the chats the knowing policy lets hear it (operations.events)."""
    total = Fanout(agencies=0, chats=0)
    for event in events:
        verdicts = await event_audience(session, event)
        stances = await event_stances(session, event.operation)
        taking = {a: stances.get(a, Stance.NONE) for a in verdicts}
        full = [a for a, v in verdicts.items() if v == Verdict.FULL]
        chats = await agencies(session, *(a for a, v in verdicts.items() if v != Verdict.WITHHELD))
        reached = await send(
            session,
            destinations=[d for d in chats if verdicts[d.agency_id] == Verdict.FULL],
            build=lambda r, e=event: RENDER[e.kind](r, e),  # type: ignore[misc]
            kind=str(event.kind),
            key=event.key,
            operation_id=event.operation.id,
            now=now,
            skip=skip,
            stances=taking,
            subjects=event.subjects,
        )
        noticed = await send(
            session,
            destinations=[d for d in chats if verdicts[d.agency_id] == Verdict.NOTICE],
            build=lambda r, e=event: notice(r, e),  # type: ignore[misc]
            kind="notice",
            key=f"{event.key}:notice",
            operation_id=event.operation.id,
            now=now,
            skip=skip,
            stances=taking,
            subjects=event.subjects,
        )
        total = Fanout(
            agencies=total.agencies + reached.agencies,
            chats=total.chats + reached.chats,
            withheld=total.withheld + len(verdicts) - len(full),
            noticed=total.noticed + noticed.agencies,
        )
    return total
