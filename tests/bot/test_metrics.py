"""Monitoring figures: commands answered by outcome, and the outbox by state."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.dispatcher import Dispatcher
from tests.conftest import Person


async def test_metrics_count_commands_and_deliveries(
    admin: Person, dispatcher: Dispatcher, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await admin.says('agency add FR "France" --country FR --tz Europe/Paris')
    await admin.says("op list")
    await admin.says("tsak")
    text = await dispatcher.metrics.render(sessions)
    assert 'jointops_commands_total{platform="console",outcome="ok"} 2' in text
    assert 'jointops_commands_total{platform="console",outcome="error"} 1' in text
    assert 'jointops_deliveries{state="pending"} 0' in text
    assert "# TYPE jointops_deliveries gauge" in text


async def test_refused_requests_are_counted_by_platform_and_reason(
    dispatcher: Dispatcher, sessions: async_sessionmaker[AsyncSession]
) -> None:
    for _ in range(3):
        dispatcher.metrics.refuse("slack", "signature")
    dispatcher.metrics.refuse("telegram", "malformed")
    text = await dispatcher.metrics.render(sessions)
    assert "# TYPE jointops_requests_refused_total counter" in text
    assert 'jointops_requests_refused_total{platform="slack",reason="signature"} 3' in text
    assert 'jointops_requests_refused_total{platform="telegram",reason="malformed"} 1' in text
