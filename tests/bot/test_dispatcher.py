"""Quick smoke test of the fixtures; the full bad-input suite lives beside it."""

from tests.conftest import Person


async def test_admin_adds_an_agency(admin: Person) -> None:
    out = await admin.says(
        'agency add FR-OCLCTIC "OCLCTIC" --country fr --tz Europe/Paris --lang fr'
    )
    assert out.startswith("Agency FR-OCLCTIC added."), out
