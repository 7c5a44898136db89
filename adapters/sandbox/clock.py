"""The sandbox's clock: the real time, plus however far the visitor moved it forward."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta


class SandboxClock:
    """Runs like the real clock (so retries and leases fall due on their own), and jumps ahead
    when told, so that reminders, chases and digests can be watched firing."""

    def __init__(self) -> None:
        self.offset = timedelta(0)

    def now(self) -> datetime:
        return datetime.now(UTC) + self.offset

    def advance(self, delta: timedelta) -> datetime:
        if delta <= timedelta(0):
            raise ValueError("the sandbox clock only moves forward")
        self.offset += delta
        return self.now()
