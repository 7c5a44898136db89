"""What the command-layer tests share: a database fingerprint and the refusal check."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.commands import REGISTRY
from bot.reply import Reply, Tone
from operations.audit import access
from operations.audit import service as audit_service
from operations.audit.models import AuditEvent
from operations.models import Base
from tests.conftest import Person


@dataclass(frozen=True)
class DbState:
    """Row counts of every table, the audit chain length, and every row's content."""

    counts: dict[str, int]
    audit_chain: int
    rows: dict[str, list[tuple[Any, ...]]]


async def row_counts(sessions: async_sessionmaker[AsyncSession]) -> dict[str, int]:
    """`SELECT count(*)` of every table of the models."""
    async with sessions() as session:
        return {
            table.name: int(await session.scalar(select(func.count()).select_from(table)) or 0)
            for table in Base.metadata.sorted_tables
        }


async def db_state(sessions: async_sessionmaker[AsyncSession]) -> DbState:
    """A fingerprint of the whole database; the audit chain must verify."""
    counts = await row_counts(sessions)
    async with sessions() as session:
        rows = {}
        for table in Base.metadata.sorted_tables:
            result = await session.execute(select(table).order_by(*table.primary_key.columns))
            rows[table.name] = [tuple(row) for row in result]
        verification = await audit_service.verify(session)
    assert verification.ok, verification
    return DbState(counts, verification.checked, rows)


def usage(path: str) -> str:
    """The usage line the dispatcher shows an English reader for a command path ("task add")."""
    return f"Usage: {command_usage(path)}"


def command_usage(path: str) -> str:
    """The usage of a command path such as "task add", as typed in every language."""
    name, _, sub = path.partition(" ")
    [command] = [c for c in REGISTRY.group(name) if c.sub == (sub or None)]
    return command.usage()


async def refused(person: Person, line: str, *words: str, command: str | None = None) -> Reply:
    """Send `line`; it must be refused in one line naming `words`, with the usage of
    `command` when given, and leave the database exactly as it was."""
    sessions = person.chat.dispatcher.sessions
    before = await db_state(sessions)
    text = await person.says(line)
    reply = person.reply
    after = await db_state(sessions)
    assert reply.tone == Tone.ERROR, text
    assert reply.title and "\n" not in reply.title, text
    for word in words:
        assert word in reply.title, f"{word!r} not in the reason: {reply.title!r}"
    if command is not None:
        # "Usage: ..." in the reader's language, ending with the command's usage as typed
        # (one isolated unit, FSI ... PDI, in a right-to-left reply)
        shown = command_usage(command)
        shown = f"\u2068{shown}\u2069" if reply.rtl else shown
        assert reply.usage is not None and reply.usage.endswith(f" {shown}"), text
        assert command_usage(command) in text
    assert "Traceback" not in text
    assert "Something went wrong" not in text, text
    await only_refusal_audited(sessions, before, after, line)
    return reply


async def only_refusal_audited(
    sessions: async_sessionmaker[AsyncSession], before: DbState, after: DbState, line: str
) -> None:
    """Nothing changed but, at most, one audit event of a refused access attempt (permission,
    a code): refusals are audited, and nothing else is written."""
    assert beyond_audit(after.counts) == beyond_audit(before.counts), (
        f"row counts changed after {line!r}"
    )
    assert beyond_audit(after.rows) == beyond_audit(before.rows), f"rows changed after {line!r}"
    added = after.audit_chain - before.audit_chain
    assert added <= 1, f"audit chain grew by {added} after {line!r}"
    assert set(await audit_actions(sessions, after=before.audit_chain)) <= access.REFUSALS


AUDIT_TABLES = frozenset({"audit_event", "audit_head"})


def beyond_audit(tables: dict[str, Any]) -> dict[str, Any]:
    """Row counts or rows of every table but the audit trail's."""
    return {name: value for name, value in tables.items() if name not in AUDIT_TABLES}


async def audit_actions(sessions: async_sessionmaker[AsyncSession], *, after: int) -> list[str]:
    """The actions of the audit events after sequence number `after`."""
    async with sessions() as session:
        rows = await session.scalars(
            select(AuditEvent.action).where(AuditEvent.seq > after).order_by(AuditEvent.seq)
        )
        return list(rows)


async def ok(person: Person, line: str, *words: str) -> Reply:
    """Send `line`; it must succeed, and its text must contain `words`."""
    text = await person.says(line)
    assert person.reply.tone != Tone.ERROR, f"{line!r} was refused:\n{text}"
    for word in words:
        assert word in text, f"{word!r} not in:\n{text}"
    return person.reply


async def table_counts(
    sessions: async_sessionmaker[AsyncSession], *, leave_out: frozenset[str] = frozenset()
) -> dict[str, int]:
    """Rows per table, the audit events of refused attempts aside (refusals are audited)."""
    async with sessions() as s:
        counts = {
            t.name: int(await s.scalar(select(func.count()).select_from(t)) or 0)
            for t in Base.metadata.sorted_tables
            if t.name not in leave_out | {"audit_head"}
        }
        refusals = select(func.count()).where(AuditEvent.action.in_(access.REFUSALS))
        counts["audit_event"] -= int(await s.scalar(refusals) or 0)
        return counts
