"""Record what agencies achieved in an operation, withdraw a figure, roll them up."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from operations import validation
from operations.acting import Action
from operations.actor import Actor
from operations.agency import service as agency_service
from operations.agency.models import Agency
from operations.audit import service as audit
from operations.enums import ParticipationRole, ResultKind
from operations.errors import Conflict, Invalid, NotFound
from operations.knowing import Lens, Viewer, person
from operations.operation import queries as operation_queries
from operations.operation import service as operation_service
from operations.operation.models import Operation
from operations.result import queries
from operations.result.models import COUNT_MAX, NOTE_MAX, Result

LATEST_LIMIT = 20

Figures = dict[ResultKind, tuple[int, int]]  # kind -> (confirmed, preliminary)


@dataclass(frozen=True)
class AgencyResults:
    code: str
    name: str
    figures: Figures


@dataclass(frozen=True)
class CountryResults:
    country: str  # ISO 3166-1 alpha-2
    agencies: list[AgencyResults]
    figures: Figures


@dataclass(frozen=True)
class ResultsReport:
    """An operation's results as one reader may read them; `withheld` counts what the
    marking keeps from them (then nothing else is filled)."""

    operation: Operation
    countries: list[CountryResults] = field(default_factory=list)
    totals: Figures = field(default_factory=dict)
    latest: list[tuple[Result, str]] = field(default_factory=list)
    withheld: int = 0


def _key(operation: Operation, number: int) -> str:
    return f"{operation.code} #{number}"


def _count(count: int) -> int:
    if count < 0:
        raise Invalid("count", "negative", value=str(count))
    if count > COUNT_MAX:
        raise Invalid("count", "too_large", value=str(count), max=str(COUNT_MAX))
    return count


async def _recording_agency(session: AsyncSession, actor: Actor, agency_code: str | None) -> Agency:
    """The agency a result is for: the one named, else the actor's own."""
    code = agency_code or actor.agency_code
    if code is None:
        raise Invalid("result_agency", "required")
    return await agency_service.get_agency(session, code=code)


async def record_result(
    session: AsyncSession,
    *,
    actor: Actor,
    code: str,
    kind: ResultKind,
    count: int,
    agency_code: str | None = None,
    preliminary: bool = False,
    note: str | None = None,
    now: datetime,
) -> tuple[Operation, Result]:
    """Record a figure for the lead or a participant agency, numbered in the operation."""
    figure = _count(count)
    clean_note = validation.text("note", note, max_length=NOTE_MAX) if note else None
    operation = await operation_service.get_operation(session, actor=actor, code=code, lock=True)
    agency = await _recording_agency(session, actor, agency_code)
    await operation_service.authorize(
        session,
        actor=actor,
        action=Action.RECORD_RESULT,
        command="result",
        operation=operation,
        subject_agency_id=agency.id,
    )
    operation_service.require_live(operation, "result")
    participation = await operation_queries.participation(session, operation.id, agency.id)
    if participation is None:
        raise Invalid("agency", "not_participating", agency=agency.code, operation=operation.code)
    if participation.role == ParticipationRole.OBSERVER:
        raise Invalid("result_agency", "observer", agency=agency.code, operation=operation.code)
    result = Result(
        operation_id=operation.id,
        number=await queries.next_number(session, operation.id),
        agency_id=agency.id,
        kind=kind,
        count=figure,
        preliminary=preliminary,
        note=clean_note,
        author_id=actor.member_id,
        created_at=now,
    )
    session.add(result)
    await session.flush()
    result.agency = agency
    await audit.record(
        session,
        actor=actor,
        action="result.add",
        subject=f"operation:{operation.code}",
        now=now,
        details={
            "result": result.number,
            "agency": agency.code,
            "kind": str(kind),
            "count": figure,
            "preliminary": preliminary,
        },
        rows=[result],
    )
    return operation, result


async def withdraw_result(
    session: AsyncSession, *, actor: Actor, code: str, number: int, now: datetime
) -> tuple[Operation, Result]:
    """Withdraw a result (it stays on record, out of every figure)."""
    operation = await operation_service.get_operation(session, actor=actor, code=code, lock=True)
    result = await queries.by_number(session, operation.id, number, lock=True)
    if result is None:
        raise NotFound("result", _key(operation, number))
    await operation_service.authorize(
        session,
        actor=actor,
        action=Action.RECORD_RESULT,
        command="result undo",
        operation=operation,
        subject_agency_id=result.agency_id,
    )
    operation_service.require_live(operation, "result undo")
    if result.withdrawn_at is not None:
        raise Conflict("result", _key(operation, number), reason="withdrawn")
    result.withdrawn_at, result.withdrawn_by_id = now, actor.member_id
    await session.flush()
    await audit.record(
        session,
        actor=actor,
        action="result.withdraw",
        subject=f"operation:{operation.code}",
        now=now,
        details={"result": number, "agency": result.agency.code, "kind": str(result.kind)},
        rows=[result],
    )
    return operation, result


def _add(figures: Figures, more: Mapping[ResultKind, tuple[int, int]]) -> None:
    for kind, (confirmed, preliminary) in more.items():
        was = figures.get(kind, (0, 0))
        figures[kind] = (was[0] + confirmed, was[1] + preliminary)


def ordered(figures: Figures) -> Figures:
    """The figures in the order of the kinds (arrests first, other last)."""
    return {kind: figures[kind] for kind in ResultKind if kind in figures}


async def totals(session: AsyncSession, *, operation: Operation, lens: Lens) -> tuple[Figures, int]:
    """An operation's figures per kind as `lens` may read them, and how many results the
    marking withholds (then no figure)."""
    if not lens.reads_results(operation.tlp):
        return {}, await queries.live_count(session, operation.id)
    return ordered(await queries.totals(session, operation.id)), 0


async def report(
    session: AsyncSession, *, actor: Actor, code: str, viewer: Viewer | None = None
) -> ResultsReport:
    """An operation's results per country and agency, with the latest ones recorded, as
    `viewer` may read them (default: the actor in private)."""
    operation = await operation_service.get_operation(session, actor=actor, code=code)
    lens = await operation_service.lens(
        session, viewer=viewer or person(actor), operation=operation
    )
    if not lens.reads_results(operation.tlp):
        return ResultsReport(operation, withheld=await queries.live_count(session, operation.id))
    countries: dict[str, CountryResults] = {}
    agencies: dict[str, AgencyResults] = {}
    for country, agency_code, name, kind, confirmed, preliminary in await queries.rollup(
        session, operation.id
    ):
        place = countries.setdefault(country, CountryResults(country, [], {}))
        if agency_code not in agencies:
            agencies[agency_code] = AgencyResults(agency_code, name, {})
            place.agencies.append(agencies[agency_code])
        agencies[agency_code].figures[kind] = (confirmed, preliminary)
        _add(place.figures, {kind: (confirmed, preliminary)})
    total: Figures = {}
    for place in countries.values():
        _add(total, place.figures)
    return ResultsReport(
        operation,
        countries=[
            CountryResults(
                c.country,
                [AgencyResults(a.code, a.name, ordered(a.figures)) for a in c.agencies],
                ordered(c.figures),
            )
            for c in countries.values()
        ],
        totals=ordered(total),
        latest=await queries.latest(session, operation.id, limit=LATEST_LIMIT),
    )
