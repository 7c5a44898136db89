"""member list, member role, member remove; invite list and invite revoke.

People are named by reference, m<N> (member list shows them); invites by i<N> (invite list),
since their codes are never stored. Every reply is private: who is in is need-to-know.
"""

from __future__ import annotations

import re
from typing import Any

from bot.commands.base import REGISTRY
from bot.context import Context
from bot.i18n import N_
from bot.parser import UsageError
from bot.registry import Kind, Param
from bot.reply import Button, Field, Item, Reply
from operations.acting import Action
from operations.enums import Role
from operations.member import people

MEMBER = Param("MEMBER", Kind.WORD, help=N_("a member reference from member list, e.g. m12"))
_MEMBER_REF = re.compile(r"[mM]([0-9]{1,9})")


def member_id(text: str) -> int:
    """The member id in a reference such as m12, or a UsageError saying what is expected."""
    match = _MEMBER_REF.fullmatch(text.strip())
    if not match:
        raise UsageError(
            N_("{value} is not a member reference (like m12); member list shows them."),
            value=text,
        )
    return int(match[1])


@REGISTRY.command(
    "member list",
    Param("AGENCY", Kind.AGENCY, required=False, help=N_("an agency (default: those you may see)")),
    summary=N_("List members: references, roles, accounts, last seen."),
    action=Action.SEE_PEOPLE,
    private=True,
)
async def member_list(ctx: Context, args: dict[str, Any]) -> Reply:
    found = await people.list_members(ctx.session, actor=ctx.member, agency_code=args["agency"])
    _ = ctx._
    reply = Reply(
        title=ctx.tr.ngettext("{count} member", "{count} members", len(found)), private=True
    )
    for person in found:
        accounts = ", ".join(f"{a.platform}: {a.display_name}" for a in person.accounts)
        reply.items.append(
            Item(
                _(
                    "{ref} — {name}, {role} of {agency}; {accounts}; last seen {seen}",
                    ref=person.ref,
                    name=person.member.display_name,
                    role=_(person.member.role),
                    agency=person.agency.code if person.agency else "—",
                    accounts=accounts or "—",
                    seen=ctx.when(person.last_seen),
                ),
                key=person.ref,
            )
        )
    if not found:
        reply.lines.append(_("No member to show."))
    return reply


@REGISTRY.command(
    "member role",
    MEMBER,
    Param(
        "ROLE",
        Kind.CHOICE,
        choices=tuple(Role),
        help=N_("coordinators may give the liaison and observer roles"),
    ),
    summary=N_("Give a member another role."),
    action=Action.MANAGE_PEOPLE,
    private=True,
)
async def member_role(ctx: Context, args: dict[str, Any]) -> Reply:
    person, before = await people.change_role(
        ctx.session,
        actor=ctx.member,
        member_id=member_id(args["member"]),
        role=Role(args["role"]),
        now=ctx.now,
    )
    _ = ctx._
    return Reply(
        title=_(
            "{name} ({ref}) is now {role} (was {before}).",
            name=person.member.display_name,
            ref=person.ref,
            role=_(person.member.role),
            before=_(before),
        ),
        fields=[Field(_("Agency"), person.agency.code if person.agency else "—")],
        private=True,
    )


@REGISTRY.command(
    "member remove",
    MEMBER,
    summary=N_("Take a member out: every account of theirs stops working at once."),
    action=Action.MANAGE_PEOPLE,
    private=True,
)
async def member_remove(ctx: Context, args: dict[str, Any]) -> Reply:
    removed = await people.remove_member(
        ctx.session, actor=ctx.member, member_id=member_id(args["member"]), now=ctx.now
    )
    person, tr = removed.person, ctx.tr
    platforms = ", ".join(sorted({a.platform for a in person.accounts})) or "—"
    reply = Reply(
        title=ctx._("{name} ({ref}) removed.", name=person.member.display_name, ref=person.ref),
        lines=[
            tr.ngettext(
                "Their account no longer works ({platforms}).",
                "Their {count} accounts no longer work ({platforms}).",
                len(person.accounts),
                platforms=platforms,
            )
        ],
        private=True,
    )
    if removed.invites_voided:
        reply.lines.append(
            tr.ngettext(
                "{count} pending invite they issued is void.",
                "{count} pending invites they issued are void.",
                removed.invites_voided,
            )
        )
    if removed.chats_unlinked:
        reply.lines.append(
            tr.ngettext(
                "{count} private chat of theirs was unlinked.",
                "{count} private chats of theirs were unlinked.",
                removed.chats_unlinked,
            )
        )
    return reply


@REGISTRY.command(
    "invite list",
    summary=N_("List the pending invites you may revoke."),
    action=Action.MANAGE_PEOPLE,
    private=True,
)
async def invite_list(ctx: Context, args: dict[str, Any]) -> Reply:
    pending = await people.list_invites(ctx.session, actor=ctx.member, now=ctx.now)
    _ = ctx._
    reply = Reply(
        title=ctx.tr.ngettext("{count} pending invite", "{count} pending invites", len(pending)),
        private=True,
    )
    for p in pending:
        reply.items.append(
            Item(
                _(
                    "{ref} — {role} of {agency}, issued by {issuer}, expires {expires}",
                    ref=p.ref,
                    role=_(p.invite.role),
                    agency=p.agency.code,
                    issuer=p.issuer.display_name,
                    expires=ctx.when(p.invite.expires_at),
                ),
                buttons=[Button(_("Revoke"), f"invite revoke {p.ref}")],
                key=p.ref,
            )
        )
    if not pending:
        reply.lines.append(_("No pending invite."))
    return reply


@REGISTRY.command(
    "invite revoke",
    Param("CODE", Kind.WORD, help=N_("the invite code, or its reference from invite list (i12)")),
    summary=N_("Void a pending invite, by its code or its reference."),
    action=Action.MANAGE_PEOPLE,
    private=True,
)
async def invite_revoke(ctx: Context, args: dict[str, Any]) -> Reply:
    revoked = await people.revoke_invite(
        ctx.session, actor=ctx.member, key=args["code"], now=ctx.now
    )
    _ = ctx._
    return Reply(
        title=_("Invite {key} revoked: it can no longer be used.", key=revoked.key),
        fields=[
            Field(_("Agency"), revoked.agency.code),
            Field(_("Role"), _(revoked.invite.role)),
        ],
        private=True,
    )
