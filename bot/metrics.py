"""Figures for monitoring (Prometheus text format): commands answered, outbox by state."""

from __future__ import annotations

from collections import Counter

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from operations.delivery import service as delivery_service


class Metrics:
    """Counters kept by this process, plus the outbox as the database sees it."""

    def __init__(self) -> None:
        self.commands: Counter[tuple[str, str]] = Counter()  # (platform, tone)

    def command(self, platform: str, tone: str) -> None:
        self.commands[(platform, tone)] += 1

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
            "# HELP jointops_deliveries Messages in the outbox, by state.",
            "# TYPE jointops_deliveries gauge",
        ]
        lines += [f'jointops_deliveries{{state="{s}"}} {n}' for s, n in deliveries.items()]
        return "\n".join(lines) + "\n"
