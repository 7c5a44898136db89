"""summary: one operation at a glance, or a line per active operation."""

from __future__ import annotations

from datetime import timedelta

from bot.reply import UserText
from tests.bot.conftest import World
from tests.bot.helpers import ok, refused


async def test_overview_lists_active_operations(world: World) -> None:
    await ok(world.admin, 'status PANGEA-18 "Go"')
    reply = await ok(world.admin, "summary")
    assert reply.title == "1 active operation"
    [line] = reply.items
    assert line.text == (
        "PANGEA-18 — Illicit online pharmacies: 2 agencies; 2 open, 0 in progress, 0 blocked, "
        "0 done, 0 overdue; last update 26 Nov 2026, 10:00 UTC"
    )
    assert [b.command for b in line.buttons] == ["summary PANGEA-18"]


async def test_overview_applies_need_to_know(world: World) -> None:
    await ok(world.admin, "op start SECRET-9")
    assert (await ok(world.admin, "summary")).title == "2 active operations"
    observer = await world.member("observer", "FR-OCLCTIC")
    reply = await ok(observer, "summary")
    assert [i.text.split()[0] for i in reply.items] == ["PANGEA-18"]
    outsider = await world.member("observer", "AE-DXB")
    reply = await ok(outsider, "summary")
    assert reply.lines == ["لا توجد عملية نشطة."]  # "No active operation." in Arabic


async def test_summary_of_an_operation(world: World) -> None:
    await ok(world.admin, "task start PANGEA-18#1")
    await ok(world.admin, 'task block PANGEA-18#2 "Court order"')
    await ok(world.admin, 'status PANGEA-18 "Phase 1 done"')
    world.clock.advance(timedelta(days=1))
    reply = await ok(world.admin, "summary pangea-18")
    assert reply.title == "PANGEA-18 — Illicit online pharmacies"
    assert reply.tlp == "AMBER"
    assert {f.label: f.value for f in reply.fields} == {
        "Status": "active",
        "Lead": "FR-OCLCTIC (Office central (OCLCTIC))",
        "Tasks": "0 open, 1 in progress, 1 blocked, 0 done, 1 overdue",
    }
    agencies, attention, updates = reply.sections
    assert agencies.heading == "2 agencies"
    assert agencies.lines == [
        "FR-OCLCTIC (lead): 0 open, 1 in progress, 0 blocked, 0 done, 1 overdue",
        "ES-UCO (participant): 0 open, 0 in progress, 1 blocked, 0 done, 0 overdue",
    ]
    assert attention.heading == "Needs attention"
    assert [i.text.split()[0] for i in attention.items] == ["PANGEA-18#1", "PANGEA-18#2"]
    assert "OVERDUE since 27 Nov 2026, 06:00 UTC" in attention.items[0].text
    assert "blocked: Court order" in attention.items[1].text
    assert updates.heading == "Latest updates"
    assert updates.lines == ["26 Nov 2026, 10:00 UTC Local administrator:", "Phase 1 done"]
    assert isinstance(updates.lines[1], UserText)  # shown quoted: someone's words
    assert [b.command for b in reply.buttons] == ["task list PANGEA-18"]


async def test_the_attention_buttons_act_on_the_task(world: World) -> None:
    world.clock.advance(timedelta(days=1))
    reply = await ok(world.admin, "summary PANGEA-18")
    [attention] = [s for s in reply.sections if s.heading == "Needs attention"]
    done = {b.label: b.command for b in attention.items[0].buttons}["Done"]
    await ok(world.admin, done, "PANGEA-18#1", "→ done")
    reply = await ok(world.admin, "summary PANGEA-18")
    assert "Needs attention" not in [s.heading for s in reply.sections]


async def test_summary_is_marked_with_the_strictest_marking_it_shows(world: World) -> None:
    # the text of a RED status update must not be shown under a TLP:AMBER banner
    await ok(world.admin, 'status PANGEA-18 "Informant confirmed the address" --tlp RED')
    reply = await ok(world.admin, "summary PANGEA-18")
    assert any("Informant confirmed" in line for line in reply.sections[-1].lines)
    assert reply.tlp == "RED", reply.tlp


async def test_summary_without_updates_says_so(world: World) -> None:
    reply = await ok(world.admin, "summary SECRET-9")
    assert reply.sections[-1].lines == ["No status update yet."]


async def test_summary_in_the_readers_timezone(world: World) -> None:
    await ok(world.admin, 'status PANGEA-18 "Go"')
    reader = await world.member("supervisor", "AE-DXB")
    reply = await ok(reader, "summary PANGEA-18")
    assert reply.sections[-1].lines == [  # Arabic: the time and the name isolated (FSI ... PDI)
        "\u206826 نوفمبر 2026، 14:00 +04\u2069 \u2068Local administrator\u2069:",
        "Go",
    ]


async def test_summary_of_an_unknown_or_hidden_operation(world: World) -> None:
    observer = await world.member("observer", "FR-OCLCTIC")
    hidden = await refused(observer, "summary SECRET-9", "SECRET-9", command="summary")
    missing = await refused(observer, "summary NOPE-9", "NOPE-9", command="summary")
    assert hidden.title.replace("SECRET-9", "X") == missing.title.replace("NOPE-9", "X")


async def test_summary_with_a_bad_code(world: World) -> None:
    await refused(world.admin, "summary #1", "#1", command="summary")
