"""How an audit event is hashed, and the anchors that pin a chain from outside the database."""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from typing import Any

from operations.audit.queries import GENESIS

CHAINED = (
    "prev_hash",
    "seq",
    "at",
    "actor_id",
    "actor",
    "platform",
    "action",
    "subject",
    "details",
)


def event_hash(fields: dict[str, Any]) -> str:
    """The SHA-256 of an event's chained fields (its previous event's hash among them)."""
    payload = [fields[name].isoformat() if name == "at" else fields[name] for name in CHAINED]
    canonical = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


_ANCHOR = re.compile(r"([0-9a-f]{64}):([0-9]{1,12})")


@dataclass(frozen=True, slots=True)
class Anchor:
    """A chain's head written down elsewhere: the hash of event `seq` (`HASH:N`)."""

    hash: str
    seq: int

    def __str__(self) -> str:
        return f"{self.hash}:{self.seq}"

    @classmethod
    def parse(cls, text: str) -> Anchor:
        """`HASH:N` as `jointops audit head` prints it; ValueError otherwise."""
        found = _ANCHOR.fullmatch(text.strip().lower())
        if found is None:
            raise ValueError("an anchor is HASH:N, as `jointops audit head` prints it")
        anchor = cls(found[1], int(found[2]))
        if anchor.seq == 0 and anchor.hash != GENESIS:
            raise ValueError("the anchor of an empty chain is 0…0:0")
        return anchor
