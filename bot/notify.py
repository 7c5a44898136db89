"""Fan-out: render one message per destination chat (in its agency's timezone and language)
and write it to the outbox in the transaction of the change that caused it."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.context import Reader
from bot.reply import Button, Field, Reply, to_json
from bot.views import Fanout, next_actions, task_line
from operations.channel import service as channel_service
from operations.channel.service import Destination
from operations.delivery import service as delivery_service
from operations.delivery.service import Outgoing
from operations.enums import TLP
from operations.operation import service as operation_service
from operations.operation.models import Operation
from operations.status.models import StatusUpdate
from operations.task.models import Task

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
) -> Fanout:
    """Queue `build(reader)` for each destination; one render per (timezone, language)."""
    rendered: dict[tuple[str, str], str] = {}
    items: list[Outgoing] = []
    agencies: set[int] = set()
    for d in destinations:
        if skip is not None and (d.platform, d.workspace, d.chat_id) == skip:
            continue
        look = (d.timezone, d.language)
        if look not in rendered:
            rendered[look] = to_json(
                build(Reader(timezone=d.timezone, language=d.language, now=now))
            )
        agencies.add(d.agency_id)
        items.append(
            Outgoing(
                dedupe_key=f"{key}@{d.platform}:{d.workspace}:{d.chat_id}"[:200],
                platform=d.platform,
                workspace=d.workspace,
                chat_id=d.chat_id,
                kind=kind,
                payload=rendered[look],
                agency_id=d.agency_id,
                operation_id=operation_id,
            )
        )
    await delivery_service.enqueue(session, items=items, now=now)
    return Fanout(agencies=len(agencies), chats=len(items))


async def participants(session: AsyncSession, operation: Operation, tlp: TLP) -> list[Destination]:
    """The chats of the participating agencies that may receive a message marked `tlp`."""
    ids = await operation_service.broadcast_agencies(session, operation=operation, tlp=tlp)
    return await channel_service.destinations(session, agency_ids=ids)


async def agencies(session: AsyncSession, *agency_ids: int) -> list[Destination]:
    return await channel_service.destinations(session, agency_ids=list(agency_ids))


async def status_update(
    session: AsyncSession,
    *,
    operation: Operation,
    update: StatusUpdate,
    author: str,
    now: datetime,
    skip: Origin | None,
) -> Fanout:
    """A status update to every chat of every participating agency."""

    def build(r: Reader) -> Reply:
        return Reply(
            title=r._("Status update — {code}", code=operation.code),
            tlp=update.tlp,
            lines=[update.text],
            fields=[Field(r._("From"), author), Field(r._("At"), r.when(update.created_at))],
            buttons=[Button(r._("Summary"), f"summary {operation.code}")],
        )

    return await send(
        session,
        destinations=await participants(session, operation, update.tlp),
        build=build,
        kind="status",
        key=f"status:{update.id}",
        operation_id=operation.id,
        now=now,
        skip=skip,
    )


async def task_event(
    session: AsyncSession,
    *,
    task: Task,
    event: str,
    title: Callable[[Reader], str],
    agency_ids: Sequence[int],
    now: datetime,
    skip: Origin | None,
) -> Fanout:
    """A task change (assigned, blocked, done...) to the chats of the agencies concerned."""

    def build(r: Reader) -> Reply:
        return Reply(
            title=title(r), tlp=task.tlp, lines=[task_line(r, task)], buttons=next_actions(r, task)
        )

    return await send(
        session,
        destinations=await agencies(session, *agency_ids),
        build=build,
        kind=f"task.{event}",
        key=f"task:{task.id}:{event}:{now.isoformat()}",
        operation_id=task.operation_id,
        now=now,
        skip=skip,
    )
