"""Need-to-know of operations: which ones a member may know exist."""

from __future__ import annotations

from sqlalchemy import BindParameter, ColumnElement, exists, select, true

from operations.actor import Actor
from operations.operation.models import Operation, Participation


def visible_operations(actor: Actor) -> ColumnElement[bool]:
    """A WHERE clause on Operation: the operations the actor may know about."""
    if actor.reads_everything:
        return true()
    return participates(actor.agency_id)


def participates(agency_id: int | BindParameter[int] | None) -> ColumnElement[bool]:
    """A WHERE clause on Operation: the agency takes part in it."""
    return exists(
        select(Participation.id).where(
            Participation.operation_id == Operation.id,
            Participation.agency_id == agency_id,
        )
    )
