"""Telegram Bot API description loader and request validator for the fake Bot API server.

The official API description (``bot-api.json``, top-level keys ``methods`` and ``types``) is
the single source of truth: parameter names, types, requiredness, length limits ("1-4096
characters after entities parsing", "1-64 bytes"), list sizes ("At most 100 commands") and
"exactly one of the fields" rules are all read from it.  On top of that this module knows the
parts of the API that are only described in prose: Telegram's HTML / MarkdownV2 / Markdown
formatting rules, the ``chat_id`` format, bot command names and a few enumerations.

Public entry points:

* :func:`validate_call` -- list of violations for one Bot API call.
* :func:`decode_call` -- the same plus the parameters decoded to Python values
  (form-encoded ``"123"`` -> ``123``, JSON strings -> ``dict``/``list``).
* :func:`validate_value` -- validate an object (e.g. an ``Update``) against API types.
* :func:`parse_formatted` / :func:`parse_html` / :func:`parse_markdown_v2` -- parse a message
  text the way Telegram does and return the plain text and the resulting entities.
* :func:`load_spec` -- the loaded :class:`BotApiSpec` (cached).
"""

from __future__ import annotations

import json
import math
import os
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Final

__all__ = [
    "SPECS_DIR_ENV_VAR",
    "BotApiSpec",
    "FieldSpec",
    "FormattedText",
    "FormattingError",
    "MethodSpec",
    "TypeSpec",
    "UploadedFile",
    "decode_call",
    "default_spec_path",
    "load_spec",
    "parse_formatted",
    "parse_html",
    "parse_markdown",
    "parse_markdown_v2",
    "utf16_len",
    "validate_call",
    "validate_value",
]

SPECS_DIR_ENV_VAR: Final = "JOINTOPS_SPECS_DIR"

_SCALAR_TYPES: Final = frozenset({"Integer", "Float", "Boolean", "String", "InputFile"})
_ARRAY_PREFIX: Final = "Array of "
PARSE_MODES: Final = {"html": "HTML", "markdown": "Markdown", "markdownv2": "MarkdownV2"}
CHAT_ACTIONS: Final = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)
_BOT_COMMAND_RE: Final = re.compile(r"[a-z0-9_]{1,32}")
_SECRET_TOKEN_RE: Final = re.compile(r"[A-Za-z0-9_-]{1,256}")
_INT_RE: Final = re.compile(r"[+-]?[0-9]+")
_ATTACH_RE: Final = re.compile(r"attach://([^\s\"'\\]+)")


# --------------------------------------------------------------------------------------------
# Locating and loading the description
# --------------------------------------------------------------------------------------------


def default_spec_path() -> Path:
    """Where ``bot-api.json`` lives.

    ``$JOINTOPS_SPECS_DIR`` (if set) is the ``specs`` directory, i.e. the file is
    ``$JOINTOPS_SPECS_DIR/telegram/bot-api.json``; ``$JOINTOPS_SPECS_DIR/bot-api.json`` and a
    direct path to the file are accepted too.  Otherwise the repository's sibling folder
    ``shared/specs/telegram/bot-api.json`` is used.
    """
    override = os.environ.get(SPECS_DIR_ENV_VAR)
    if override:
        base = Path(override).expanduser()
        if base.is_file():
            return base
        for candidate in (base / "telegram" / "bot-api.json", base / "bot-api.json"):
            if candidate.is_file():
                return candidate
        return base / "telegram" / "bot-api.json"
    shared = Path(__file__).resolve().parents[3].parent / "shared" / "specs" / "telegram"
    folder = (
        shared
        if (shared / "bot-api.json").is_file()
        else Path(__file__).parent / "specs" / "telegram"
    )
    return folder / "bot-api.json"


@lru_cache(maxsize=8)
def _load_spec_cached(path: str) -> BotApiSpec:
    with open(path, encoding="utf-8") as fh:
        return BotApiSpec(json.load(fh))


def load_spec(path: str | os.PathLike[str] | None = None) -> BotApiSpec:
    """Load (and cache) the API description from ``path`` or :func:`default_spec_path`."""
    resolved = Path(path) if path is not None else default_spec_path()
    if not resolved.is_file():
        raise FileNotFoundError(
            f"Telegram Bot API description not found at {resolved} "
            f"(set ${SPECS_DIR_ENV_VAR} to the directory holding telegram/bot-api.json)"
        )
    return _load_spec_cached(str(resolved.resolve()))


# --------------------------------------------------------------------------------------------
# Small helpers
# --------------------------------------------------------------------------------------------


def utf16_len(text: str) -> int:
    """Length of ``text`` in UTF-16 code units, the unit Telegram counts in."""
    return len(text.encode("utf-16-le")) // 2


def _byte_offset(text: str, index: int) -> int:
    return len(text[:index].encode("utf-8"))


def _describe(value: Any) -> str:
    if isinstance(value, UploadedFile):
        return "a file upload"
    if value is None:
        return "null"
    if isinstance(value, bool):
        return f"Boolean {json.dumps(value)}"
    if isinstance(value, int):
        return f"Integer {value}"
    if isinstance(value, float):
        return f"Float {value}"
    if isinstance(value, str):
        shown = value if len(value) <= 40 else value[:37] + "..."
        return f"String {shown!r}"
    if isinstance(value, list):
        return f"Array of {len(value)} items"
    if isinstance(value, dict):
        kind = value.get("type")
        if isinstance(kind, str):
            return f"Object with type {kind!r}"
        keys = ", ".join(sorted(str(k) for k in value)[:6])
        return f"Object with fields [{keys}]"
    return type(value).__name__


@dataclass(frozen=True)
class UploadedFile:
    """A file part of a ``multipart/form-data`` request."""

    field_name: str
    filename: str | None
    content_type: str | None
    data: bytes = field(repr=False)

    @property
    def size(self) -> int:
        return len(self.data)


# --------------------------------------------------------------------------------------------
# Spec model
# --------------------------------------------------------------------------------------------

_LENGTH_RE: Final = re.compile(r"(\d+)-(\d+) (characters|bytes)")
_ITEMS_RANGE_RE: Final = re.compile(r"must include (\d+)-(\d+) items")
_AT_MOST_RE: Final = re.compile(r"At most (\d+) [\w ]+? can be specified")
_AFTER_PARSING_RE: Final = re.compile(r"after entit(?:y|ies) parsing")
_REQUIRED_IF_RE: Final = re.compile(r"[Rr]equired if (\w+) (?:isn't|is not) specified")
_CONST_RE: Final = re.compile(r'(?:must be ([a-z_]+)$|always "([a-z_]+)")')
_ENUM_SENTENCE_RE: Final = re.compile(
    r'(?:[Mm]ust be one of|[Cc]an be either|[Cc]urrently, can be|[Cc]an be|[Oo]ne of)\s+"[^.]*(?:\.(?!\s)[^.]*)*'
)
_QUOTED_RE: Final = re.compile(r'"([A-Za-z0-9_]+)"')
_ONE_OF_FIELDS_RE: Final = re.compile(
    r"(Exactly|At most) one of the fields other than ([\w, ]+?) must be used"
)


@dataclass(frozen=True)
class FieldSpec:
    name: str
    types: tuple[str, ...]
    required: bool
    description: str
    length: tuple[int, int, str] | None = None  # (min, max, "characters" | "bytes")
    after_parsing: bool = False
    items: tuple[int, int] | None = None  # (min, max) list size
    const: str | None = None
    enum: frozenset[str] | None = None
    required_unless: str | None = None  # "required if X isn't specified"

    @classmethod
    def from_json(cls, data: Mapping[str, Any], *, discriminator: bool = False) -> FieldSpec:
        desc = (
            " ".join(data.get("description", ""))
            if isinstance(data.get("description"), list)
            else str(data.get("description", ""))
        )
        types = tuple(str(t) for t in data.get("types", ()))
        length = None
        after = False
        const = None
        enum: frozenset[str] | None = None
        if types == ("String",):
            m = _LENGTH_RE.search(desc)
            if m:
                length = (int(m.group(1)), int(m.group(2)), m.group(3))
                after = bool(_AFTER_PARSING_RE.search(desc))
            if discriminator:
                c = _CONST_RE.search(desc)
                if c:
                    const = c.group(1) or c.group(2)
            es = _ENUM_SENTENCE_RE.search(desc)
            if es and const is None:
                values = _QUOTED_RE.findall(es.group(0))
                if len(values) >= 2:
                    enum = frozenset(values)
        items = None
        if any(t.startswith(_ARRAY_PREFIX) for t in types):
            m2 = _ITEMS_RANGE_RE.search(desc)
            if m2:
                items = (int(m2.group(1)), int(m2.group(2)))
            else:
                m3 = _AT_MOST_RE.search(desc)
                if m3:
                    items = (0, int(m3.group(1)))
        req_if = _REQUIRED_IF_RE.search(desc)
        return cls(
            name=str(data["name"]),
            types=types,
            required=bool(data.get("required", False)),
            description=desc,
            length=length,
            after_parsing=after,
            items=items,
            const=const,
            enum=enum,
            required_unless=req_if.group(1) if req_if else None,
        )


@dataclass(frozen=True)
class TypeSpec:
    name: str
    fields: dict[str, FieldSpec]
    subtypes: tuple[str, ...] = ()
    has_fields: bool = False
    one_of: tuple[str, frozenset[str]] | None = None  # ("Exactly"|"At most", excluded fields)


@dataclass(frozen=True)
class MethodSpec:
    name: str
    fields: dict[str, FieldSpec]
    returns: tuple[str, ...]

    @property
    def required(self) -> list[str]:
        return [f.name for f in self.fields.values() if f.required]


# --------------------------------------------------------------------------------------------
# Formatting (HTML, MarkdownV2, Markdown)
# --------------------------------------------------------------------------------------------


class FormattingError(ValueError):
    """The text cannot be parsed with the given parse_mode (Telegram: "can't parse entities")."""


@dataclass(frozen=True)
class FormattedText:
    """Text as the user sees it plus the entities (offsets/lengths in UTF-16 code units)."""

    text: str
    entities: list[dict[str, Any]]

    @property
    def length(self) -> int:
        return utf16_len(self.text)


class _TextBuilder:
    def __init__(self) -> None:
        self.parts: list[str] = []
        self.length = 0
        self.entities: list[dict[str, Any]] = []

    def add(self, text: str) -> None:
        if text:
            self.parts.append(text)
            self.length += utf16_len(text)

    def entity(self, kind: str, start: int, **extra: Any) -> None:
        length = self.length - start
        if length > 0:
            ent: dict[str, Any] = {"type": kind, "offset": start, "length": length}
            ent.update({k: v for k, v in extra.items() if v is not None})
            self.entities.append(ent)

    def result(self) -> FormattedText:
        ents = sorted(self.entities, key=lambda e: (e["offset"], -e["length"]))
        return FormattedText("".join(self.parts), ents)


HTML_TAGS: Final = frozenset(
    {
        "b",
        "strong",
        "i",
        "em",
        "u",
        "ins",
        "s",
        "strike",
        "del",
        "span",
        "tg-spoiler",
        "a",
        "code",
        "pre",
        "blockquote",
        "tg-emoji",
    }
)
_HTML_ENTITY_TYPES: Final = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "span": "spoiler",
    "tg-spoiler": "spoiler",
    "a": "text_link",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
    "tg-emoji": "custom_emoji",
}
HTML_NAMED_ENTITIES: Final = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_TAG_NAME_RE: Final = re.compile(r"[a-zA-Z][a-zA-Z0-9-]*")
_ATTR_NAME_RE: Final = re.compile(r"[a-zA-Z_:][-a-zA-Z0-9_:.]*")
_UNQUOTED_VALUE_RE: Final = re.compile(r"[^\s>\"'=<`]+")
_HTML_ENTITY_RE: Final = re.compile(
    r"&(?:#([0-9]{1,8})|#[xX]([0-9a-fA-F]{1,8})|([a-zA-Z][a-zA-Z0-9]{0,31}));"
)


@dataclass
class _OpenTag:
    name: str
    attrs: dict[str, str]
    start: int  # UTF-16 offset in the output
    index: int  # index in the source
    language: str | None = None


def _decode_entity(match: re.Match[str], *, strict: bool) -> str | None:
    dec, hexa, name = match.group(1), match.group(2), match.group(3)
    if name is not None:
        return HTML_NAMED_ENTITIES.get(name) if strict else HTML_NAMED_ENTITIES.get(name.lower())
    code = int(dec) if dec is not None else int(hexa, 16)
    if code <= 0 or code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
        return None
    return chr(code)


def _html_error(source: str, index: int, message: str) -> FormattingError:
    return FormattingError(
        f"can't parse entities: {message} at byte offset {_byte_offset(source, index)}"
    )


def _decode_attribute(raw: str) -> str:
    def repl(m: re.Match[str]) -> str:
        decoded = _decode_entity(m, strict=False)
        return decoded if decoded is not None else m.group(0)

    return _HTML_ENTITY_RE.sub(repl, raw)


def _parse_attributes(
    source: str, index: int, tag: str, tag_index: int
) -> tuple[dict[str, str], int]:
    attrs: dict[str, str] = {}
    n = len(source)
    while True:
        while index < n and source[index].isspace():
            index += 1
        if index >= n:
            raise _html_error(source, tag_index, f'unclosed start tag "{tag}"')
        ch = source[index]
        if ch == ">":
            return attrs, index + 1
        if ch == "/":
            raise _html_error(source, index, f'self-closing tag "{tag}" is not supported')
        m = _ATTR_NAME_RE.match(source, index)
        if not m:
            raise _html_error(source, index, f'invalid attribute in tag "{tag}"')
        name = m.group(0).lower()
        index = m.end()
        while index < n and source[index].isspace():
            index += 1
        value = ""
        if index < n and source[index] == "=":
            index += 1
            while index < n and source[index].isspace():
                index += 1
            if index >= n:
                raise _html_error(source, tag_index, f'unclosed start tag "{tag}"')
            quote = source[index]
            if quote in "\"'":
                end = source.find(quote, index + 1)
                if end < 0:
                    raise _html_error(source, index, f'unclosed value of attribute "{name}"')
                raw = source[index + 1 : end]
                index = end + 1
            else:
                mv = _UNQUOTED_VALUE_RE.match(source, index)
                if not mv:
                    raise _html_error(source, index, f'empty value of attribute "{name}"')
                raw = mv.group(0)
                index = mv.end()
            value = _decode_attribute(raw)
        attrs[name] = value


def parse_html(source: str) -> FormattedText:
    """Parse Telegram-flavoured HTML (``parse_mode=HTML``); raise :class:`FormattingError`.

    Supported: b/strong, i/em, u/ins, s/strike/del, span class="tg-spoiler", tg-spoiler,
    a href, code, pre (with nested ``code class="language-x"``), blockquote [expandable] and
    tg-emoji emoji-id.  ``<``, ``>`` and ``&`` outside tags must be escaped; only the named
    entities &lt; &gt; &amp; &quot; and numeric entities are known.
    """
    out = _TextBuilder()
    stack: list[_OpenTag] = []
    i = 0
    n = len(source)
    while i < n:
        ch = source[i]
        if ch == "<":
            if source.startswith("</", i):
                m = _TAG_NAME_RE.match(source, i + 2)
                if not m:
                    raise _html_error(source, i, "unescaped '<' (write it as &lt;)")
                name = m.group(0).lower()
                j = m.end()
                while j < n and source[j].isspace():
                    j += 1
                if j >= n or source[j] != ">":
                    raise _html_error(source, i, f'unclosed end tag "{name}"')
                if not stack:
                    raise _html_error(source, i, f'unexpected end tag "{name}"')
                top = stack[-1]
                if top.name != name:
                    raise _html_error(
                        source,
                        i,
                        f'end tag "{name}" does not match the open start tag "{top.name}"',
                    )
                stack.pop()
                _close_html_tag(out, top, stack)
                i = j + 1
                continue
            m = _TAG_NAME_RE.match(source, i + 1)
            if not m:
                raise _html_error(source, i, "unescaped '<' (write it as &lt;)")
            name = m.group(0).lower()
            if name not in HTML_TAGS:
                raise _html_error(source, i, f'unsupported start tag "{name}"')
            attrs, j = _parse_attributes(source, m.end(), name, i)
            if name == "span" and attrs.get("class") != "tg-spoiler":
                raise _html_error(source, i, 'tag "span" must have class "tg-spoiler"')
            if name == "tg-emoji" and not attrs.get("emoji-id", "").isdigit():
                raise _html_error(source, i, 'tag "tg-emoji" must have a numeric "emoji-id"')
            stack.append(_OpenTag(name, attrs, out.length, i))
            i = j
            continue
        if ch == "&":
            me = _HTML_ENTITY_RE.match(source, i)
            if not me:
                raise _html_error(source, i, "unescaped '&' (write it as &amp;)")
            decoded = _decode_entity(me, strict=True)
            if decoded is None:
                raise _html_error(source, i, f"unsupported HTML entity {me.group(0)}")
            out.add(decoded)
            i = me.end()
            continue
        if ch == ">":
            raise _html_error(source, i, "unescaped '>' (write it as &gt;)")
        j = i + 1
        while j < n and source[j] not in "<>&":
            j += 1
        out.add(source[i:j])
        i = j
    if stack:
        raise _html_error(source, stack[-1].index, f'unclosed start tag "{stack[-1].name}"')
    return out.result()


def _close_html_tag(out: _TextBuilder, tag: _OpenTag, stack: list[_OpenTag]) -> None:
    name = tag.name
    if name == "code" and stack and stack[-1].name == "pre":
        cls = tag.attrs.get("class", "")
        if cls.startswith("language-") and len(cls) > len("language-"):
            stack[-1].language = cls[len("language-") :]
            return
    if name == "a":
        href = tag.attrs.get("href")
        if href:
            out.entity("text_link", tag.start, url=href)
        return
    if name == "blockquote":
        kind = "expandable_blockquote" if "expandable" in tag.attrs else "blockquote"
        out.entity(kind, tag.start)
        return
    if name == "tg-emoji":
        out.entity("custom_emoji", tag.start, custom_emoji_id=tag.attrs.get("emoji-id"))
        return
    if name == "pre":
        out.entity("pre", tag.start, language=tag.language)
        return
    out.entity(_HTML_ENTITY_TYPES[name], tag.start)


_MDV2_RESERVED: Final = frozenset("_*[]()~`>#+-=|{}.!")
_MDV2_TOGGLES: Final = {
    "*": "bold",
    "_": "italic",
    "__": "underline",
    "~": "strikethrough",
    "||": "spoiler",
}


def _md_error(source: str, index: int, message: str) -> FormattingError:
    return FormattingError(
        f"can't parse entities: {message} at byte offset {_byte_offset(source, index)}"
    )


def _read_until(
    source: str, index: int, terminator: str, opener: int, what: str
) -> tuple[str, int]:
    """Read escaped content up to an unescaped ``terminator``; return (content, index after)."""
    buf: list[str] = []
    n = len(source)
    while index < n:
        if source[index] == "\\" and index + 1 < n:
            buf.append(source[index + 1])
            index += 2
            continue
        if source.startswith(terminator, index):
            return "".join(buf), index + len(terminator)
        buf.append(source[index])
        index += 1
    raise _md_error(source, opener, f"can't find end of {what} entity")


def parse_markdown_v2(source: str) -> FormattedText:
    """Parse ``parse_mode=MarkdownV2`` text; raise :class:`FormattingError` like Telegram."""
    out = _TextBuilder()
    stack: list[tuple[str, int, int]] = []  # (kind, utf16 start, source index)
    quote: tuple[str, int, int] | None = None  # (kind, start, index)
    i = 0
    n = len(source)
    line_start = True
    while i < n:
        ch = source[i]
        if line_start:
            line_start = False
            if source.startswith("**>", i) or ch == ">":
                if quote is None:
                    kind = "expandable_blockquote" if ch == "*" else "blockquote"
                    quote = (kind, out.length, i)
                i += 3 if ch == "*" else 1
                continue
            if quote is not None:
                _close_quote(out, quote)
                quote = None
        if ch == "\n":
            out.add("\n")
            line_start = True
            i += 1
            continue
        if ch == "\\":
            if i + 1 < n and 0 < ord(source[i + 1]) <= 126:
                out.add(source[i + 1])
                i += 2
            else:
                out.add(ch)
                i += 1
            continue
        if ch == "`":
            if source.startswith("```", i):
                content, j = _read_until(source, i + 3, "```", i, "Pre")
                language = None
                first, nl, rest = content.partition("\n")
                if nl and first and not any(c.isspace() for c in first):
                    language, content = first, rest
                elif nl and not first:
                    content = rest
                start = out.length
                out.add(content)
                out.entity("pre", start, language=language)
                i = j
                continue
            content, j = _read_until(source, i + 1, "`", i, "Code")
            start = out.length
            out.add(content)
            out.entity("code", start)
            i = j
            continue
        if (
            ch == "|"
            and source.startswith("||", i)
            and quote is not None
            and quote[0] == ("expandable_blockquote")
            and (i + 2 >= n or source[i + 2] == "\n")
            and not any(k == "spoiler" for k, _, _ in stack)
        ):
            i += 2  # end marker of an expandable block quotation
            continue
        token = None
        if ch == "_":
            token = "__" if source.startswith("__", i) else "_"
        elif ch == "|" and source.startswith("||", i):
            token = "||"
        elif ch in "*~":
            token = ch
        if token is not None:
            kind = _MDV2_TOGGLES[token]
            open_idx = next((k for k in range(len(stack) - 1, -1, -1) if stack[k][0] == kind), None)
            if open_idx is None:
                stack.append((kind, out.length, i))
            else:
                _, start, _ = stack.pop(open_idx)
                out.entity(kind, start)
            i += len(token)
            continue
        if ch == "[" or (ch == "!" and source.startswith("![", i)):
            kind = "custom_emoji" if ch == "!" else "text_link"
            stack.append((kind, out.length, i))
            i += 2 if ch == "!" else 1
            continue
        if ch == "]":
            open_idx = next(
                (
                    k
                    for k in range(len(stack) - 1, -1, -1)
                    if stack[k][0] in ("text_link", "custom_emoji")
                ),
                None,
            )
            if open_idx is None:
                raise _md_error(
                    source,
                    i,
                    "character ']' is reserved and must be escaped with the preceding '\\'",
                )
            kind, start, opener = stack.pop(open_idx)
            i += 1
            if i < n and source[i] == "(":
                url, i = _read_until(source, i + 1, ")", i, "URL")
                if kind == "custom_emoji":
                    emoji_id = url.rpartition("id=")[2]
                    out.entity("custom_emoji", start, custom_emoji_id=emoji_id)
                else:
                    out.entity("text_link", start, url=url)
            elif kind == "custom_emoji":
                raise _md_error(source, opener, "can't find end of CustomEmoji entity")
            continue
        if ch in _MDV2_RESERVED:
            raise _md_error(
                source,
                i,
                f"character '{ch}' is reserved and must be escaped with the preceding '\\'",
            )
        j = i + 1
        while j < n and source[j] not in _MDV2_RESERVED and source[j] not in "\\\n|":
            j += 1
        out.add(source[i:j])
        i = j
    if stack:
        kind, _, opener = stack[-1]
        name = "".join(p.capitalize() for p in kind.split("_"))
        raise _md_error(source, opener, f"can't find end of {name} entity")
    if quote is not None:
        _close_quote(out, quote)
    return out.result()


def _close_quote(out: _TextBuilder, quote: tuple[str, int, int]) -> None:
    kind, start, _ = quote
    text = "".join(out.parts)
    # The quotation ends before the line break that terminated it.
    end = out.length - (1 if text.endswith("\n") else 0)
    length = end - start
    if length > 0:
        out.entities.append({"type": kind, "offset": start, "length": length})


def parse_markdown(source: str) -> FormattedText:
    """Parse legacy ``parse_mode=Markdown`` (*bold*, _italic_, `code`, ```pre```, [t](url))."""
    out = _TextBuilder()
    i = 0
    n = len(source)
    while i < n:
        ch = source[i]
        if ch == "\\" and i + 1 < n and source[i + 1] in "_*`[":
            out.add(source[i + 1])
            i += 2
            continue
        if ch in "*_":
            end = source.find(ch, i + 1)
            if end < 0:
                raise _md_error(source, i, "can't find end of the entity starting")
            start = out.length
            out.add(source[i + 1 : end])
            out.entity("bold" if ch == "*" else "italic", start)
            i = end + 1
            continue
        if ch == "`":
            if source.startswith("```", i):
                end = source.find("```", i + 3)
                if end < 0:
                    raise _md_error(source, i, "can't find end of the entity starting")
                start = out.length
                out.add(source[i + 3 : end])
                out.entity("pre", start)
                i = end + 3
                continue
            end = source.find("`", i + 1)
            if end < 0:
                raise _md_error(source, i, "can't find end of the entity starting")
            start = out.length
            out.add(source[i + 1 : end])
            out.entity("code", start)
            i = end + 1
            continue
        if ch == "[":
            close = source.find("]", i + 1)
            if close < 0:
                raise _md_error(source, i, "can't find end of the entity starting")
            start = out.length
            out.add(source[i + 1 : close])
            i = close + 1
            if i < n and source[i] == "(":
                end = source.find(")", i + 1)
                if end < 0:
                    raise _md_error(source, i, "can't find end of the URL")
                out.entity("text_link", start, url=source[i + 1 : end])
                i = end + 1
            continue
        out.add(ch)
        i += 1
    return out.result()


def parse_formatted(
    text: str,
    parse_mode: str | None = None,
    entities: Sequence[Mapping[str, Any]] | None = None,
) -> FormattedText:
    """The text the user will see for ``text`` + ``parse_mode``/``entities``.

    Explicit ``entities`` win over ``parse_mode`` (as in Telegram).  Raises
    :class:`FormattingError` for malformed markup or an unsupported parse mode.
    """
    if entities:
        return FormattedText(text, [dict(e) for e in entities])
    if not parse_mode:
        return FormattedText(text, [])
    mode = PARSE_MODES.get(parse_mode.lower())
    if mode is None:
        raise FormattingError(f"unsupported parse_mode {parse_mode!r}")
    if mode == "HTML":
        return parse_html(text)
    if mode == "MarkdownV2":
        return parse_markdown_v2(text)
    return parse_markdown(text)


# --------------------------------------------------------------------------------------------
# Validation
# --------------------------------------------------------------------------------------------


class BotApiSpec:
    """The loaded Bot API description with validation helpers."""

    def __init__(self, data: Mapping[str, Any]) -> None:
        self.version: str = str(data.get("version", "?"))
        self.types: dict[str, TypeSpec] = {}
        for name, raw in data.get("types", {}).items():
            fields = {
                f["name"]: FieldSpec.from_json(
                    f, discriminator=f["name"] in ("type", "source", "status")
                )
                for f in raw.get("fields", ())
            }
            desc = " ".join(raw.get("description", ()))
            one_of = None
            m = _ONE_OF_FIELDS_RE.search(desc)
            if m:
                excluded = frozenset(
                    p.strip() for p in re.split(r",|\band\b", m.group(2)) if p.strip()
                )
                one_of = (m.group(1), excluded)
            self.types[name] = TypeSpec(
                name=name,
                fields=fields,
                subtypes=tuple(raw.get("subtypes", ())),
                has_fields="fields" in raw,
                one_of=one_of,
            )
        self.methods: dict[str, MethodSpec] = {}
        self._methods_ci: dict[str, MethodSpec] = {}
        for name, raw in data.get("methods", {}).items():
            ms = MethodSpec(
                name=name,
                fields={f["name"]: FieldSpec.from_json(f) for f in raw.get("fields", ())},
                returns=tuple(raw.get("returns", ())),
            )
            self.methods[name] = ms
            self._methods_ci[name.lower()] = ms

    def find_method(self, name: str) -> MethodSpec | None:
        """Method by name; Bot API method names are case-insensitive."""
        return self._methods_ci.get(name.lower())

    # ---- calls --------------------------------------------------------------------------

    def validate_call(self, method: str, params: Mapping[str, Any]) -> list[str]:
        return self.decode_call(method, params)[1]

    def decode_call(
        self, method: str, params: Mapping[str, Any]
    ) -> tuple[dict[str, Any], list[str]]:
        """Decode and validate parameters of one call.

        ``params`` values may be JSON values (JSON body), strings (query string, form or
        multipart fields; objects/arrays as JSON strings) or :class:`UploadedFile` objects.
        Returns ``(decoded_params, violations)``; each violation starts with the method name.
        """
        ms = self.find_method(method)
        if ms is None:
            return dict(params), [f"{method}: unknown method {method!r}"]
        errors: list[str] = []
        decoded: dict[str, Any] = {}
        attach_refs = _attach_references(params.values())
        for key, raw in params.items():
            spec = ms.fields.get(key)
            if spec is None:
                if isinstance(raw, UploadedFile) and key in attach_refs:
                    decoded[key] = raw
                else:
                    errors.append(f"unknown parameter {key!r}")
                    decoded[key] = raw
                continue
            if raw is None:
                continue
            value, errs = self._decode_param(spec, raw, params)
            decoded[key] = value
            errors.extend(errs)
        reported_pairs: set[frozenset[str]] = set()
        for spec in ms.fields.values():
            if spec.required and decoded.get(spec.name) is None:
                errors.append(f"missing required parameter {spec.name!r}")
            elif (
                spec.required_unless
                and decoded.get(spec.name) is None
                and decoded.get(spec.required_unless) is None
            ):
                pair = frozenset((spec.name, spec.required_unless))
                other = ms.fields.get(spec.required_unless)
                if other is not None and other.required_unless == spec.name:
                    if pair in reported_pairs:
                        continue
                    reported_pairs.add(pair)
                    errors.append(
                        f"missing parameter: one of {spec.name!r} or "
                        f"{spec.required_unless!r} is required"
                    )
                    continue
                errors.append(
                    f"missing parameter {spec.name!r} (required if "
                    f"{spec.required_unless!r} is not specified)"
                )
        errors.extend(self._check_call_semantics(ms, decoded))
        return decoded, [f"{ms.name}: {e}" for e in errors]

    def _decode_param(
        self, spec: FieldSpec, raw: Any, params: Mapping[str, Any]
    ) -> tuple[Any, list[str]]:
        name = spec.name
        types = spec.types
        if isinstance(raw, UploadedFile):
            if "InputFile" in types:
                return raw, []
            return raw, [f"{name}: a file upload is not allowed here (expected {_join(types)})"]
        if isinstance(raw, dict | list):
            # Already-structured value from a JSON body.
            complex_types = [t for t in types if t not in _SCALAR_TYPES]
            if not complex_types:
                return raw, [f"{name}: expected {_join(types)}, got {_describe(raw)}"]
            return raw, self.validate_value(complex_types, raw, name, spec)
        # Telegram converts top-level JSON scalars to strings, so do the same.
        if isinstance(raw, bool):
            text = "true" if raw else "false"
        elif isinstance(raw, int | float):
            text = repr(raw)
        elif isinstance(raw, bytes | bytearray):
            text = bytes(raw).decode("utf-8", "replace")
        elif isinstance(raw, str):
            text = raw
        else:
            return raw, [f"{name}: unsupported value {_describe(raw)}"]
        for t in types:
            if t == "Integer" and _INT_RE.fullmatch(text.strip()):
                return int(text), []
            if t == "Float":
                try:
                    number = float(text)
                except ValueError:
                    continue
                if math.isfinite(number):
                    return number, []
            if t == "Boolean" and text.lower() in ("true", "false", "1", "0"):
                return text.lower() in ("true", "1"), []
        complex_types = [t for t in types if t not in _SCALAR_TYPES]
        if complex_types and ("String" not in types or text.lstrip()[:1] in ("{", "[")):
            try:
                obj = json.loads(text)
            except ValueError:
                return text, [f"{name}: can't parse JSON ({_join(complex_types)} expected)"]
            return obj, self.validate_value(complex_types, obj, name, spec)
        if "InputFile" in types and text.startswith("attach://"):
            ref = text[len("attach://") :]
            if not isinstance(params.get(ref), UploadedFile):
                return text, [f"{name}: no file was uploaded for {text!r}"]
            return params[ref], []
        if "String" in types:
            if name in ("chat_id", "from_chat_id") and not text.startswith("@"):
                return text, [
                    f"{name}: expected an Integer chat identifier or an @username, "
                    f"got {_describe(text)}"
                ]
            return text, [] if spec.after_parsing else _check_string(spec, text, name)
        return text, [f"{name}: expected {_join(types)}, got {_describe(text)}"]

    def _check_call_semantics(self, ms: MethodSpec, params: Mapping[str, Any]) -> list[str]:
        errors: list[str] = []
        # Texts and captions limited "after entities parsing" (text, caption, ...).
        for spec in ms.fields.values():
            if spec.after_parsing and isinstance(params.get(spec.name), str):
                errors.extend(self._check_formatted_field(ms.fields, params, spec, ""))
        for key, value in params.items():
            is_mode = key == "parse_mode" or key.endswith("_parse_mode")
            if is_mode and isinstance(value, str) and value and value.lower() not in PARSE_MODES:
                errors.append(f"{key}: unsupported parse_mode {value!r}")
        if ms.name == "sendChatAction":
            action = params.get("action")
            if isinstance(action, str) and action not in CHAT_ACTIONS:
                errors.append(f"action: unsupported chat action {action!r}")
        if ms.name == "setWebhook":
            secret = params.get("secret_token")
            if isinstance(secret, str) and not _SECRET_TOKEN_RE.fullmatch(secret):
                errors.append("secret_token: must be 1-256 characters of A-Z, a-z, 0-9, _ and -")
            url = params.get("url")
            if isinstance(url, str) and url and not re.match(r"https?://", url):
                errors.append(f"url: bad webhook URL {url!r}")
        return errors

    def _check_formatted_field(
        self,
        fields: Mapping[str, FieldSpec],
        obj: Mapping[str, Any],
        spec: FieldSpec,
        prefix: str,
    ) -> list[str]:
        name = spec.name
        path = f"{prefix}{name}"
        text = obj.get(name)
        if not isinstance(text, str):
            return []
        mode_key = next((k for k in (f"{name}_parse_mode", "parse_mode") if k in fields), None)
        ent_key = next(
            (k for k in (f"{name}_entities", "entities", "caption_entities") if k in fields),
            None,
        )
        parse_mode = obj.get(mode_key) if mode_key else None
        entities = obj.get(ent_key) if ent_key else None
        errors: list[str] = []
        try:
            formatted = parse_formatted(
                text,
                parse_mode if isinstance(parse_mode, str) else None,
                entities if isinstance(entities, list) else None,
            )
        except FormattingError as exc:
            if str(exc).startswith("unsupported parse_mode"):
                return []  # reported for the parse_mode parameter itself
            return [f"{path}: {exc}"]
        if isinstance(entities, list) and entities:
            total = formatted.length
            for idx, ent in enumerate(entities):
                if not isinstance(ent, dict):
                    continue
                off, ln = ent.get("offset"), ent.get("length")
                if (
                    isinstance(off, int)
                    and isinstance(ln, int)
                    and (off < 0 or ln <= 0 or off + ln > total)
                ):
                    errors.append(
                        f"{prefix}{ent_key}[{idx}]: entity offset {off} + length {ln} is "
                        f"outside the text ({total} UTF-16 code units)"
                    )
        assert spec.length is not None
        low, high, _unit = spec.length
        visible = formatted.text.strip()
        size = utf16_len(visible)
        is_text = name in ("text", "message_text")
        if low > 0 and size == 0:
            errors.append(f"{path}: {'message text' if is_text else name} is empty")
        elif size > high:
            errors.append(
                f"{path}: {'message' if is_text else name} is too long ({size} characters "
                f"after entity parsing, max {high})"
            )
        return errors

    # ---- values -------------------------------------------------------------------------

    def validate_value(
        self,
        types: str | Sequence[str],
        value: Any,
        path: str = "value",
        spec: FieldSpec | None = None,
    ) -> list[str]:
        """Validate a decoded JSON ``value`` against one or more API type expressions.

        ``types`` is e.g. ``"Update"``, ``"Array of MessageEntity"`` or a list of
        alternatives such as ``["InlineKeyboardMarkup", "ReplyKeyboardMarkup"]``.
        """
        alternatives = [types] if isinstance(types, str) else list(types)
        if len(alternatives) == 1:
            return self._check_single(alternatives[0], value, path, spec)
        if all(t.startswith(_ARRAY_PREFIX) for t in alternatives):
            if not isinstance(value, list):
                return [f"{path}: expected {_join(alternatives)}, got {_describe(value)}"]
            inner = [t[len(_ARRAY_PREFIX) :] for t in alternatives]
            errors = _check_items(spec, value, path)
            for idx, item in enumerate(value):
                errors.extend(self.validate_value(inner, item, f"{path}[{idx}]"))
            return errors
        attempts: list[tuple[bool, list[str]]] = []
        for t in alternatives:
            errs = self._check_single(t, value, path, spec)
            if not errs:
                return []
            attempts.append((self._kind_matches(t, value), errs))
        matching = [errs for ok, errs in attempts if ok]
        if not matching:
            return [f"{path}: expected {_join(alternatives)}, got {_describe(value)}"]
        return min(matching, key=len)

    def _kind_matches(self, type_name: str, value: Any) -> bool:
        if type_name.startswith(_ARRAY_PREFIX):
            return isinstance(value, list)
        if type_name in ("Integer", "Float"):
            return isinstance(value, int | float) and not isinstance(value, bool)
        if type_name == "Boolean":
            return isinstance(value, bool)
        if type_name == "String":
            return isinstance(value, str)
        if type_name == "InputFile":
            return isinstance(value, UploadedFile | str)
        ts = self.types.get(type_name)
        if ts is not None and ts.subtypes:
            return isinstance(value, dict) and any(
                self._discriminator_matches(self.types.get(s), value) for s in ts.subtypes
            )
        return isinstance(value, dict) and self._discriminator_matches(ts, value)

    @staticmethod
    def _discriminator_matches(ts: TypeSpec | None, value: Mapping[str, Any]) -> bool:
        if ts is None:
            return False
        required = [f for f in ts.fields.values() if f.required]
        for f in ts.fields.values():
            if f.const is not None:
                return value.get(f.name) == f.const
        return all(f.name in value for f in required) if required else True

    def _check_single(
        self, type_name: str, value: Any, path: str, spec: FieldSpec | None
    ) -> list[str]:
        if type_name.startswith(_ARRAY_PREFIX):
            if not isinstance(value, list):
                return [f"{path}: expected {type_name}, got {_describe(value)}"]
            inner = type_name[len(_ARRAY_PREFIX) :]
            errors = _check_items(spec, value, path)
            for idx, item in enumerate(value):
                errors.extend(self._check_single(inner, item, f"{path}[{idx}]", None))
            return errors
        if type_name == "Integer":
            if isinstance(value, int) and not isinstance(value, bool):
                return []
            return [f"{path}: expected Integer, got {_describe(value)}"]
        if type_name == "Float":
            if isinstance(value, int | float) and not isinstance(value, bool):
                return []
            return [f"{path}: expected Float, got {_describe(value)}"]
        if type_name == "Boolean":
            if isinstance(value, bool):
                return []
            return [f"{path}: expected Boolean, got {_describe(value)}"]
        if type_name == "String":
            if not isinstance(value, str):
                return [f"{path}: expected String, got {_describe(value)}"]
            if spec is None or spec.after_parsing:
                return []
            return _check_string(spec, value, path)
        if type_name == "InputFile":
            if isinstance(value, UploadedFile) or (
                isinstance(value, str) and value.startswith("attach://")
            ):
                return []
            return [f"{path}: expected InputFile, got {_describe(value)}"]
        ts = self.types.get(type_name)
        if ts is None:
            return [f"{path}: unknown type {type_name!r} in the API description"]
        if type_name == "KeyboardButton" and isinstance(value, str):
            return []  # "String can be used instead of this object"
        if ts.subtypes:
            return self.validate_value(list(ts.subtypes), value, path)
        if not isinstance(value, dict):
            return [f"{path}: expected {type_name} object, got {_describe(value)}"]
        if not ts.has_fields:
            return []
        return self._check_object(ts, value, path)

    def _check_object(self, ts: TypeSpec, value: Mapping[str, Any], path: str) -> list[str]:
        errors: list[str] = []
        for key in value:
            if key not in ts.fields:
                errors.append(f"{path}: unknown field {key!r} for {ts.name}")
        for f in ts.fields.values():
            present = value.get(f.name) is not None
            if f.required and not present:
                errors.append(f"{path}: {ts.name} requires field {f.name!r}")
            if not present:
                continue
            sub = value[f.name]
            errors.extend(self.validate_value(list(f.types), sub, f"{path}.{f.name}", f))
            if f.after_parsing and isinstance(sub, str):
                errors.extend(self._check_formatted_field(ts.fields, value, f, f"{path}."))
        if ts.one_of is not None:
            mode, excluded = ts.one_of
            used = [
                k
                for k in ts.fields
                if k not in excluded and value.get(k) is not None and value.get(k) is not False
            ]
            if mode == "Exactly" and len(used) != 1:
                optional = [k for k in ts.fields if k not in excluded]
                errors.append(
                    f"{path}: {ts.name} must use exactly one of {', '.join(optional)}; "
                    f"got {', '.join(used) or 'none'}"
                )
            elif mode == "At most" and len(used) > 1:
                errors.append(f"{path}: {ts.name} may use at most one of {', '.join(used)}")
        errors.extend(self._type_specific(ts.name, value, path))
        return errors

    def _type_specific(self, type_name: str, value: Mapping[str, Any], path: str) -> list[str]:
        errors: list[str] = []
        if type_name == "BotCommand":
            command = value.get("command")
            if isinstance(command, str) and not _BOT_COMMAND_RE.fullmatch(command):
                errors.append(
                    f"{path}.command: bot command {command!r} must be 1-32 characters of "
                    "lowercase English letters, digits and underscores"
                )
        elif type_name == "MessageEntity":
            kind = value.get("type")
            needs = {
                "text_link": "url",
                "text_mention": "user",
                "custom_emoji": "custom_emoji_id",
                "date_time": "unix_time",
            }
            if isinstance(kind, str) and kind in needs and value.get(needs[kind]) is None:
                errors.append(f"{path}: entity of type {kind!r} requires {needs[kind]!r}")
            length, offset = value.get("length"), value.get("offset")
            if isinstance(offset, int) and offset < 0:
                errors.append(f"{path}.offset: must not be negative")
            if isinstance(length, int) and length <= 0:
                errors.append(f"{path}.length: must be positive")
        elif type_name in ("InlineKeyboardButton", "KeyboardButton"):
            style = value.get("style")
            if isinstance(style, str) and style not in ("danger", "success", "primary"):
                errors.append(f"{path}.style: must be danger, success or primary")
            text = value.get("text")
            if isinstance(text, str) and not text.strip():
                errors.append(f"{path}.text: button text must not be empty")
        return errors


def _join(types: Iterable[str]) -> str:
    return " or ".join(types)


def _check_string(spec: FieldSpec, value: str, path: str) -> list[str]:
    errors: list[str] = []
    if spec.length is not None:
        low, high, unit = spec.length
        size = len(value.encode("utf-8")) if unit == "bytes" else utf16_len(value)
        if not low <= size <= high:
            errors.append(f"{path}: must be {low}-{high} {unit}, got {size}")
    if spec.const is not None and value != spec.const:
        errors.append(f"{path}: must be {spec.const!r}, got {value!r}")
    elif spec.enum is not None and value not in spec.enum:
        errors.append(f"{path}: must be one of {', '.join(sorted(spec.enum))}, got {value!r}")
    return errors


def _check_items(spec: FieldSpec | None, value: list[Any], path: str) -> list[str]:
    if spec is None or spec.items is None:
        return []
    low, high = spec.items
    if not low <= len(value) <= high:
        if low == 0:
            return [f"{path}: at most {high} items allowed, got {len(value)}"]
        return [f"{path}: must have {low}-{high} items, got {len(value)}"]
    return []


def _attach_references(values: Iterable[Any]) -> set[str]:
    refs: set[str] = set()
    for value in values:
        if isinstance(value, str):
            refs.update(_ATTACH_RE.findall(value))
        elif isinstance(value, dict | list):
            refs.update(_ATTACH_RE.findall(json.dumps(value)))
    return refs


# --------------------------------------------------------------------------------------------
# Module-level shortcuts using the default description
# --------------------------------------------------------------------------------------------


def validate_call(method: str, params: dict[str, Any]) -> list[str]:
    """Violations of one Bot API call against the official description (empty if valid)."""
    return load_spec().validate_call(method, params)


def decode_call(method: str, params: Mapping[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """``(decoded parameters, violations)`` for one Bot API call."""
    return load_spec().decode_call(method, params)


def validate_value(types: str | Sequence[str], value: Any, path: str = "value") -> list[str]:
    """Violations of ``value`` against API type(s), e.g. ``validate_value("Update", upd)``."""
    return load_spec().validate_value(types, value, path)
