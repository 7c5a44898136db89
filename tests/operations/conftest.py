"""Fixtures of the domain tests: a populated world built through the services."""

from __future__ import annotations

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from operations.actor import Actor
from tests.operations.factories import Cast, make_admin, make_cast


@pytest.fixture
async def cast(session: AsyncSession) -> Cast:
    return await make_cast(session)


@pytest.fixture
async def admin_actor(session: AsyncSession) -> Actor:
    return await make_admin(session)
