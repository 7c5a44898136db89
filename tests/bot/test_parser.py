"""The tokenizer: words, quoted groups (straight and typographic), flags, refused characters."""

from __future__ import annotations

import pytest

from bot.parser import MAX_LINE, Token, UsageError, check_characters, tokenize


def texts(line: str) -> list[str]:
    return [t.text for t in tokenize(line)]


def test_words_split_on_any_whitespace() -> None:
    assert texts("  task   list\tPANGEA-18 \n --mine ") == ["task", "list", "PANGEA-18", "--mine"]


def test_empty_and_blank_lines_have_no_tokens() -> None:
    assert tokenize("") == []
    assert tokenize(" \t\n ") == []


def test_straight_double_quotes_group_words() -> None:
    tokens = tokenize('task add PANGEA-18 "Raid warehouse 4" --to FR')
    assert tokens[3] == Token("Raid warehouse 4", quoted=True)
    assert [t.text for t in tokens[4:]] == ["--to", "FR"]


def test_single_quotes_group_words() -> None:
    assert texts("status X 'all clear'") == ["status", "X", "all clear"]


@pytest.mark.parametrize(
    ("opening", "closing"),
    [
        ("\u201c", "\u201d"),  # “English”
        ("\u201e", "\u201d"),  # „low-9 opening, ” closing
        ("\u2018", "\u2019"),  # single curly quotes
        ("\u00ab", "\u00bb"),  # «French»
        ("\u201d", "\u201d"),  # ”Swedish”
    ],
)
def test_typographic_quotes_group_words(opening: str, closing: str) -> None:
    tokens = tokenize(f"status X {opening}Raid warehouse{closing} --tlp RED")
    assert tokens[2] == Token("Raid warehouse", quoted=True)
    assert tokens[3].is_flag


def test_german_low_and_high_quotes_group_words() -> None:
    # German keyboards open with \u201e and close with \u201c
    assert tokenize("status X \u201eLagebericht 3\u201c")[2] == Token("Lagebericht 3", quoted=True)


def test_quotes_inside_a_word_are_kept() -> None:
    assert texts("task block X#1 don't") == ["task", "block", "X#1", "don't"]


def test_other_quote_kind_inside_a_group_is_plain_text() -> None:
    assert texts("""status X "the 'old' depot" """) == ["status", "X", "the 'old' depot"]


def test_empty_quotes_make_an_empty_token() -> None:
    assert tokenize('status X ""')[2] == Token("", quoted=True)


def test_newlines_inside_quotes_are_kept() -> None:
    assert tokenize('status X "line one\nline two"')[2].text == "line one\nline two"


def test_quote_runs_to_its_partner_even_without_space_after() -> None:
    assert texts('status X "a b"c') == ["status", "X", "a b", "c"]


@pytest.mark.parametrize(
    ("line", "shown"),
    [
        ('status X "never closed', '"never closed'),
        ("status X \u201cnever closed\u201c", "\u201cnever closed\u201c"),
        ("x '", "'"),
    ],
)
def test_unclosed_quote_is_a_usage_error_quoting_the_text(line: str, shown: str) -> None:
    with pytest.raises(UsageError) as caught:
        tokenize(line)
    assert "quote" in caught.value.message
    assert caught.value.values["text"] == shown


def test_unclosed_quote_shows_at_most_30_characters() -> None:
    with pytest.raises(UsageError) as caught:
        tokenize('status X "' + "y" * 100)
    assert len(caught.value.values["text"]) == 30


def test_flags_are_unquoted_double_dash_words() -> None:
    assert Token("--due").is_flag
    assert not Token("--due", quoted=True).is_flag
    assert not Token("--").is_flag
    assert not Token("-x").is_flag
    assert not Token("due").is_flag


@pytest.mark.parametrize("char", ["\x00", "\x07", "\x1b", "\x7f", "\r", "\x85"])
def test_control_characters_are_refused_with_their_code_point(char: str) -> None:
    with pytest.raises(UsageError) as caught:
        tokenize(f'status X "a{char}b"')
    assert caught.value.values["codepoint"] == f"{ord(char):04X}"


@pytest.mark.parametrize("char", ["\u202e", "\u202a", "\u2066", "\u2069"])
def test_bidi_overrides_are_refused(char: str) -> None:
    with pytest.raises(UsageError) as caught:
        check_characters(f"status X a{char}b")
    assert caught.value.values["codepoint"] == f"{ord(char):04X}"


def test_a_line_copied_from_a_right_to_left_reply_reads_as_typed() -> None:
    # each line marked (RLM), values isolated (FSI ... PDI), as bot.bidi shows them
    assert tokenize("\u200f\u2068join ABCD-EFGH-JKLM\u2069") == tokenize("join ABCD-EFGH-JKLM")
    assert tokenize(
        'status \u2068PANGEA-18\u2069 "\u2068Phase 2\u2069" --tlp \u2068AMBER\u2069'
    ) == (tokenize('status PANGEA-18 "Phase 2" --tlp AMBER'))
    assert tokenize("task done \u00ab\u2068X#1\u2069\u00bb") == [
        Token("task"),
        Token("done"),
        Token("X#1", quoted=True),
    ]


@pytest.mark.parametrize("char", ["\u2068", "\u2069"])
def test_an_isolate_inside_a_word_is_still_refused(char: str) -> None:
    with pytest.raises(UsageError) as caught:
        tokenize(f"status X a{char}b")
    assert caught.value.values["codepoint"] == f"{ord(char):04X}"


def test_tab_newline_and_ordinary_unicode_are_allowed() -> None:
    check_characters('status X\t"Policía — 警察 — شرطة"\n🚓')


def test_lines_over_the_limit_are_refused_with_both_lengths() -> None:
    check_characters("x" * MAX_LINE)
    with pytest.raises(UsageError) as caught:
        check_characters("x" * (MAX_LINE + 1))
    assert caught.value.values == {"length": MAX_LINE + 1, "max": MAX_LINE}  # counts


def test_usage_error_carries_message_and_values() -> None:
    error = UsageError("Missing {name}.", name="CODE")
    assert error.message == "Missing {name}."
    assert error.values == {"name": "CODE"}
