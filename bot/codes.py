"""The codes a person could type next (agencies, operations, task references), for the
console's completion: what they may see, read from the database."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from operations.agency import service as agency_service
from operations.member import service as member_service
from operations.operation import service as operation_service
from operations.task import service as task_service

TASKS_PER_OPERATION = 500  # references offered per operation (the lowest numbers first)


@dataclass(frozen=True, slots=True)
class Codes:
    """Known codes, each list sorted."""

    agencies: tuple[str, ...] = ()
    operations: tuple[str, ...] = ()
    tasks: tuple[str, ...] = ()


async def known_codes(
    sessions: async_sessionmaker[AsyncSession], *, platform: str, workspace: str, user_id: str
) -> Codes:
    """The agencies, and the live operations and their tasks that this account may see
    (nothing for a stranger)."""
    async with sessions() as session:
        resolved = await member_service.resolve(
            session, platform=platform, workspace=workspace, external_id=user_id
        )
        if resolved is None:
            return Codes()
        actor = resolved[0]
        agencies = [agency.code for agency, _, _ in await agency_service.list_agencies(session)]
        operations = await operation_service.list_operations(session, actor=actor)
        tasks: list[str] = []
        for operation, _, _ in operations:
            numbers = await task_service.task_numbers(
                session, operation=operation, limit=TASKS_PER_OPERATION
            )
            tasks.extend(f"{operation.code}#{n}" for n in numbers)
    return Codes(
        agencies=tuple(sorted(agencies)),
        operations=tuple(sorted(op.code for op, _, _ in operations)),
        tasks=tuple(tasks),
    )
