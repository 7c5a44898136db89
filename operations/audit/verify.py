"""Check the audit chain: every event intact and in place, the head vouching for the last one,
an anchor (when given) still extended, and every domain row as its last event recorded it."""

from __future__ import annotations

import json
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from operations.audit import queries
from operations.audit.chain import CHAINED, Anchor, event_hash
from operations.audit.fingerprint import GONE, KINDS, digest
from operations.audit.queries import GENESIS


@dataclass(frozen=True, slots=True)
class RowMismatch:
    """A domain row that is not as its last event recorded it: `altered` (its content
    differs), `unrecorded` (no event vouches for it, or its last one deleted it), `missing`
    (deleted without an event)."""

    key: str
    reason: str


@dataclass(frozen=True)
class Verification:
    """Outcome of a check: how many events, the first broken one if any (reason `missing`,
    `chain`, `altered`, `tail` or `anchor`), and the rows that differ from the chain."""

    checked: int
    broken_seq: int | None = None
    reason: str | None = None
    rows: tuple[RowMismatch, ...] = ()

    @property
    def ok(self) -> bool:
        return self.broken_seq is None and not self.rows


async def verify(session: AsyncSession, *, anchor: Anchor | None = None) -> Verification:
    """Walk the chain in order and report the first event that was edited, removed or moved;
    then whether it extends `anchor`, and which domain rows differ from their last event."""
    expected_prev, expected_seq, checked = GENESIS, 1, 0
    recorded: dict[str, str] = {}
    anchored = anchor is None or anchor == Anchor(GENESIS, 0)
    async for event in queries.stream_events(session):
        if event.seq != expected_seq:
            return Verification(checked, expected_seq, "missing")
        if event.prev_hash != expected_prev:
            return Verification(checked, event.seq, "chain")
        if event_hash({name: getattr(event, name) for name in CHAINED}) != event.hash:
            return Verification(checked, event.seq, "altered")
        if anchor is not None and event.seq == anchor.seq:
            if event.hash != anchor.hash:
                return Verification(checked, event.seq, "anchor")
            anchored = True
        recorded.update(_digests(event.details))
        expected_prev, expected_seq, checked = event.hash, expected_seq + 1, checked + 1
    head = await queries.get_head(session)
    head_seq, head_hash = (head.seq, head.hash) if head else (0, GENESIS)
    if (head_seq, head_hash) != (expected_seq - 1, expected_prev):
        return Verification(
            checked, head_seq + 1 if head_seq < expected_seq else expected_seq, "tail"
        )
    if not anchored:  # the chain ends before the anchor: truncated, or emptied
        return Verification(checked, expected_seq, "anchor")
    return Verification(checked, rows=tuple(await _rows(session, recorded)))


def _digests(details: str) -> dict[str, str]:
    try:
        content = json.loads(details)
    except ValueError:
        return {}
    found = content.get("digests") if isinstance(content, dict) else None
    return {str(k): str(v) for k, v in found.items()} if isinstance(found, dict) else {}


async def _rows(session: AsyncSession, recorded: dict[str, str]) -> list[RowMismatch]:
    """Every row of every audited kind against the digest of its last event (a database from
    before a kind's table has no rows of it: those its events name are reported missing)."""
    differ: list[RowMismatch] = []
    seen: set[str] = set()
    present = await queries.table_names(session)
    for kind in KINDS:
        if kind.model.__tablename__ not in present:
            continue
        async for row in queries.stream_rows(session, kind.model, kind.columns):
            key = f"{kind.name}:{row.id}"
            seen.add(key)
            last = recorded.get(key)
            if last is None or last == GONE:
                differ.append(RowMismatch(key, "unrecorded"))
            elif last != digest(kind, row._mapping.get):
                differ.append(RowMismatch(key, "altered"))
    differ.extend(
        RowMismatch(key, "missing")
        for key, last in recorded.items()
        if last != GONE and key not in seen
    )
    return differ
