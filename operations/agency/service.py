"""Register and look up agencies."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from operations import acting, validation
from operations.acting import Action
from operations.actor import Actor
from operations.agency import queries
from operations.agency.models import Agency
from operations.audit import service as audit
from operations.db import unique
from operations.enums import Language
from operations.errors import Conflict, Invalid, NotFound


async def add_agency(
    session: AsyncSession,
    *,
    actor: Actor,
    code: str,
    name: str,
    country: str,
    timezone: str,
    language: str = Language.EN,
    now: datetime,
) -> Agency:
    """Register a new agency (admins only)."""
    acting.require(actor, Action.MANAGE_AGENCIES, "agency add")
    agency = Agency(
        code=validation.agency_code(code),
        name=validation.text("name", name, max_length=validation.NAME_MAX),
        country=validation.country(country),
        timezone=validation.timezone(timezone),
        language=validation.language(language),
        created_at=now,
    )
    if await queries.by_code(session, agency.code) is not None:
        raise Conflict("agency", agency.code)
    async with unique(session, "agency", agency.code):
        session.add(agency)
    await audit.record(
        session,
        actor=actor,
        action="agency.add",
        subject=f"agency:{agency.code}",
        now=now,
        details={"name": agency.name, "country": agency.country, "timezone": agency.timezone},
        rows=[agency],
    )
    return agency


async def get_agency(session: AsyncSession, *, code: str) -> Agency:
    """The agency with this code, or NotFound."""
    agency = await queries.by_code(session, code.strip().upper())
    if agency is None:
        raise NotFound("agency", code.strip().upper())
    return agency


async def list_agencies(session: AsyncSession) -> list[tuple[Agency, int, int]]:
    """Every agency with its member and chat counts."""
    return await queries.list_with_counts(session)


async def edit_agency(
    session: AsyncSession,
    *,
    actor: Actor,
    code: str,
    name: str | None = None,
    timezone: str | None = None,
    language: str | None = None,
    now: datetime,
) -> tuple[Agency, dict[str, tuple[str, str]]]:
    """Change an agency's name, timezone or working language (admins only); returns it and
    what changed (field: (before, after))."""
    acting.require(actor, Action.MANAGE_AGENCIES, "agency edit")
    agency = await get_agency(session, code=code)
    wanted: dict[str, str] = {}
    if name is not None:
        wanted["name"] = validation.text("name", name, max_length=validation.NAME_MAX)
    if timezone is not None:
        wanted["timezone"] = validation.timezone(timezone)
    if language is not None:
        wanted["language"] = validation.language(language)
    if not wanted:
        raise Invalid("agency", "nothing_to_change", code=agency.code)
    changes = {
        field: (str(getattr(agency, field)), str(value))
        for field, value in wanted.items()
        if str(getattr(agency, field)) != str(value)
    }
    if not changes:
        raise Invalid("agency", "unchanged", code=agency.code)
    for field, value in wanted.items():
        setattr(agency, field, value)
    await audit.record(
        session,
        actor=actor,
        action="agency.edit",
        subject=f"agency:{agency.code}",
        now=now,
        details={
            field: {"from": before, "to": after} for field, (before, after) in changes.items()
        },
        rows=[agency],
    )
    return agency, changes
