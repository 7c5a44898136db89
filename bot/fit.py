"""Texts made to fit a platform's limits, counted in UTF-16 code units as Telegram counts
them (an emoji counts two); renderers cut or split with these, never mid-character."""

from __future__ import annotations

from operations.validation import utf16_len as utf16_len

ELLIPSIS = "…"


def _prefix(text: str, budget: int) -> int:
    """How many characters of `text` fit in `budget` UTF-16 units."""
    used = 0
    for index, ch in enumerate(text):
        used += 2 if ord(ch) > 0xFFFF else 1
        if used > budget:
            return index
    return len(text)


def cut(text: str, budget: int) -> str:
    """`text` within `budget` units, ending with an ellipsis when something was cut."""
    if utf16_len(text) <= budget:
        return text
    return text[: _prefix(text, budget - 1)].rstrip() + ELLIPSIS


def split_at(text: str, budget: int) -> tuple[str, str]:
    """The head of `text` within `budget` units, and the rest: split at a line break or a
    space when one falls in the head's second half, else at the limit (never mid-character)."""
    end = max(1, _prefix(text, budget))
    if end >= len(text):
        return text, ""
    split = max(text.rfind("\n", 0, end), text.rfind(" ", 0, end))
    if split > end // 2:
        return text[:split], text[split + 1 :]
    return text[:end], text[end:]


def pieces(text: str, budget: int) -> list[str]:
    """`text` in parts of at most `budget` units (see `split_at`), blank parts left out."""
    parts: list[str] = []
    while text:
        head, text = split_at(text, budget)
        parts.append(head)
    return [part for part in parts if part.strip()] or [""]
