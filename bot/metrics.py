"""Figures for monitoring (Prometheus text format): commands answered, requests refused, outbox
by state; and whether the database answers (for /healthz)."""

from __future__ import annotations

import asyncio
import logging
from collections import Counter

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from operations.delivery import service as delivery_service

log = logging.getLogger(__name__)
HEALTH_TIMEOUT = 5.0  # seconds: a database slower than this is reported down


class Metrics:
    """Counters kept by this process, plus the outbox as the database sees it."""

    def __init__(self) -> None:
        self.commands: Counter[tuple[str, str]] = Counter()  # (platform, tone)
        self.refused: Counter[tuple[str, str]] = Counter()  # (platform, reason)

    def command(self, platform: str, tone: str) -> None:
        self.commands[(platform, tone)] += 1

    def refuse(self, platform: str, reason: str) -> None:
        """A request refused before it reached a command (forged, stale, malformed)."""
        self.refused[(platform, reason)] += 1

    async def render(self, sessions: async_sessionmaker[AsyncSession]) -> str:
        """The Prometheus text exposition."""
        async with sessions() as session:
            deliveries = await delivery_service.totals(session)
        lines = [
            "# HELP jointops_commands_total Commands answered by this process.",
            "# TYPE jointops_commands_total counter",
        ]
        lines += [
            f'jointops_commands_total{{platform="{platform}",outcome="{tone}"}} {n}'
            for (platform, tone), n in sorted(self.commands.items())
        ]
        lines += [
            "# HELP jointops_requests_refused_total Platform requests refused by this process "
            "before any command ran (bad signature or secret, stale timestamp, malformed body).",
            "# TYPE jointops_requests_refused_total counter",
        ]
        lines += [
            f'jointops_requests_refused_total{{platform="{platform}",reason="{reason}"}} {n}'
            for (platform, reason), n in sorted(self.refused.items())
        ]
        lines += [
            "# HELP jointops_deliveries Messages in the outbox, by state.",
            "# TYPE jointops_deliveries gauge",
        ]
        lines += [f'jointops_deliveries{{state="{s}"}} {n}' for s, n in deliveries.items()]
        return "\n".join(lines) + "\n"


async def database_answers(sessions: async_sessionmaker[AsyncSession]) -> bool:
    """Whether the database answers a trivial query within HEALTH_TIMEOUT seconds."""
    try:
        async with asyncio.timeout(HEALTH_TIMEOUT), sessions() as session:
            await session.execute(text("SELECT 1"))
    except Exception as exc:  # any failure means "down"; only its kind is logged
        log.warning("health check: the database did not answer (%s)", type(exc).__name__)
        return False
    return True
