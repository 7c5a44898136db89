"""Once a day, each admin gets the audit chain's head in private: an anchor kept outside the
database, which `jointops audit verify --anchor HASH:N` checks the chain still extends."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from bot import notify
from bot.context import Reader
from bot.reply import Reply
from operations.audit import service as audit_service
from operations.audit.chain import Anchor
from operations.member import service as member_service
from operations.reminder import service as reminder_service

ANCHOR_AT = time(8, 0)  # each admin's local time
WINDOW = timedelta(hours=6)  # missed by more than this (bot down): skipped that day


async def send_anchors(
    session: AsyncSession, *, now: datetime, default_timezone: str, default_language: str
) -> int:
    """Queue today's anchor for every admin whose local ANCHOR_AT has come (once a day each,
    recorded like a reminder); returns how many admins it went to."""
    anchor = await audit_service.head(session)
    if anchor.seq == 0:
        return 0
    sent = 0
    for member, agency, accounts in await member_service.admin_accounts(session):
        reader = notify.person_reader(
            member,
            agency,
            now=now,
            default_timezone=default_timezone,
            default_language=default_language,
        )
        local = now.astimezone(reader.tz)
        start = datetime.combine(local.date(), ANCHOR_AT, tzinfo=reader.tz)
        chats = [a for a in accounts if a.platform != "console"]  # the console receives nothing
        if not chats or not start <= local < start + WINDOW:
            continue
        key = f"anchor:{member.id}:{local.date().isoformat()}"
        if not await reminder_service.record_fired(session, key=key, now=now):
            continue
        await notify.to_person(
            session,
            reader=reader,
            member=member,
            agency=agency,
            build=lambda r: _message(r, anchor),
            kind="anchor",
            key=key,
            now=now,
        )
        sent += 1
    return sent


def _message(r: Reader, anchor: Anchor) -> Reply:
    return Reply(
        title=r._("Audit anchor of {date}", date=r.day(r.now)),
        lines=[
            str(anchor),
            r._(
                "Keep this message: jointops audit verify --anchor {anchor} fails if "
                "the audit trail has since been cut short or rewritten.",
                anchor=str(anchor),
            ),
        ],
        private=True,
    )
