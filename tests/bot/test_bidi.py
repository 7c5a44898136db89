"""Right-to-left readers: values isolated, lines marked; left-to-right replies untouched."""

from __future__ import annotations

from bot.bidi import FSI, PDI, RLM, directed, isolate, mark
from bot.reply import Field, Item, Reply, Section, UserText


def test_a_value_is_isolated_and_nothing_is_made_of_an_empty_one() -> None:
    assert isolate("PANGEA-18#3") == "\u2068PANGEA-18#3\u2069"
    assert isolate("") == ""


def test_every_line_starts_with_one_right_to_left_mark() -> None:
    assert mark("عملية\n\nPANGEA-18") == "\u200fعملية\n\n\u200fPANGEA-18"
    assert mark(mark("a\nb")) == mark("a\nb") == f"{RLM}a\n{RLM}b"  # marked once


def test_an_rtl_reply_has_its_field_values_and_each_line_of_a_persons_words_isolated() -> None:
    reply = Reply(
        title="تحديث الوضع",
        fields=[Field("في", "2026-11-26 14:00 +04")],
        lines=[UserText("Phase 2\r\nstarted"), "سطر"],
        items=[Item("PANGEA-18#1")],
        sections=[Section("آخر التحديثات", lines=[UserText("go")])],
        rtl=True,
    )
    shown = directed(reply)
    assert shown.fields == [Field("في", f"{FSI}2026-11-26 14:00 +04{PDI}")]
    assert shown.lines == [f"{FSI}Phase 2{PDI}\n{FSI}started{PDI}", "سطر"]
    assert isinstance(shown.lines[0], UserText)  # still a person's words, still quoted
    assert shown.sections[0].lines == [f"{FSI}go{PDI}"]
    assert isinstance(shown.sections[0].lines[0], UserText)
    assert (
        shown.items == reply.items and shown.title == reply.title
    )  # lines are marked, not isolated
    assert reply.fields[0].value == "2026-11-26 14:00 +04"  # the reply itself is left as it was


def test_an_ltr_reply_is_left_as_it_is() -> None:
    reply = Reply(fields=[Field("Due", "2026-11-27 06:00 CET")], lines=[UserText("go")])
    assert directed(reply) is reply
