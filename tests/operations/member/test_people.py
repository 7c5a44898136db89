"""People and access: member list, roles, removal; pending invites and revoking them."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from operations.actor import Actor
from operations.audit.models import AuditEvent
from operations.delivery import service as delivery_service
from operations.delivery.models import CANCELLED, PENDING, Delivery
from operations.delivery.service import Outgoing
from operations.enums import Role
from operations.errors import Conflict, Invalid, NotFound, NotPermitted
from operations.member import people, service
from operations.member.models import Identity, Invite, Member
from tests.conftest import START
from tests.operations.factories import Cast, audit_actions, make_admin, make_member

LATER = START + timedelta(hours=1)


async def names(session: AsyncSession, actor: Actor, agency: str | None = None) -> list[str]:
    async with session.begin():
        found = await people.list_members(session, actor=actor, agency_code=agency)
        return [f"{p.agency.code if p.agency else '-'}/{p.member.role}" for p in found]


async def account_of(session: AsyncSession, actor: Actor) -> Identity:
    async with session.begin():
        [account] = await service.identities(session, member_id=actor.member_id)
        return account


async def resolve(session: AsyncSession, account: Identity) -> Actor | None:
    async with session.begin():
        found = await service.resolve(
            session,
            platform=account.platform,
            workspace=account.workspace,
            external_id=account.external_id,
        )
        return found[0] if found else None


async def remove(session: AsyncSession, actor: Actor, member: Actor) -> people.Removed:
    async with session.begin():
        return await people.remove_member(
            session, actor=actor, member_id=member.member_id, now=LATER
        )


async def change(session: AsyncSession, actor: Actor, member: Actor, role: Role) -> Role:
    async with session.begin():
        _, before = await people.change_role(
            session, actor=actor, member_id=member.member_id, role=role, now=LATER
        )
        return before


async def queue(session: AsyncSession, key: str, account: Identity) -> None:
    """A message queued for someone's private chat (as a digest is)."""
    item = Outgoing(key, account.platform, account.workspace, account.external_id, "digest", "{}")
    async with session.begin():
        await delivery_service.enqueue(session, items=[item], now=START)


async def state(session: AsyncSession, key: str) -> str:
    async with session.begin():
        return str(await session.scalar(select(Delivery.state).where(Delivery.dedupe_key == key)))


# --- member list -------------------------------------------------------------------------------


async def test_admins_and_supervisors_see_every_member(session: AsyncSession, cast: Cast) -> None:
    everyone = await names(session, cast.admin)
    assert everyone == [
        "DE-BKA/coordinator",
        "DE-BKA/supervisor",
        "FR-PN/coordinator",
        "FR-PN/liaison",
        "FR-PN/observer",
        "US-FBI/coordinator",
        "US-FBI/liaison",
        "-/admin",  # members of no agency come last
    ]
    assert await names(session, cast.supervisor) == everyone
    assert await names(session, cast.supervisor, "us-fbi") == [
        "US-FBI/coordinator",
        "US-FBI/liaison",
    ]


async def test_coordinators_see_their_own_agency_only(session: AsyncSession, cast: Cast) -> None:
    own = ["FR-PN/coordinator", "FR-PN/liaison", "FR-PN/observer"]
    assert sorted(await names(session, cast.fr_coord)) == own
    assert sorted(await names(session, cast.fr_coord, "FR-PN")) == own
    with pytest.raises(NotPermitted):
        await names(session, cast.fr_coord, "US-FBI")


async def test_liaisons_may_not_list_members(session: AsyncSession, cast: Cast) -> None:
    with pytest.raises(NotPermitted):
        await names(session, cast.fr_liaison)


async def test_an_unknown_agency_is_not_found(session: AsyncSession, cast: Cast) -> None:
    with pytest.raises(NotFound):
        await names(session, cast.admin, "XX-NONE")


async def test_each_member_comes_with_accounts_and_when_last_seen(
    session: AsyncSession, cast: Cast
) -> None:
    account = await account_of(session, cast.fr_liaison)
    async with session.begin():
        await service.resolve(
            session,
            platform=account.platform,
            workspace=account.workspace,
            external_id=account.external_id,
            now=LATER,
        )
        [person] = [
            p
            for p in await people.list_members(session, actor=cast.fr_coord)
            if p.member.id == cast.fr_liaison.member_id
        ]
    assert person.ref == f"m{cast.fr_liaison.member_id}"
    assert [(a.platform, a.display_name) for a in person.accounts] == [
        ("telegram", "liaison of FR-PN")
    ]
    assert person.last_seen == LATER


async def test_last_seen_is_noted_to_the_minute(session: AsyncSession, cast: Cast) -> None:
    account = await account_of(session, cast.us_coord)

    async def seen_at(moment: timedelta) -> object:
        async with session.begin():
            await service.resolve(
                session,
                platform=account.platform,
                workspace=account.workspace,
                external_id=account.external_id,
                now=START + moment,
            )
        async with session.begin():
            return await session.scalar(
                select(Identity.last_seen_at).where(Identity.id == account.id)
            )

    assert await seen_at(timedelta(hours=2)) == START + timedelta(hours=2)
    assert await seen_at(timedelta(hours=2, seconds=30)) == START + timedelta(hours=2)
    assert await seen_at(timedelta(hours=2, minutes=1)) == START + timedelta(hours=2, minutes=1)


# --- member role -------------------------------------------------------------------------------


async def test_admins_give_any_role_and_it_is_audited(session: AsyncSession, cast: Cast) -> None:
    assert await change(session, cast.admin, cast.us_liaison, Role.COORDINATOR) == Role.LIAISON
    assert (await resolve(session, await account_of(session, cast.us_liaison))) is not None
    async with session.begin():
        member = await session.get_one(Member, cast.us_liaison.member_id)
        event = await session.scalar(select(AuditEvent).order_by(AuditEvent.seq.desc()))
    assert member.role == Role.COORDINATOR
    assert event is not None and (event.action, event.subject) == (
        "member.role",
        f"member:{member.id}",
    )
    assert '"from": "liaison"' in event.details and '"to": "coordinator"' in event.details


async def test_coordinators_switch_liaisons_and_observers_of_their_agency(
    session: AsyncSession, cast: Cast
) -> None:
    assert await change(session, cast.fr_coord, cast.fr_liaison, Role.OBSERVER) == Role.LIAISON
    assert await change(session, cast.fr_coord, cast.fr_observer, Role.LIAISON) == Role.OBSERVER


@pytest.mark.parametrize("role", [Role.COORDINATOR, Role.ADMIN, Role.SUPERVISOR])
async def test_coordinators_may_not_grant_higher_roles(
    session: AsyncSession, cast: Cast, role: Role
) -> None:
    with pytest.raises(NotPermitted) as caught:
        await change(session, cast.fr_coord, cast.fr_liaison, role)
    assert caught.value.reason == "policy"


async def test_coordinators_may_not_touch_another_coordinator(
    session: AsyncSession, cast: Cast
) -> None:
    other = await make_member(session, cast.admin, "FR-PN", Role.COORDINATOR)
    with pytest.raises(NotPermitted):
        await change(session, cast.fr_coord, other, Role.LIAISON)
    with pytest.raises(NotPermitted):
        await remove(session, cast.fr_coord, other)


async def test_members_of_other_agencies_are_not_found_by_coordinators(
    session: AsyncSession, cast: Cast
) -> None:
    with pytest.raises(NotFound) as caught:
        await change(session, cast.fr_coord, cast.us_liaison, Role.OBSERVER)
    assert (caught.value.kind, caught.value.key) == ("member", f"m{cast.us_liaison.member_id}")
    with pytest.raises(NotFound):
        await remove(session, cast.fr_coord, cast.us_liaison)


async def test_nobody_changes_their_own_role(session: AsyncSession, cast: Cast) -> None:
    with pytest.raises(NotPermitted) as caught:
        await change(session, cast.admin, cast.admin, Role.SUPERVISOR)
    assert caught.value.reason == "self_role"


async def test_a_role_already_held_is_refused(session: AsyncSession, cast: Cast) -> None:
    with pytest.raises(Invalid) as caught:
        await change(session, cast.admin, cast.fr_liaison, Role.LIAISON)
    assert (caught.value.field, caught.value.reason) == ("role", "unchanged")


async def test_a_member_of_no_agency_can_only_be_admin_or_supervisor(
    session: AsyncSession, cast: Cast
) -> None:
    other_admin = await make_admin(session)
    with pytest.raises(Invalid) as caught:
        await change(session, cast.admin, other_admin, Role.LIAISON)
    assert caught.value.reason == "needs_agency"
    assert await change(session, cast.admin, other_admin, Role.SUPERVISOR) == Role.ADMIN


async def test_a_member_that_does_not_exist_is_not_found(session: AsyncSession, cast: Cast) -> None:
    ghost = Actor(999, "Ghost", Role.LIAISON, cast.fr.id, "FR-PN", "telegram")
    with pytest.raises(NotFound):
        await change(session, cast.admin, ghost, Role.OBSERVER)
    with pytest.raises(NotFound):
        await remove(session, cast.admin, ghost)


async def test_the_last_admin_keeps_the_role(session: AsyncSession, cast: Cast) -> None:
    """Two admins taking each other out at the same time: the second one finds the first is
    the last admin (the admins are counted under lock)."""
    second = await make_admin(session, name="Second admin")
    await remove(session, cast.admin, second)
    stale = second  # still holding the actor the dispatcher resolved before the removal
    with pytest.raises(NotPermitted) as caught:
        await change(session, stale, cast.admin, Role.SUPERVISOR)
    assert (caught.value.reason, caught.value.detail) == (
        "last_admin",
        {"member": f"m{cast.admin.member_id}"},
    )
    with pytest.raises(NotPermitted) as caught:
        await remove(session, stale, cast.admin)
    assert caught.value.reason == "last_admin"


# --- member remove -----------------------------------------------------------------------------


async def test_removal_ends_every_account_and_keeps_the_member_for_the_audit(
    session: AsyncSession, cast: Cast
) -> None:
    telegram = await account_of(session, cast.us_liaison)
    async with session.begin():
        code, _ = await service.create_link_code(session, actor=cast.us_liaison, now=START)
        await service.redeem_code(
            session,
            code=code,
            platform="slack",
            workspace="T1",
            external_id="U42",
            display_name="Lu",
            now=START,
        )
    removed = await remove(session, cast.us_coord, cast.us_liaison)
    assert sorted(a.platform for a in removed.person.accounts) == ["slack", "telegram"]
    assert await resolve(session, telegram) is None
    async with session.begin():
        assert (
            await service.resolve(session, platform="slack", workspace="T1", external_id="U42")
            is None
        )
        member = await session.get_one(Member, cast.us_liaison.member_id)
        left = await session.scalars(select(Identity).where(Identity.member_id == member.id))
        assert list(left) == []
    assert member.removed_at == LATER
    assert (await audit_actions(session))[-1] == "member.remove"
    with pytest.raises(NotFound):  # once out, they are out of every list and command
        await remove(session, cast.admin, cast.us_liaison)
    assert "US-FBI/liaison" not in await names(session, cast.admin)


async def test_a_removed_person_may_come_back_only_with_a_new_invite(
    session: AsyncSession, cast: Cast
) -> None:
    account = await account_of(session, cast.fr_observer)
    async with session.begin():
        link, _ = await service.create_link_code(session, actor=cast.fr_observer, now=START)
    await remove(session, cast.fr_coord, cast.fr_observer)
    async with session.begin():
        with pytest.raises(NotFound):  # their own codes died with them
            await service.redeem_code(
                session,
                code=link,
                platform="slack",
                workspace="T1",
                external_id="U7",
                display_name="Obs",
                now=START + timedelta(minutes=30),
            )
    async with session.begin():
        issued = await service.create_invite(
            session, actor=cast.fr_coord, agency_code="FR-PN", role=Role.OBSERVER, now=LATER
        )
        joined = await service.redeem_code(
            session,
            code=issued.code,
            platform=account.platform,
            workspace=account.workspace,
            external_id=account.external_id,
            display_name="Back again",
            now=LATER,
        )
    assert joined.member.id != cast.fr_observer.member_id


async def test_removal_voids_the_invites_they_issued(session: AsyncSession, cast: Cast) -> None:
    async with session.begin():
        issued = await service.create_invite(
            session, actor=cast.us_coord, agency_code="US-FBI", role=Role.LIAISON, now=START
        )
    await remove(session, cast.admin, cast.us_coord)
    async with session.begin():
        with pytest.raises(Conflict) as caught:
            await service.redeem_invite(
                session,
                code=issued.code,
                platform="telegram",
                workspace="ws",
                external_id="newcomer",
                display_name="New",
                now=LATER,
            )
    assert caught.value.reason == "revoked"


async def test_removal_cancels_what_is_queued_for_their_private_chats(
    session: AsyncSession, cast: Cast
) -> None:
    theirs, other = (
        await account_of(session, cast.fr_liaison),
        await account_of(session, cast.fr_observer),
    )
    await queue(session, "digest:theirs", theirs)
    await queue(session, "digest:other", other)
    removed = await remove(session, cast.fr_coord, cast.fr_liaison)
    assert removed.deliveries_cancelled == 1
    assert await state(session, "digest:theirs") == CANCELLED
    assert await state(session, "digest:other") == PENDING


async def test_nobody_removes_themselves(session: AsyncSession, cast: Cast) -> None:
    with pytest.raises(NotPermitted) as caught:
        await remove(session, cast.fr_coord, cast.fr_coord)
    assert caught.value.reason == "self_remove"


# --- invite list and invite revoke -------------------------------------------------------------


async def issue(session: AsyncSession, actor: Actor, agency: str, role: Role) -> str:
    async with session.begin():
        issued = await service.create_invite(
            session, actor=actor, agency_code=agency, role=role, now=START
        )
        return issued.code


async def pending(session: AsyncSession, actor: Actor) -> list[str]:
    async with session.begin():
        found = await people.list_invites(session, actor=actor, now=LATER)
        return [f"{p.agency.code}/{p.invite.role}/{p.issuer.display_name}" for p in found]


async def revoke(session: AsyncSession, actor: Actor, key: str) -> people.Revoked:
    async with session.begin():
        return await people.revoke_invite(session, actor=actor, key=key, now=LATER)


async def test_invite_list_shows_the_pending_invites_one_may_revoke(
    session: AsyncSession, cast: Cast
) -> None:
    await issue(session, cast.admin, "FR-PN", Role.COORDINATOR)
    await issue(session, cast.admin, "FR-PN", Role.LIAISON)
    await issue(session, cast.fr_coord, "FR-PN", Role.OBSERVER)
    await issue(session, cast.us_coord, "US-FBI", Role.LIAISON)
    assert await pending(session, cast.fr_coord) == [
        "FR-PN/liaison/Admin",
        "FR-PN/observer/coordinator of FR-PN",
    ]
    assert len(await pending(session, cast.admin)) == 4
    with pytest.raises(NotPermitted):
        await pending(session, cast.fr_liaison)


async def test_used_expired_and_revoked_invites_are_not_pending(
    session: AsyncSession, cast: Cast
) -> None:
    used = await make_member(session, cast.admin, "DE-BKA", Role.LIAISON)  # uses an invite
    assert used is not None
    async with session.begin():
        await service.create_invite(
            session,
            actor=cast.admin,
            agency_code="DE-BKA",
            role=Role.LIAISON,
            now=LATER - service.INVITE_TTL,
        )
    code = await issue(session, cast.admin, "DE-BKA", Role.OBSERVER)
    await revoke(session, cast.admin, code)
    assert [p for p in await pending(session, cast.admin) if p.startswith("DE-BKA")] == []


async def test_revoke_by_reference_or_by_code_and_it_is_audited(
    session: AsyncSession, cast: Cast
) -> None:
    first = await issue(session, cast.fr_coord, "FR-PN", Role.LIAISON)
    second = await issue(session, cast.fr_coord, "FR-PN", Role.OBSERVER)
    async with session.begin():
        first_id = await session.scalar(
            select(Invite.id).where(Invite.code_hash == service.code_hash(first))
        )
    by_ref = await revoke(session, cast.fr_coord, f"i{first_id}")
    by_code = await revoke(session, cast.fr_coord, second.lower().replace("-", " "))
    assert (by_ref.key, by_ref.agency.code, by_ref.invite.revoked_at) == (
        f"i{first_id}",
        "FR-PN",
        LATER,
    )
    assert by_code.invite.role == Role.OBSERVER
    assert (await audit_actions(session))[-2:] == ["invite.revoke", "invite.revoke"]
    assert await pending(session, cast.fr_coord) == []


async def test_a_used_invite_cannot_be_revoked(session: AsyncSession, cast: Cast) -> None:
    code = await issue(session, cast.admin, "US-FBI", Role.LIAISON)
    async with session.begin():
        await service.redeem_invite(
            session,
            code=code,
            platform="telegram",
            workspace="ws",
            external_id="quick",
            display_name="Quick",
            now=START,
        )
    with pytest.raises(Conflict) as caught:
        await revoke(session, cast.admin, code)
    assert (caught.value.reason, caught.value.key) == ("used", code)


async def test_an_expired_or_revoked_invite_cannot_be_revoked(
    session: AsyncSession, cast: Cast
) -> None:
    code = await issue(session, cast.admin, "US-FBI", Role.LIAISON)
    async with session.begin():
        with pytest.raises(Conflict) as caught:
            await people.revoke_invite(
                session, actor=cast.admin, key=code, now=START + service.INVITE_TTL
            )
    assert caught.value.reason == "expired"
    await revoke(session, cast.admin, code)
    with pytest.raises(Conflict) as caught:
        await revoke(session, cast.admin, code)
    assert caught.value.reason == "revoked"


async def test_coordinators_revoke_only_what_they_may_manage(
    session: AsyncSession, cast: Cast
) -> None:
    theirs = await issue(session, cast.us_coord, "US-FBI", Role.LIAISON)
    coordinator = await issue(session, cast.admin, "FR-PN", Role.COORDINATOR)
    with pytest.raises(NotFound):  # another agency's invite: as if it did not exist
        await revoke(session, cast.fr_coord, theirs)
    with pytest.raises(NotPermitted):
        await revoke(session, cast.fr_coord, coordinator)


@pytest.mark.parametrize("key", ["i999", "ABCD-EFGH-JKLM"])
async def test_an_unknown_invite_is_not_found(session: AsyncSession, cast: Cast, key: str) -> None:
    with pytest.raises(NotFound):
        await revoke(session, cast.admin, key)


@pytest.mark.parametrize("key", ["x1", "i", "ABC"])
async def test_a_key_that_is_no_invite_is_invalid(
    session: AsyncSession, cast: Cast, key: str
) -> None:
    with pytest.raises(Invalid) as caught:
        await revoke(session, cast.admin, key)
    assert (caught.value.field, caught.value.reason) == ("invite", "reference")
