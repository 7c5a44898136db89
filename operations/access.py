"""Need-to-know and write permissions that depend on agencies, not only on roles."""

from __future__ import annotations

from sqlalchemy import BindParameter, ColumnElement, exists, select, true

from operations.actor import Actor
from operations.enums import Role
from operations.errors import NotPermitted
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


def require_runs(actor: Actor, action: str) -> None:
    """Only admins and coordinators (of a participating agency) run an operation."""
    if actor.role not in (Role.ADMIN, Role.COORDINATOR):
        raise NotPermitted(action, roles=(Role.ADMIN, Role.COORDINATOR))


def require_updates_task(actor: Actor, action: str, *, assignee_agency_id: int) -> None:
    """Admins and coordinators update any visible task; liaisons those of their own agency."""
    if actor.role in (Role.ADMIN, Role.COORDINATOR):
        return
    if actor.role == Role.LIAISON:
        if actor.agency_id == assignee_agency_id:
            return
        raise NotPermitted(action, roles=(Role.ADMIN, Role.COORDINATOR), reason="other_agency")
    raise NotPermitted(action, roles=(Role.ADMIN, Role.COORDINATOR, Role.LIAISON))
