"""What the audit chain needs when the bot starts: its head row, and once, a baseline."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from operations.audit import queries
from operations.audit.chain import Anchor
from operations.audit.fingerprint import KINDS, digest
from operations.audit.service import record

DIGESTS_SINCE = "0007"  # the first schema revision whose events carry row digests
BASELINE_CHUNK = 500  # rows per baseline event


@dataclass(frozen=True, slots=True)
class Repair:
    """What start-up did: the head rebuilt from the chain (its row was missing), and how many
    rows a baseline vouched for (a database that predates row digests)."""

    head: Anchor | None = None
    baseline: int = 0


async def repair(session: AsyncSession, *, now: datetime, upgraded_from: str | None) -> Repair:
    """Rebuild a missing head row from the chain's last event; after an upgrade from a
    revision before DIGESTS_SINCE, record the digest of every existing row once."""
    head = None
    if await queries.get_head(session) is None:
        seq, hash_ = await queries.restore_head(session)
        head = Anchor(hash_, seq) if seq else None
    rows = 0
    if upgraded_from is not None and upgraded_from < DIGESTS_SINCE:
        rows = await _baseline(session, now=now)
    return Repair(head, rows)


async def _baseline(session: AsyncSession, *, now: datetime) -> int:
    """Events vouching for every row as it is now (`audit.baseline`, in chunks; each kind's
    rows are read to the end before its events are written)."""
    total = 0
    for kind in KINDS:
        found = [
            (f"{kind.name}:{row.id}", digest(kind, row._mapping.get))
            async for row in queries.stream_rows(session, kind.model, kind.columns)
        ]
        for start in range(0, len(found), BASELINE_CHUNK):
            total += await _vouch(session, dict(found[start : start + BASELINE_CHUNK]), now)
    return total


async def _vouch(session: AsyncSession, chunk: dict[str, str], now: datetime) -> int:
    await record(
        session,
        actor=None,
        action="audit.baseline",
        subject="audit:baseline",
        now=now,
        details={"rows": len(chunk), "digests": chunk},
    )
    return len(chunk)
