"""Record status updates on operations."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from operations import events, validation
from operations.acting import Action
from operations.actor import Actor
from operations.audit import service as audit
from operations.enums import TLP
from operations.events import Event, EventKind
from operations.operation import service as operation_service
from operations.operation.models import Operation
from operations.status.models import StatusUpdate

STATUS_TEXT_MAX = 3000


async def post_status(
    session: AsyncSession,
    *,
    actor: Actor,
    code: str,
    text: str,
    tlp: TLP | None = None,
    now: datetime,
) -> tuple[Operation, StatusUpdate]:
    """Store a status update on a live operation."""
    clean = validation.text("text", text, max_length=STATUS_TEXT_MAX, multiline=True)
    operation = await operation_service.get_operation(session, actor=actor, code=code)
    await operation_service.authorize(
        session, actor=actor, action=Action.POST_STATUS, command="status", operation=operation
    )
    operation_service.require_live(operation, "status")
    update = StatusUpdate(
        operation_id=operation.id,
        author_id=actor.member_id,
        text=clean,
        tlp=tlp or operation.tlp,
        created_at=now,
    )
    session.add(update)
    await session.flush()
    await audit.record(
        session,
        actor=actor,
        action="status.post",
        subject=f"operation:{operation.code}",
        now=now,
        details={"status_update": update.id, "tlp": str(update.tlp)},
        rows=[update],
    )
    events.emit(
        session,
        Event(
            EventKind.STATUS_POSTED,
            operation,
            f"status:{update.id}",
            status=update,
            detail={"author": actor.label},
        ),
    )
    return operation, update
