"""The message template (bot/locale/jointops.pot) holds every user-facing string of the code."""

from __future__ import annotations

from pathlib import Path

from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]


def _ids(message: str | tuple[str, ...]) -> str:
    return message if isinstance(message, str) else message[0]


def test_template_is_up_to_date_with_the_code() -> None:
    keywords = {**DEFAULT_KEYWORDS, "N_": None}
    method_map = [("bot/**.py", "python"), ("adapters/**.py", "python")]
    in_code = {
        _ids(message)
        for _, _, message, _, _ in extract_from_dir(str(ROOT), method_map, keywords=keywords)
    }
    with (ROOT / "bot" / "locale" / "jointops.pot").open("rb") as handle:
        in_template = {_ids(m.id) for m in read_po(handle) if m.id}
    assert in_code - in_template == set(), "run `make messages` and commit the template"
    assert "Task {ref} added." in in_code
