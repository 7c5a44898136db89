"""Who is acting: the resolved member behind a chat identity."""

from __future__ import annotations

from dataclasses import dataclass

from operations.enums import Role


@dataclass(frozen=True, slots=True)
class Actor:
    """The member on whose behalf a service runs, and the platform they used."""

    member_id: int
    name: str
    role: Role
    agency_id: int | None
    agency_code: str | None
    platform: str

    @property
    def reads_everything(self) -> bool:
        """Admins and supervisors see every operation."""
        return self.role in (Role.ADMIN, Role.SUPERVISOR)

    @property
    def label(self) -> str:
        """How the actor is named in the audit trail."""
        return f"{self.name} ({self.agency_code})" if self.agency_code else self.name
