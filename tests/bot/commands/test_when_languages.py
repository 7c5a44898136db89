"""WHEN and durations typed in the reader's language, and why not, in the reader's language.

The world's clock reads Thursday 2026-11-26 10:00 UTC (11:00 in Paris and Madrid, 14:00 in
Dubai).
"""

from __future__ import annotations

from tests.bot.conftest import World
from tests.bot.helpers import ok, refused


async def test_a_french_reader_sets_a_due_time_in_french(world: World) -> None:
    coordinator = await world.member("coordinator", "FR-OCLCTIC")
    reply = await ok(coordinator, 'task due PANGEA-18#1 "demain 09:00"')
    assert reply.title == "Tâche PANGEA-18#1 : échéance fixée au 27 nov. 2026 09:00 CET."
    reply = await ok(coordinator, "task due PANGEA-18#1 lundi prochain 9h")  # unquoted
    assert reply.title == "Tâche PANGEA-18#1 : échéance fixée au 30 nov. 2026 09:00 CET."
    reply = await ok(coordinator, "task due PANGEA-18#1 demain 18:00")
    assert reply.title == "Tâche PANGEA-18#1 : échéance fixée au 27 nov. 2026 18:00 CET."
    await ok(coordinator, "task due PANGEA-18#1 dans 2 heures", "26 nov. 2026 13:00 CET")


async def test_unquoted_french_when_in_task_add(world: World) -> None:
    coordinator = await world.member("coordinator", "FR-OCLCTIC")
    reply = await ok(
        coordinator,
        'task add PANGEA-18 "Saisie" --to FR-OCLCTIC --due demain 09:00 --priority high',
    )
    assert "27 nov. 2026 09:00 CET" in {field.value for field in reply.fields}


async def test_a_french_reader_is_told_why_in_french(world: World) -> None:
    coordinator = await world.member("coordinator", "FR-OCLCTIC")
    reply = await refused(coordinator, 'task due PANGEA-18#1 "bientôt"', command="task due")
    assert reply.title == (
        "Impossible de lire l'heure bientôt : format d'heure non reconnu « bientôt » "
        "(essayez 2026-12-01 18:00, dans 2h, demain 09:00, lundi 9h)."
    )
    reply = await refused(coordinator, "task due PANGEA-18#1 2026-02-30", command="task due")
    assert reply.title == (
        "Impossible de lire l'heure 2026-02-30 : cette date n'existe pas : 2026-02-30."
    )
    reply = await refused(coordinator, "task due PANGEA-18#1 aujourd'hui", command="task due")
    assert "indiquez une heure, par ex. aujourd'hui 18:00" in reply.title


async def test_a_french_reader_is_told_why_a_duration_is_unreadable(world: World) -> None:
    coordinator = await world.member("coordinator", "FR-OCLCTIC")
    reply = await refused(coordinator, "op cadence PANGEA-18 bientôt", command="op cadence")
    assert reply.title == (
        "Impossible de lire la durée bientôt : durée non reconnue « bientôt » "
        "(essayez 90m, 2h, 1h30, 3d, 3 jours)."
    )
    reply = await refused(coordinator, "op cadence PANGEA-18 400j", command="op cadence")
    assert reply.title.endswith(": durée trop longue : 365 jours au plus.")
    await ok(coordinator, 'op cadence PANGEA-18 "4 heures"', "4h")


async def test_a_spanish_reader_in_spanish(world: World) -> None:
    coordinator = await world.member("coordinator", "ES-UCO")
    await ok(coordinator, "task due PANGEA-18#2 mañana 09:00", "27 nov 2026, 09:00 CET")
    await ok(coordinator, "task due PANGEA-18#2 el próximo lunes", "30 nov 2026, 09:00 CET")
    reply = await refused(coordinator, "task due PANGEA-18#2 pronto", command="task due")
    assert reply.title == (
        "No se puede interpretar la hora pronto: formato de hora no reconocido «pronto» "
        "(pruebe 2026-12-01 18:00, en 2h, mañana 09:00, lunes 09:00)."
    )


async def test_an_arabic_reader_in_arabic(world: World) -> None:
    await ok(world.admin, "op join PANGEA-18 AE-DXB")
    await ok(world.admin, 'task add PANGEA-18 "Check the Dubai hub" --to AE-DXB')
    coordinator = await world.member("coordinator", "AE-DXB")
    await ok(coordinator, "task due PANGEA-18#3 غدًا ٠٩:٠٠", "27 نوفمبر 2026، 09:00 +04")
    await ok(coordinator, "task due PANGEA-18#3 بعد ساعتين", "26 نوفمبر 2026، 16:00 +04")
    reply = await refused(coordinator, 'task due PANGEA-18#3 "بعد قليل"', command="task due")
    assert "مدة غير مفهومة" in reply.title
    assert "(جرّب 90m، 2h، 1h30، 3d، 3 أيام)" in reply.title
    reply = await refused(coordinator, "task due PANGEA-18#3 قريبا", command="task due")
    assert "صيغة وقت غير مفهومة" in reply.title
    assert "بعد 2h، غدًا 09:00، الاثنين 09:00" in reply.title
