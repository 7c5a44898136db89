"""result, result undo and results: what the agencies of an operation achieved."""

from __future__ import annotations

import re
from typing import Any

from babel import Locale

from bot.commands.base import OPERATION, REGISTRY
from bot.context import Context
from bot.i18n import N_
from bot.parser import UsageError
from bot.registry import Kind, Param
from bot.reply import Button, Field, Item, Reply, Section, UserText
from bot.views import figure, figures_line, mark_suspended
from operations.acting import Action
from operations.enums import ResultKind
from operations.operation.models import Operation
from operations.result import service as result_service
from operations.result.models import NOTE_MAX, Result

_COUNT = re.compile(r"[+-]?\d{1,15}")  # \d: the reader's digits too (Arabic-Indic)


def _count(text: str) -> int:
    """A count as typed (12, -3 is read and refused by the domain), or a UsageError."""
    if not _COUNT.fullmatch(text.strip()):
        raise UsageError(N_("{value} is not a count: use a whole number, such as 12."), value=text)
    return int(text.strip())


def _number(text: str) -> int:
    number = text.lstrip("#")
    if not number.isdigit() or len(number) > 9:
        raise UsageError(N_("{value} is not a result number (like 3)."), value=text)
    return int(number)


def _country(ctx: Context, code: str) -> str:
    """A country's name in the reader's language, with its code: "France (FR)"."""
    name = Locale.parse(ctx.tr.locale).territories.get(code, code)
    return f"{name} ({ctx.tr.isolate(code)})"


def _one(ctx: Context, result: Result) -> str:
    """A result's figure: "arrests: 12", "arrests: 12 (preliminary)"."""
    text = figure(ctx, result.kind, result.count, 0)
    return ctx._("{figure} (preliminary)", figure=text) if result.preliminary else text


def _about(ctx: Context, result: Result) -> list[str]:
    lines = [f"{ctx.tr.isolate(result.agency.code)}: {_one(ctx, result)}"]
    if result.note:
        lines.append(UserText(result.note))
    return lines


def _withheld(ctx: Context, count: int) -> str:
    return ctx.tr.ngettext(
        "{count} result withheld by the operation's TLP marking.",
        "{count} results withheld by the operation's TLP marking.",
        count,
    )


async def _reads(ctx: Context, operation: Operation) -> bool:
    return (await ctx.lens(operation)).reads_results(operation.tlp)


@REGISTRY.command(
    "result",
    OPERATION,
    Param("KIND", Kind.CHOICE, choices=tuple(ResultKind), help=N_("what was achieved")),
    Param("COUNT", Kind.WORD, help=N_("how many: a whole number")),
    Param(
        "AGENCY",
        Kind.AGENCY,
        flag="agency",
        required=False,
        help=N_("the agency that achieved it (default: yours)"),
    ),
    Param(
        "preliminary",
        Kind.SWITCH,
        flag="preliminary",
        required=False,
        help=N_("the figure is not confirmed yet"),
    ),
    Param("note", Kind.TEXT, required=False, max_length=NOTE_MAX, help=N_("what it is about")),
    summary=N_("Record what an agency achieved in an operation (arrests, seizures...)."),
    action=Action.RECORD_RESULT,
)
async def result(ctx: Context, args: dict[str, Any]) -> Reply:
    operation, recorded = await result_service.record_result(
        ctx.session,
        actor=ctx.member,
        code=args["code"],
        kind=ResultKind(args["kind"]),
        count=_count(args["count"]),
        agency_code=args["agency"],
        preliminary=args["preliminary"],
        note=args["note"],
        now=ctx.now,
    )
    _ = ctx._
    code, number = operation.code, str(recorded.number)
    reply = Reply(
        title=_("Result #{number} recorded on {code}.", number=number, code=code),
        buttons=[Button(_("Results"), f"results {code}")],
    )
    if await _reads(ctx, operation):
        reply.tlp = operation.tlp
        reply.lines += _about(ctx, recorded)
    else:
        reply.lines.append(_withheld(ctx, 1))
    reply.lines.append(_("To withdraw it: result undo {code} {number}", code=code, number=number))
    return mark_suspended(ctx, reply, operation)


@REGISTRY.command(
    "result undo",
    OPERATION,
    Param("N", Kind.WORD, help=N_("the result's number, as result and results show it")),
    summary=N_("Withdraw a result recorded by mistake."),
    action=Action.RECORD_RESULT,
)
async def result_undo(ctx: Context, args: dict[str, Any]) -> Reply:
    operation, withdrawn = await result_service.withdraw_result(
        ctx.session,
        actor=ctx.member,
        code=args["code"],
        number=_number(args["n"]),
        now=ctx.now,
    )
    _ = ctx._
    reply = Reply(
        title=_(
            "Result #{number} on {code} withdrawn.",
            number=str(withdrawn.number),
            code=operation.code,
        ),
        buttons=[Button(_("Results"), f"results {operation.code}")],
    )
    if await _reads(ctx, operation):
        reply.tlp = operation.tlp
        reply.lines += _about(ctx, withdrawn)
    else:
        reply.lines.append(_withheld(ctx, 1))
    return mark_suspended(ctx, reply, operation)


@REGISTRY.command(
    "results",
    OPERATION,
    summary=N_("An operation's results per country and agency, preliminary figures marked."),
)
async def results(ctx: Context, args: dict[str, Any]) -> Reply:
    found = await result_service.report(
        ctx.session, actor=ctx.member, code=args["code"], viewer=ctx.viewer
    )
    _, iso = ctx._, ctx.tr.isolate
    operation = found.operation
    code = operation.code
    reply = Reply(title=_("Results of {code}", code=code))
    if found.withheld:
        reply.lines.append(_withheld(ctx, found.withheld))
        return mark_suspended(ctx, reply, operation)
    if not found.totals:
        reply.lines.append(_("No result recorded yet."))
        reply.lines.append(_("Record one with: result {code} KIND COUNT", code=code))
        return mark_suspended(ctx, reply, operation)
    reply.tlp = operation.tlp
    reply.fields.append(Field(_("Total"), figures_line(ctx, found.totals)))
    for country in found.countries:
        lines = [f"{iso(a.code)}: {figures_line(ctx, a.figures)}" for a in country.agencies]
        if len(country.agencies) > 1:
            lines.insert(
                0, _("All its agencies: {figures}", figures=figures_line(ctx, country.figures))
            )
        reply.sections.append(Section(_country(ctx, country.country), lines=lines))
    reply.sections.append(
        Section(
            _("Recorded (withdraw one with: result undo {code} N)", code=code),
            items=[_recorded(ctx, r, author) for r, author in found.latest],
        )
    )
    reply.buttons.append(Button(_("Summary"), f"summary {code}"))
    return mark_suspended(ctx, reply, operation)


def _recorded(ctx: Context, recorded: Result, author: str) -> Item:
    text = ctx._(
        "#{number} {agency}: {figure} — {author}, {when}",
        number=str(recorded.number),
        agency=recorded.agency.code,
        figure=_one(ctx, recorded),
        author=author,
        when=ctx.when(recorded.created_at),
    )
    if recorded.note:
        text += " — " + ctx.tr.isolate(recorded.note)
    return Item(text, key=f"#{recorded.number}")
