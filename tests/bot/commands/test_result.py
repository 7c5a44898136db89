"""result, result undo and results; the results' totals in summary.

PANGEA-18 is led by FR-OCLCTIC (FR) with ES-UCO (ES); SECRET-9 is US-FDA's alone.
"""

from __future__ import annotations

import pytest

from bot.reply import Reply
from operations.enums import ResultKind
from tests.bot.conftest import World
from tests.bot.helpers import db_state, ok, refused
from tests.conftest import Person


def fields(reply: Reply) -> dict[str, str]:
    return {f.label: f.value for f in reply.fields}


def sections(reply: Reply) -> dict[str, list[str]]:
    return {s.heading: [str(line) for line in s.lines] for s in reply.sections}


async def english(world: World, role: str, agency: str) -> Person:
    return await world.member(role, agency, reads="en")


# --- recording ---------------------------------------------------------------------------------


async def test_a_coordinator_records_a_result_for_their_agency(world: World) -> None:
    coordinator = await english(world, "coordinator", "ES-UCO")
    before = await db_state(world.chat.dispatcher.sessions)
    reply = await ok(coordinator, 'result PANGEA-18 arrests 12 "Madrid, Valencia"')
    assert reply.title == "Result #1 recorded on PANGEA-18."
    assert reply.tlp == "AMBER"
    assert reply.lines[:2] == ["ES-UCO: arrests: 12", "Madrid, Valencia"]
    assert reply.lines[-1] == "To withdraw it: result undo PANGEA-18 1"
    after = await db_state(world.chat.dispatcher.sessions)  # the audit chain verifies
    assert after.counts["result"] == before.counts["result"] + 1
    assert after.audit_chain == before.audit_chain + 1
    # numbered within the operation
    reply = await ok(coordinator, "result PANGEA-18 seizures 3 --preliminary")
    assert reply.title == "Result #2 recorded on PANGEA-18."
    assert reply.lines[0] == "ES-UCO: seizures: 3 (preliminary)"


async def test_a_liaison_records_and_an_admin_records_for_any_agency(world: World) -> None:
    liaison = await english(world, "liaison", "FR-OCLCTIC")
    await ok(liaison, "result PANGEA-18 websites 40", "FR-OCLCTIC: websites taken down: 40")
    await ok(world.admin, "result PANGEA-18 packages 1200 --agency es-uco", "ES-UCO")


async def test_results_roll_up_per_country_and_agency_preliminary_marked(world: World) -> None:
    await ok(world.admin, 'agency add ES-PN "Policía Nacional" --country ES --tz Europe/Madrid')
    await ok(world.admin, "op join PANGEA-18 ES-PN")
    admin = world.admin
    await ok(admin, "result PANGEA-18 arrests 5 --agency ES-UCO")
    await ok(admin, "result PANGEA-18 arrests 4 --agency ES-UCO --preliminary")
    await ok(admin, "result PANGEA-18 arrests 2 --agency ES-PN")
    await ok(admin, "result PANGEA-18 seizures 7 --agency FR-OCLCTIC")
    await ok(admin, "result PANGEA-18 arrests 100 --agency FR-OCLCTIC")
    await ok(admin, "result undo PANGEA-18 5")  # withdrawn: out of every figure
    reply = await ok(admin, "results PANGEA-18")
    assert reply.title == "Results of PANGEA-18"
    assert reply.tlp == "AMBER"
    assert fields(reply) == {"Total": "arrests: 11 (4 preliminary); seizures: 7"}
    found = sections(reply)
    assert found["Spain (ES)"] == [
        "All its agencies: arrests: 11 (4 preliminary)",
        "ES-PN: arrests: 2",
        "ES-UCO: arrests: 9 (4 preliminary)",
    ]
    assert found["France (FR)"] == ["FR-OCLCTIC: seizures: 7"]
    [recorded] = [s for s in reply.sections if s.heading.startswith("Recorded")]
    assert [i.key for i in recorded.items] == ["#4", "#3", "#2", "#1"]
    assert "arrests: 4 (preliminary)" in recorded.items[2].text
    # the summary shows the totals
    summary = await ok(admin, "summary PANGEA-18")
    assert fields(summary)["Results"] == "arrests: 11 (4 preliminary); seizures: 7"


async def test_results_of_an_operation_without_any(world: World) -> None:
    reply = await ok(world.admin, "results PANGEA-18")
    assert reply.lines == [
        "No result recorded yet.",
        "Record one with: result PANGEA-18 KIND COUNT",
    ]
    assert "Results" not in fields(await ok(world.admin, "summary PANGEA-18"))


async def test_results_in_the_readers_language(world: World) -> None:
    coordinator = await world.member("coordinator", "FR-OCLCTIC")  # reads French
    await ok(coordinator, "result PANGEA-18 arrests 1234 --preliminary")
    reply = await ok(coordinator, "results PANGEA-18")
    assert "France (FR)" in sections(reply)
    [line] = sections(reply)["France (FR)"]
    assert line.startswith("FR-OCLCTIC: ")
    assert "1\u202f234" in line or "1 234" in line, line  # French digit grouping
    assert "arrests" not in line


# --- withdrawing -------------------------------------------------------------------------------


async def test_undo_withdraws_a_result_once(world: World) -> None:
    coordinator = await english(world, "coordinator", "ES-UCO")
    await ok(coordinator, "result PANGEA-18 arrests 12")
    reply = await ok(coordinator, "result undo PANGEA-18 1")
    assert reply.title == "Result #1 on PANGEA-18 withdrawn."
    assert reply.lines == ["ES-UCO: arrests: 12"]
    await refused(coordinator, "result undo PANGEA-18 1", "PANGEA-18 #1", "already been withdrawn")
    await refused(coordinator, "result undo PANGEA-18 #2", "No result PANGEA-18 #2")
    await refused(
        coordinator,
        "result undo PANGEA-18 one",
        "one",
        "not a result number",
        command="result undo",
    )


async def test_an_agency_cannot_withdraw_another_agencys_result(world: World) -> None:
    await ok(world.admin, "result PANGEA-18 arrests 12 --agency FR-OCLCTIC")
    for role in ("coordinator", "liaison"):
        attacker = await english(world, role, "ES-UCO")
        await refused(attacker, "result undo PANGEA-18 1", "Only ", "for their own agency")
    # a lead-agency coordinator withdraws their own agency's result
    await ok(await english(world, "coordinator", "FR-OCLCTIC"), "result undo PANGEA-18 1")


# --- bad input and attackers -------------------------------------------------------------------


@pytest.mark.parametrize("count", ["-3", "twelve", "1.5", "3e2", "12abc"])
async def test_a_count_must_be_a_whole_number_of_zero_or_more(world: World, count: str) -> None:
    coordinator = await english(world, "coordinator", "ES-UCO")
    reason = "cannot be negative" if count == "-3" else "not a count"
    await refused(coordinator, f"result PANGEA-18 arrests {count}", count, reason, command="result")


async def test_a_count_too_large(world: World) -> None:
    await refused(world.admin, "result PANGEA-18 arrests 10000000000 --agency ES-UCO", "too large")


async def test_an_unknown_kind_lists_the_kinds(world: World) -> None:
    kinds = ", ".join(ResultKind)
    await refused(world.admin, "result PANGEA-18 raids 3", "raids", kinds, command="result")


async def test_observers_supervisors_and_other_agencies_record_nothing(world: World) -> None:
    await ok(world.admin, 'agency add GB-NCA "NCA" --country GB --tz Europe/London')
    await ok(world.admin, "op join PANGEA-18 GB-NCA --role observer")
    # an observer agency's coordinator: its agency only observes
    observer_agency = await english(world, "coordinator", "GB-NCA")
    await refused(observer_agency, "result PANGEA-18 arrests 3", "Only ")
    await refused(observer_agency, "result PANGEA-18 arrests 3 --agency ES-UCO", "Only ")
    # a participant's coordinator, for another agency
    spain = await english(world, "coordinator", "ES-UCO")
    await refused(spain, "result PANGEA-18 arrests 3 --agency FR-OCLCTIC", "Only ")
    # observers and supervisors never record
    for role in ("observer", "supervisor"):
        await refused(await english(world, role, "ES-UCO"), "result PANGEA-18 arrests 3", "Only ")
    # an agency outside the operation does not know it exists
    outsider = await english(world, "coordinator", "US-FDA")
    await refused(outsider, "result PANGEA-18 arrests 3", "No operation PANGEA-18")
    await refused(outsider, "results PANGEA-18", "No operation PANGEA-18")
    # an admin recording for an observer agency, or one outside the operation
    await refused(world.admin, "result PANGEA-18 arrests 3 --agency GB-NCA", "only observes")
    await refused(world.admin, "result PANGEA-18 arrests 3 --agency US-FDA", "does not take part")


async def test_an_admin_without_agency_must_say_which(world: World) -> None:
    await refused(world.admin, "result PANGEA-18 arrests 3", "--agency")


async def test_a_closed_operation_takes_no_result(world: World) -> None:
    await ok(world.admin, "result PANGEA-18 arrests 3 --agency ES-UCO")
    await ok(world.admin, "op close PANGEA-18 --force")
    await refused(world.admin, "result PANGEA-18 arrests 3 --agency ES-UCO", "closed")
    await refused(world.admin, "result undo PANGEA-18 1", "closed")


# --- who may know --------------------------------------------------------------------------------


async def test_observers_read_the_results_of_an_amber_operation(world: World) -> None:
    await ok(world.admin, 'agency add GB-NCA "NCA" --country GB --tz Europe/London')
    await ok(world.admin, "op join PANGEA-18 GB-NCA --role observer")
    await ok(world.admin, "result PANGEA-18 arrests 3 --agency ES-UCO")
    observer = await english(world, "observer", "GB-NCA")
    assert fields(await ok(observer, "results PANGEA-18")) == {"Total": "arrests: 3"}


async def test_results_of_a_red_operation_reach_only_who_may_read_red(world: World) -> None:
    admin = world.admin
    await ok(admin, 'op new HYDRA-2 "Hydra" --lead FR-OCLCTIC --tlp RED')
    await ok(admin, "op join HYDRA-2 ES-UCO")
    await ok(admin, 'agency add GB-NCA "NCA" --country GB --tz Europe/London')
    await ok(admin, "op join HYDRA-2 GB-NCA --role observer")
    spain = await english(world, "coordinator", "ES-UCO")
    recorded = await ok(spain, 'result HYDRA-2 arrests 7 "Safehouse Bravo"')
    # a participant may record, but RED is for the lead agency's members: the figures and
    # the note are withheld even from them
    assert recorded.tlp is None
    text = "\n".join(recorded.text_lines())
    assert "Safehouse Bravo" not in text and "7" not in text.replace("HYDRA-2", "")
    for attacker in (spain, await english(world, "observer", "GB-NCA")):
        reply = await ok(attacker, "results HYDRA-2")
        assert reply.lines == ["1 result withheld by the operation's TLP marking."]
        assert reply.tlp is None and not reply.fields and not reply.sections
        summary = await ok(attacker, "summary HYDRA-2")
        assert fields(summary)["Results"] == "1 result withheld by the operation's TLP marking."
        assert "Safehouse" not in "\n".join(summary.text_lines())
    # the lead agency's members read it in private, not in their agency's group
    lead = await english(world, "liaison", "FR-OCLCTIC")
    assert fields(await ok(lead, "results HYDRA-2")) == {"Total": "arrests: 7"}
    lead.chat_id, lead.private_chat = "fr-group", False
    assert (await ok(lead, "results HYDRA-2")).lines == [
        "1 result withheld by the operation's TLP marking."
    ]
