"""op new, list, show, join, start, suspend, resume and close."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.reply import Reply
from operations.audit.models import AuditEvent
from operations.delivery.models import Delivery
from tests.bot.conftest import World
from tests.bot.helpers import db_state, ok, refused


def fields(reply: Reply) -> dict[str, str]:
    return {f.label: f.value for f in reply.fields}


async def test_op_new_creates_a_planned_operation(world: World) -> None:
    before = await db_state(world.chat.dispatcher.sessions)
    reply = await ok(
        world.admin,
        'op new trident-2 "Operation Trident" --lead es-uco --ends 2026-12-15T18:00Z --tlp red',
        "Operation TRIDENT-2 created.",
    )
    assert reply.tlp == "RED"
    assert fields(reply) == {
        "Name": "Operation Trident",
        "Lead": "ES-UCO",
        "Status": "planned",
        "Ends": "15 Dec 2026, 18:00 UTC",
        "Four eyes": "off",
    }
    after = await db_state(world.chat.dispatcher.sessions)
    assert after.counts["operation"] == before.counts["operation"] + 1
    assert after.counts["participation"] == before.counts["participation"] + 1
    assert after.audit_chain == before.audit_chain + 1


async def test_op_new_defaults_to_amber(world: World) -> None:
    assert (await ok(world.admin, 'op new T-3 "T" --lead FR-OCLCTIC')).tlp == "AMBER"


async def test_op_new_buttons_start_and_show_it(world: World) -> None:
    reply = await ok(world.admin, 'op new T-3 "T" --lead FR-OCLCTIC')
    commands = {b.label: b.command for b in reply.buttons}
    assert commands == {"Start": "op start T-3", "Show": "op show T-3"}
    await ok(world.admin, commands["Start"], "planned → active")
    await ok(world.admin, commands["Show"], "T-3", "active")


async def test_coordinator_leads_by_default_and_takes_part(world: World) -> None:
    coordinator = await world.member("coordinator", "ES-UCO")
    reply = await ok(coordinator, 'op new T-3 "T"')
    assert fields(reply)["Agencia líder"] == "ES-UCO"  # ES-UCO reads Spanish
    assert [b.command for b in reply.buttons] == ["op start T-3", "op show T-3"]
    reply = await ok(coordinator, 'op new T-4 "T" --lead US-FDA')
    assert fields(reply)["Agencia líder"] == "US-FDA"
    assert [b.command for b in reply.buttons] == ["op show T-4"]  # US-FDA's to start
    # the creating coordinator's agency takes part, so the operation stays visible to them
    await ok(coordinator, "op show T-4", "ES-UCO", "US-FDA")


async def test_admin_without_agency_must_name_the_lead(world: World) -> None:
    await refused(world.admin, 'op new T-3 "T"', "--lead", command="op new")


async def test_a_taken_code_is_said_before_the_lead_is_asked_for(world: World) -> None:
    await refused(world.admin, 'op new PANGEA-18 "Again"', "PANGEA-18", "taken", command="op new")


async def test_op_new_says_what_comes_next_once(world: World) -> None:
    text = await world.admin.says('op new T-5 "T" --lead FR-OCLCTIC')
    assert [line for line in text.splitlines() if line.startswith("Next:")] == [
        "Next: op start T-5 | op show T-5"
    ]


async def test_bad_operation_code(world: World) -> None:
    await refused(world.admin, 'op new -T "T" --lead FR-OCLCTIC', "-T", "2 to 24", command="op new")


async def test_bad_tlp_lists_the_levels(world: World) -> None:
    await refused(
        world.admin,
        'op new T-3 "T" --lead FR-OCLCTIC --tlp white',
        "white",
        "CLEAR, GREEN, AMBER, AMBER+STRICT, RED",
        command="op new",
    )


async def test_op_list_shows_live_operations_with_counts(world: World) -> None:
    reply = await ok(world.admin, "op list")
    assert reply.title == "2 operations"
    [pangea, secret] = [item.text for item in reply.items]
    assert pangea.startswith("PANGEA-18 — Illicit online pharmacies [active], lead FR-OCLCTIC")
    assert "2 agencies, 2 open tasks" in pangea
    assert secret.startswith("SECRET-9 — Closed circle [planned], lead US-FDA")
    assert [b.command for b in reply.items[0].buttons] == ["summary PANGEA-18"]


async def test_op_list_counts_read_as_english(world: World) -> None:
    reply = await ok(world.admin, "op list")
    secret = reply.items[1].text
    assert "1 agency, 1 open task" in secret, secret


async def test_op_list_hides_closed_operations_unless_asked(world: World) -> None:
    await ok(world.admin, "op close SECRET-9 --force")
    assert [i.text.split()[0] for i in (await ok(world.admin, "op list")).items] == ["PANGEA-18"]
    reply = await ok(world.admin, "op list --all")
    assert [i.text.split()[0] for i in reply.items] == ["PANGEA-18", "SECRET-9"]


async def test_op_list_applies_need_to_know(world: World) -> None:
    observer = await world.member("observer", "FR-OCLCTIC")
    reply = await ok(observer, "op list --all")
    assert [i.text.split()[0] for i in reply.items] == ["PANGEA-18"]
    outsider = await world.member("observer", "AE-DXB")
    reply = await ok(outsider, "op list")
    assert reply.items == []
    assert reply.lines == ["لا توجد عملية لعرضها."]  # "No operation to show." in Arabic


async def test_op_show_lists_the_agencies_lead_first(world: World) -> None:
    reply = await ok(world.admin, "op show pangea-18")
    assert reply.title == "PANGEA-18 — Illicit online pharmacies"
    assert reply.tlp == "AMBER"
    assert fields(reply)["Status"] == "active"
    assert fields(reply)["Started"] == "26 Nov 2026, 10:00 UTC"
    assert [i.text for i in reply.items] == [
        "FR-OCLCTIC — Office central (OCLCTIC) (lead)",
        "ES-UCO — Guardia Civil UCO (participant)",
    ]
    buttons = [b.command for b in reply.buttons]
    assert buttons == ["summary PANGEA-18", "task list PANGEA-18"]
    for command in buttons:
        await ok(world.admin, command, "PANGEA-18")


async def test_op_show_times_in_the_readers_timezone(world: World) -> None:
    observer = await world.member("observer", "FR-OCLCTIC")
    assert fields(await ok(observer, "op show PANGEA-18"))["Début"] == "26 nov. 2026 11:00 CET"


async def test_op_join_adds_a_participant(world: World) -> None:
    await ok(world.admin, "op join PANGEA-18 us-fda", "US-FDA joined PANGEA-18 as participant.")
    await ok(world.admin, "op join PANGEA-18 AE-DXB --role observer", "as observer")
    reply = await ok(world.admin, "op show PANGEA-18")
    assert "AE-DXB — Dubai Police (observer)" in [i.text for i in reply.items]


async def test_op_join_cannot_make_a_second_lead(world: World) -> None:
    await refused(
        world.admin,
        "op join PANGEA-18 US-FDA --role lead",
        "lead",
        "participant, observer",
        command="op join",
    )


async def test_op_join_unknown_agency(world: World) -> None:
    await refused(world.admin, "op join PANGEA-18 XX-NOPE", "XX-NOPE", command="op join")


async def test_op_join_on_a_closed_operation(world: World) -> None:
    await ok(world.admin, "op close SECRET-9 --force")
    await refused(
        world.admin, "op join SECRET-9 FR-OCLCTIC", "SECRET-9", "closed", command="op join"
    )


async def test_lifecycle_start_suspend_resume_close(world: World) -> None:
    await ok(world.admin, "op start SECRET-9", "Operation SECRET-9: planned → active.")
    await ok(world.admin, "op suspend SECRET-9", "active → suspended")
    await ok(world.admin, "op resume SECRET-9", "suspended → active")
    await ok(world.admin, "op close SECRET-9 --force", "active → closed")
    reply = await ok(world.admin, "op show SECRET-9")
    assert fields(reply)["Status"] == "closed"
    assert fields(reply)["Ends"] == "26 Nov 2026, 10:00 UTC"


@pytest.mark.parametrize(
    ("setup", "line", "state"),
    [
        ([], "op start PANGEA-18", "active"),
        ([], "op resume PANGEA-18", "active"),
        ([], "op suspend SECRET-9", "planned"),
        (["op close SECRET-9 --force"], "op close SECRET-9", "closed"),
        (["op close SECRET-9 --force"], "op start SECRET-9", "closed"),
        (["op close SECRET-9 --force"], "op resume SECRET-9", "closed"),
    ],
)
async def test_invalid_lifecycle_changes_say_the_current_state(
    world: World, setup: list[str], line: str, state: str
) -> None:
    for step in setup:
        await ok(world.admin, step)
    code = line.split()[-1]
    await refused(world.admin, line, code, state, command=" ".join(line.split()[:2]))


async def test_suspended_operation_shows_a_summary_button_only_when_active(world: World) -> None:
    reply = await ok(world.admin, "op suspend PANGEA-18")
    assert reply.buttons == []
    reply = await ok(world.admin, "op resume PANGEA-18")
    assert [b.command for b in reply.buttons] == ["summary PANGEA-18"]


# --- op remove ---------------------------------------------------------------------------------


async def test_op_remove_takes_the_agency_out_and_cancels_its_queued_messages(
    world: World,
) -> None:
    coordinator = await world.member("coordinator", "FR-OCLCTIC")
    await ok(coordinator, "op join PANGEA-18 AE-DXB --role observer")
    liaison = await world.member("liaison", "AE-DXB")
    liaison.chat_id = "room-AE"
    await ok(liaison, "link AE-DXB")
    await ok(world.admin, 'status PANGEA-18 "Phase 1"', "Sent to 1 agency, 1 chat.")
    reply = await ok(coordinator, "op remove pangea-18 ae-dxb", "AE-DXB ne participe plus")
    assert reply.lines == ["1 message en file d'attente vers ses discussions ne sera pas envoyé."]
    # in Arabic, the code isolated (FSI ... PDI) in the right-to-left line
    await refused(liaison, "op show PANGEA-18", "لم يُعثر على عملية \u2068PANGEA-18\u2069.")
    await ok(world.admin, 'status PANGEA-18 "Phase 2"', "No linked chat to tell")
    async with world.chat.dispatcher.sessions() as session:
        rows = list(await session.execute(select(Delivery.chat_id, Delivery.state)))
        removal = await session.scalar(
            select(AuditEvent.details).where(AuditEvent.action == "operation.remove")
        )
    assert rows == [("room-AE", "cancelled")]
    assert removal is not None and '"agency": "AE-DXB"' in removal


async def test_op_remove_refusals(world: World) -> None:
    coordinator = await world.member("coordinator", "ES-UCO")
    await refused(world.admin, "op remove PANGEA-18 FR-OCLCTIC", "FR-OCLCTIC leads PANGEA-18")
    await refused(world.admin, "op remove PANGEA-18 US-FDA", "US-FDA does not take part")
    await refused(
        world.admin, "op remove PANGEA-18 ES-UCO", "ES-UCO still has open tasks in PANGEA-18 (1)"
    )
    # the coordinator reads Spanish
    await refused(coordinator, "op remove PANGEA-18 ES-UCO", "agencia líder FR-OCLCTIC")
    await refused(coordinator, "op remove SECRET-9 US-FDA", "operación SECRET-9.")
    await refused(world.admin, "op remove PANGEA-18", "AGENCY", command="op remove")
