"""Results and the task record end to end in Telegram: the real python-telegram-bot against
the fake Bot API, two agencies of two countries, each reading its own language."""

from __future__ import annotations

from adapters.sandbox.fakes.telegram import FakeTelegram
from adapters.telegram.adapter import TelegramAdapter
from tests.adapters.telegram.conftest import TgUser, console_invites
from tests.conftest import Person

CARL_DM, LUCIA_DM, OLGA_DM = 2, 3, 4  # a private chat's id is its user's id


async def _operation(admin: Person, tg: FakeTelegram) -> tuple[TgUser, TgUser, TgUser]:
    """PANGEA-18 led by FR-OCLCTIC (Carl, coordinator, reads French) with AR-PFA (Lucía,
    liaison, reads Spanish) and the observer agency US-FDA (Olga, coordinator, English)."""
    await admin.says('agency add FR-OCLCTIC "OCLCTIC" --country FR --tz Europe/Paris --lang fr')
    await admin.says(
        'agency add AR-PFA "Policía Federal Argentina" --country AR '
        "--tz America/Argentina/Buenos_Aires --lang es"
    )
    await admin.says('agency add US-FDA "FDA OCI" --country US --tz America/New_York')
    await admin.says('op new PANGEA-18 "Illicit pharmacies" --lead FR-OCLCTIC')
    await admin.says("op join PANGEA-18 AR-PFA")
    await admin.says("op join PANGEA-18 US-FDA --role observer")
    carl, lucia = TgUser(tg, CARL_DM, "Carl"), TgUser(tg, LUCIA_DM, "Lucía")
    await carl.says(CARL_DM, f"/join {await console_invites(admin, 'FR-OCLCTIC', 'coordinator')}")
    await lucia.says(LUCIA_DM, f"/join {await console_invites(admin, 'AR-PFA', 'liaison')}")
    olga = TgUser(tg, OLGA_DM, "Olga")
    await olga.says(OLGA_DM, f"/join {await console_invites(admin, 'US-FDA', 'coordinator')}")
    return carl, lucia, olga


async def test_results_recorded_by_two_agencies_roll_up_per_country(
    telegram: TelegramAdapter, tg: FakeTelegram, admin: Person
) -> None:
    carl, lucia, olga = await _operation(admin, tg)
    recorded = await carl.says(CARL_DM, '/result PANGEA-18 arrests 12 "Lyon, Marseille"')
    assert "Résultat #1 enregistré sur PANGEA-18." in (recorded.plain_text or "")
    await lucia.says(LUCIA_DM, "/result PANGEA-18 arrests 1500 --preliminary")
    refused = await olga.says(OLGA_DM, "/result PANGEA-18 arrests 3")  # an observer agency
    assert "Only" in (refused.plain_text or "")

    rolled = (await olga.says(OLGA_DM, "/results PANGEA-18")).plain_text or ""  # AMBER: may read
    assert "France" in rolled and "Argentina" in rolled
    assert "1,512" in rolled  # the total, as an English reader writes numbers
    assert "preliminary" in rolled
    summary = (await carl.says(CARL_DM, "/summary PANGEA-18")).plain_text or ""
    assert "1\u202f512" in summary  # the totals in the summary, written the French way


async def test_a_note_and_the_task_record(
    telegram: TelegramAdapter, tg: FakeTelegram, admin: Person
) -> None:
    carl, lucia, olga = await _operation(admin, tg)
    await carl.says(
        CARL_DM, '/task add PANGEA-18 "Raid warehouse 4" --to AR-PFA --details "Gate B"'
    )
    noted = await lucia.says(LUCIA_DM, '/task note PANGEA-18#1 "Van seen at 05:40"')
    assert "PANGEA-18#1" in (noted.plain_text or "")
    shown = (await carl.says(CARL_DM, "/task show PANGEA-18#1")).plain_text or ""
    assert "Raid warehouse 4" in shown and "Gate B" in shown and "Van seen at 05:40" in shown
    assert "Lucía" in shown  # the history names who did what
    watched = (await olga.says(OLGA_DM, "/task show PANGEA-18#1")).plain_text or ""
    assert "Van seen at 05:40" in watched  # AMBER: the observer agency reads it too
