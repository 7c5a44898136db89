"""member list, member role, member remove; invite list and invite revoke."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select

from bot.reply import Tone
from operations.audit.models import AuditEvent
from operations.member.models import Identity, Invite, Member
from tests.bot.conftest import World
from tests.bot.helpers import ok, refused
from tests.conftest import Person

CODE = re.compile(r"join ([A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4})")


async def ref(person: Person) -> str:
    """The member reference (m<N>) of someone's account."""
    async with person.chat.dispatcher.sessions() as session:
        member_id = await session.scalar(
            select(Identity.member_id).where(
                Identity.platform == person.platform, Identity.external_id == person.user_id
            )
        )
    assert member_id is not None, person.user_id
    return f"m{member_id}"


async def last_audit(world: World) -> AuditEvent:
    async with world.chat.dispatcher.sessions() as session:
        event = await session.scalar(select(AuditEvent).order_by(AuditEvent.seq.desc()).limit(1))
    assert event is not None
    return event


async def invite(inviter: Person, agency: str, role: str) -> str:
    match = CODE.search("\n".join((await ok(inviter, f"invite {agency} --role {role}")).lines))
    assert match
    return match[1]


async def assert_stranger(person: Person) -> None:
    """Answered as someone the bot does not know: only help and join work."""
    await refused(person, "whoami", "not a member")
    help_ = await ok(person, "help", "join CODE")
    assert "member list" not in "\n".join(person.reply.text_lines())
    assert help_.items


# --- member list -------------------------------------------------------------------------------


async def test_member_list_shows_references_roles_accounts_and_last_seen(world: World) -> None:
    liaison = await world.member("liaison", "FR-OCLCTIC")
    reply = await ok(world.admin, "member list", await ref(liaison))
    assert reply.private
    [line] = [i.text for i in reply.items if i.key == await ref(liaison)]
    assert line.startswith(f"{await ref(liaison)} — Liaison of FR-OCLCTIC, liaison of FR-OCLCTIC;")
    assert "telegram: Liaison of FR-OCLCTIC" in line
    assert line.endswith("; last seen 26 Nov 2026, 10:00 UTC")


async def test_coordinators_list_their_own_agency_only(world: World) -> None:
    coordinator = await world.member("coordinator", "FR-OCLCTIC", reads="en")
    await world.member("liaison", "ES-UCO", reads="en")
    reply = await ok(coordinator, "member list")
    assert {i.text.split(" of ")[-1].split(";")[0] for i in reply.items} == {"FR-OCLCTIC"}
    assert reply.title == "1 member"
    await refused(coordinator, "member list ES-UCO", "coordinators (their own agency only)")


async def test_supervisors_list_any_agency_and_liaisons_none(world: World) -> None:
    supervisor = await world.member("supervisor", "AE-DXB", reads="en")
    liaison = await world.member("liaison", "ES-UCO", reads="en")
    reply = await ok(supervisor, "member list ES-UCO")
    assert [i.key for i in reply.items] == [await ref(liaison)]
    await refused(liaison, "member list", "Only")


async def test_member_list_of_an_agency_without_members(world: World) -> None:
    reply = await ok(world.admin, "member list US-FDA", "No member to show.")
    assert reply.title == "0 members"


# --- member role -------------------------------------------------------------------------------


async def test_member_role_changes_it_and_is_audited(world: World) -> None:
    coordinator = await world.member("coordinator", "FR-OCLCTIC", reads="en")
    liaison = await world.member("liaison", "FR-OCLCTIC", reads="en")
    member = await ref(liaison)
    reply = await ok(coordinator, f"member role {member} observer", "is now observer")
    assert reply.private
    assert "(was liaison)" in reply.title
    event = await last_audit(world)
    assert (event.action, event.subject) == ("member.role", f"member:{member[1:]}")
    await refused(liaison, "task start PANGEA-18#1", "Only")  # observers do not work tasks


async def test_member_role_refusals(world: World) -> None:
    coordinator = await world.member("coordinator", "FR-OCLCTIC", reads="en")
    liaison = await world.member("liaison", "FR-OCLCTIC", reads="en")
    other = await world.member("liaison", "ES-UCO", reads="en")
    mine, theirs, me = await ref(liaison), await ref(other), await ref(coordinator)
    await refused(coordinator, f"member role {mine} coordinator", "coordinators, for liaisons")
    await refused(coordinator, f"member role {theirs} observer", f"No member {theirs}.")
    await refused(coordinator, f"member role {me} liaison", "your own role")
    await refused(coordinator, "member role m999 observer", "No member m999.")
    await refused(coordinator, f"member role {mine} liaison", "already has that role")
    await refused(
        coordinator,
        "member role x1 observer",
        "x1 is not a member reference",
        command="member role",
    )
    await refused(coordinator, f"member role {mine} boss", "boss", command="member role")
    await refused(liaison, f"member role {mine} observer", "Only")


# --- member remove -----------------------------------------------------------------------------


async def test_a_removed_member_is_a_stranger_on_every_account(world: World) -> None:
    coordinator = await world.member("coordinator", "ES-UCO", reads="en")
    liaison = await world.member("liaison", "ES-UCO", reads="en")
    code = (await liaison.says("connect")).split("join ")[-1].split()[0]
    on_slack = world.chat.person("U77", "Lu", platform="slack", workspace="T1", chat_id="D77")
    await ok(on_slack, f"join {code}", "linked")
    reply = await ok(coordinator, f"member remove {await ref(liaison)}", "removed")
    assert reply.private
    assert "Their 2 accounts no longer work (slack, telegram)." in reply.lines
    await assert_stranger(liaison)
    await assert_stranger(on_slack)
    event = await last_audit(world)
    assert event.action == "member.remove"
    async with world.chat.dispatcher.sessions() as session:
        removed = await session.scalar(select(Member).where(Member.display_name == liaison.name))
    assert removed is not None and removed.removed_at == world.clock.now()


async def test_a_removed_member_can_join_again_with_a_new_invite(world: World) -> None:
    liaison = await world.member("liaison", "FR-OCLCTIC")
    await ok(world.admin, f"member remove {await ref(liaison)}")
    code = await invite(world.admin, "FR-OCLCTIC", "observer")
    await ok(liaison, f"join {code}", "Vous avez rejoint FR-OCLCTIC")  # the agency's French


async def test_the_invites_a_removed_member_issued_are_void(world: World) -> None:
    coordinator = await world.member("coordinator", "FR-OCLCTIC")
    code = await invite(coordinator, "FR-OCLCTIC", "liaison")
    reply = await ok(world.admin, f"member remove {await ref(coordinator)}")
    assert "1 pending invite they issued is void." in reply.lines
    await refused(world.stranger(), f"join {code}", "revoked")


async def test_member_remove_refusals(world: World) -> None:
    coordinator = await world.member("coordinator", "FR-OCLCTIC", reads="en")
    other = await world.member("liaison", "ES-UCO", reads="en")
    admin_tg = await world.admin_on_telegram()
    await refused(coordinator, f"member remove {await ref(coordinator)}", "remove yourself")
    await refused(coordinator, f"member remove {await ref(other)}", "No member")
    await refused(coordinator, f"member remove {await ref(admin_tg)}", "No member")
    await refused(world.admin, f"member remove {await ref(admin_tg)}", "remove yourself")
    await refused(world.admin, "member remove m999", "No member m999.")
    await refused(world.admin, "member remove x1", "x1", command="member remove")
    await refused(world.admin, "member remove", "MEMBER", command="member remove")


async def test_admins_demote_other_admins_but_never_themselves(world: World) -> None:
    second = world.on_telegram("second-admin", "Second Admin")
    await second.joins_with_invite_from(world.admin, "FR-OCLCTIC", "admin")
    await ok(second, "me lang en")
    await ok(second, f"member role {await ref(world.admin)} supervisor", "is now supervisor")
    # the local administrator, a supervisor now, manages nobody; the last admin stays one
    await refused(world.admin, f"member remove {await ref(second)}", "Only")
    await refused(second, f"member role {await ref(second)} liaison", "your own role")
    await refused(second, f"member remove {await ref(second)}", "remove yourself")


# --- invite list and invite revoke -------------------------------------------------------------


async def test_invite_list_and_revoke_by_reference(world: World) -> None:
    coordinator = await world.member("coordinator", "FR-OCLCTIC", reads="en")
    code = await invite(coordinator, "FR-OCLCTIC", "liaison")
    await invite(world.admin, "ES-UCO", "observer")
    reply = await ok(coordinator, "invite list", "1 pending invite")
    assert reply.private
    [item] = reply.items
    assert ", issued by Coordinator of FR-OCLCTIC, expires 29 Nov 2026, 11:00 CET" in item.text
    assert item.text.startswith(f"{item.key} — liaison of FR-OCLCTIC")
    assert [b.command for b in item.buttons] == [f"invite revoke {item.key}"]
    await ok(coordinator, f"invite revoke {item.key}", f"Invite {item.key} revoked")
    assert (await last_audit(world)).action == "invite.revoke"
    await refused(world.stranger(), f"join {code}", "revoked")
    await ok(coordinator, "invite list", "No pending invite.")


async def test_invite_revoke_by_code(world: World) -> None:
    code = await invite(world.admin, "ES-UCO", "liaison")
    await ok(world.admin, f"invite revoke {code.lower()}", f"Invite {code.lower().upper()} revoked")
    async with world.chat.dispatcher.sessions() as session:
        revoked = await session.scalar(select(Invite).where(Invite.revoked_at.is_not(None)))
    assert revoked is not None


async def test_invite_revoke_refusals(world: World) -> None:
    coordinator = await world.member("coordinator", "FR-OCLCTIC", reads="en")
    used = await invite(world.admin, "FR-OCLCTIC", "liaison")
    await ok(world.stranger(), f"join {used}")
    await refused(world.admin, f"invite revoke {used}", "already been used")
    theirs = await invite(world.admin, "ES-UCO", "liaison")
    await refused(coordinator, f"invite revoke {theirs}", "No such invite code")
    higher = await invite(world.admin, "FR-OCLCTIC", "coordinator")
    await refused(coordinator, f"invite revoke {higher}", "Only")
    await refused(world.admin, "invite revoke i999", "No such invite code: i999.")
    await refused(world.admin, "invite revoke x1", "x1 is neither", command="invite revoke")
    world.clock.advance(timedelta(hours=73))
    await refused(world.admin, f"invite revoke {theirs}", "already expired")


async def test_a_liaison_may_not_list_invites(world: World) -> None:
    liaison = await world.member("liaison", "FR-OCLCTIC", reads="en")
    reply = await refused(liaison, "invite list", "Only")
    assert liaison.reply.tone == Tone.ERROR and reply.private
