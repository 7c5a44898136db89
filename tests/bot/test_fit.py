"""Texts fitted to a platform's limits in UTF-16 units, never cut mid-character."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from bot.fit import cut, pieces, split_at, utf16_len


def test_emoji_count_two_units() -> None:
    assert utf16_len("a😀é") == 4


def test_cut_keeps_what_fits_and_marks_the_cut() -> None:
    assert cut("short", 10) == "short"
    assert cut("😀" * 10, 7) == "😀😀😀…"
    assert utf16_len(cut("x" * 5000, 4096)) == 4096


def test_split_prefers_a_line_break_or_a_space_in_the_second_half() -> None:
    assert split_at("alpha beta gamma", 12) == ("alpha beta", "gamma")
    assert split_at("a bcdefghijklmnop", 8) == ("a bcdefg", "hijklmnop")  # space too early
    assert split_at("one\ntwo three", 9) == ("one\ntwo", "three")


@given(st.text(min_size=1, max_size=300), st.integers(min_value=2, max_value=50))
def test_pieces_fit_and_lose_only_the_spaces_they_split_at(text: str, budget: int) -> None:
    parts = pieces(text, budget)
    assert all(utf16_len(part) <= budget for part in parts)
    assert "".join("".join(part.split()) for part in parts) == "".join(text.split())
