"""Validation of Slack Web API calls against Slack's published OpenAPI (Swagger 2.0) spec.

The spec lives outside the repository, in ``<workspace>/shared/specs/slack/``; the
``JOINTOPS_SPECS_DIR`` environment variable overrides the ``specs`` directory (either the
directory holding ``slack/web-api-openapi-v2.json`` or the ``slack`` directory itself).

``validate_call(method, params)`` returns human-readable problems (an empty list means the
call is valid).  It checks:

* the method exists (spec paths, plus a few methods newer than the spec, see
  ``EXTRA_METHODS``);
* every parameter is known for the method (spec parameters plus ``EXTRA_PARAMS`` and
  ``GLOBAL_PARAMS``);
* every required parameter is present and non-empty (``token`` is always treated as
  satisfied: slack_sdk sends it as an ``Authorization: Bearer`` header, the fake server
  checks authentication itself);
* scalar parameter types (``boolean``/``integer``/``number`` accept their form-encoded
  string spellings too);
* for message-posting methods: one of ``text``/``blocks``/``attachments`` present, fallback
  ``text`` at most 40,000 characters, and Block Kit limits for ``blocks`` and
  ``attachments[*].blocks`` (JSON list as sent by slack_sdk, or JSON string when
  form-encoded): text objects at most 3,000 characters, ``rich_text`` made of known
  elements (sections, quotes, lists, preformatted; text, emoji, links, mentions...) with
  their required fields.
"""

from __future__ import annotations

import functools
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

SPEC_FILENAME = "web-api-openapi-v2.json"

#: Methods Slack serves that the (2019-era) spec does not list: method -> allowed parameters.
EXTRA_METHODS: dict[str, frozenset[str]] = {
    "apps.connections.open": frozenset(),
}

#: Parameters newer than the spec, documented on api.slack.com for these methods.
EXTRA_PARAMS: dict[str, frozenset[str]] = {
    "chat.postMessage": frozenset({"metadata", "markdown_text"}),
    "chat.postEphemeral": frozenset({"markdown_text"}),
    "chat.update": frozenset({"metadata", "markdown_text", "file_ids", "reply_broadcast"}),
    "chat.scheduleMessage": frozenset({"metadata", "markdown_text"}),
}

#: Accepted by every method: ``token`` (also sent as a Bearer header) and ``team_id`` (slack_sdk
#: adds it to every call of an ``AsyncWebClient(team_id=...)``, as bolt's per-request client does;
#: Slack uses it for org-wide tokens).
GLOBAL_PARAMS = frozenset({"token", "team_id"})

#: Methods that need some message content (text, blocks or attachments).
CONTENT_REQUIRED_METHODS = frozenset({"chat.postMessage", "chat.postEphemeral"})
#: Methods whose ``blocks``/``attachments``/``text`` are checked against Block Kit limits.
MESSAGE_METHODS = frozenset(
    {"chat.postMessage", "chat.postEphemeral", "chat.update", "chat.scheduleMessage"}
)
#: Parameters that legitimately carry JSON structures (lists/objects) in a JSON body.
JSON_PARAMS = frozenset({"blocks", "attachments", "metadata"})

KNOWN_BLOCK_TYPES = frozenset(
    {"section", "divider", "header", "context", "actions", "rich_text", "image", "input"}
)
TEXT_OBJECT_TYPES = frozenset({"plain_text", "mrkdwn"})
RICH_TEXT_PARTS = frozenset(
    {"rich_text_section", "rich_text_quote", "rich_text_preformatted", "rich_text_list"}
)
#: inline rich text elements and their required string fields
RICH_TEXT_INLINE: dict[str, tuple[str, ...]] = {
    "text": ("text",),
    "emoji": ("name",),
    "link": ("url",),
    "user": ("user_id",),
    "usergroup": ("usergroup_id",),
    "channel": ("channel_id",),
    "broadcast": ("range",),
    "date": ("format",),
    "color": ("value",),
}
RICH_TEXT_STYLES = frozenset({"bold", "italic", "strike", "code", "underline"})

MAX_BLOCKS = 50
MAX_ATTACHMENTS = 100
MAX_TEXT = 40_000
MAX_SECTION_TEXT = 3000
MAX_SECTION_FIELDS = 10
MAX_SECTION_FIELD_TEXT = 2000
MAX_HEADER_TEXT = 150
MAX_CONTEXT_ELEMENTS = 10
MAX_ACTIONS_ELEMENTS = 25
MAX_BUTTON_TEXT = 75
MAX_ACTION_ID = 255
MAX_BUTTON_VALUE = 2000
MAX_BLOCK_ID = 255
MAX_URL = 3000
MAX_IMAGE_ALT = 2000
MAX_LABEL = 2000

Encoding = Literal["json", "form", "query"]


@dataclass(frozen=True)
class ParamSpec:
    name: str
    required: bool
    type: str | None
    location: str | None


@dataclass(frozen=True)
class MethodSpec:
    name: str
    params: Mapping[str, ParamSpec]
    http_verbs: frozenset[str]
    accepts_json: bool


@dataclass(frozen=True)
class SlackSpec:
    path: Path
    methods: Mapping[str, MethodSpec]

    def method(self, name: str) -> MethodSpec | None:
        return self.methods.get(name)


def spec_path() -> Path:
    """Where the Web API spec is read from (``JOINTOPS_SPECS_DIR`` overrides)."""
    override = os.environ.get("JOINTOPS_SPECS_DIR")
    if override:
        base = Path(override)
        for candidate in (base / "slack" / SPEC_FILENAME, base / SPEC_FILENAME):
            if candidate.is_file():
                return candidate
        return base / "slack" / SPEC_FILENAME
    shared = Path(__file__).resolve().parents[3].parent / "shared" / "specs" / "slack"
    folder = (
        shared if (shared / SPEC_FILENAME).is_file() else Path(__file__).parent / "specs" / "slack"
    )
    return folder / SPEC_FILENAME


#: Methods the official spec lacks, described from Slack's public method pages in the same
#: (Swagger 2.0) form: the external file upload (files.getUploadURLExternal,
#: files.completeUploadExternal). The official spec's own methods always win.
SUPPLEMENT = Path(__file__).parent / "specs" / "slack" / "files-upload-external.json"


@functools.lru_cache(maxsize=4)
def _load(path: Path) -> SlackSpec:
    raw = json.loads(path.read_text(encoding="utf-8"))
    methods = _methods(raw)
    for name, method in _methods(json.loads(SUPPLEMENT.read_text(encoding="utf-8"))).items():
        methods.setdefault(name, method)
    for name, extra in EXTRA_METHODS.items():
        if name not in methods:
            methods[name] = MethodSpec(
                name,
                {p: ParamSpec(p, False, "string", "formData") for p in extra},
                frozenset({"POST"}),
                False,
            )
    return SlackSpec(path=path, methods=methods)


def _methods(raw: dict[str, Any]) -> dict[str, MethodSpec]:
    """The methods a Swagger 2.0 description of the Web API declares."""
    methods: dict[str, MethodSpec] = {}
    for route, operations in raw.get("paths", {}).items():
        name = route.lstrip("/")
        params: dict[str, ParamSpec] = {}
        verbs: set[str] = set()
        accepts_json = False
        for verb, op in operations.items():
            if not isinstance(op, dict):
                continue
            verbs.add(verb.upper())
            if "application/json" in op.get("consumes", []):
                accepts_json = True
            for p in op.get("parameters", []):
                pname = p.get("name")
                if not isinstance(pname, str):
                    continue
                prev = params.get(pname)
                params[pname] = ParamSpec(
                    name=pname,
                    required=bool(p.get("required")) or (prev is not None and prev.required),
                    type=p.get("type"),
                    location=p.get("in"),
                )
        methods[name] = MethodSpec(name, params, frozenset(verbs), accepts_json)
    return methods


def load_spec(path: Path | None = None) -> SlackSpec:
    """Load (and cache) the Web API spec."""
    return _load((path or spec_path()).resolve())


# --------------------------------------------------------------------------- helpers


def _is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and value == "")


def _decode_json_param(name: str, value: Any) -> tuple[Any, list[str]]:
    """``blocks``/``attachments`` arrive as lists (JSON body) or JSON strings (form body)."""
    if isinstance(value, str):
        try:
            return json.loads(value), []
        except ValueError as exc:
            return None, [f"{name}: not valid JSON ({exc})"]
    return value, []


def _check_scalar_type(name: str, declared: str | None, value: Any) -> list[str]:
    if declared == "boolean":
        if isinstance(value, bool) or (isinstance(value, int) and value in (0, 1)):
            return []
        if isinstance(value, str) and value.lower() in {"true", "false", "1", "0"}:
            return []
        return [f"parameter '{name}' must be a boolean (got {value!r})"]
    if declared == "integer":
        if isinstance(value, int) and not isinstance(value, bool):
            return []
        if isinstance(value, str) and value.lstrip("-").isdigit():
            return []
        return [f"parameter '{name}' must be an integer (got {value!r})"]
    if declared == "number":
        if isinstance(value, int | float) and not isinstance(value, bool):
            return []
        if isinstance(value, str):
            try:
                float(value)
            except ValueError:
                pass
            else:
                return []
        return [f"parameter '{name}' must be a number (got {value!r})"]
    # "string" (or untyped): any scalar; structures only for JSON-carrying params
    if name not in JSON_PARAMS and isinstance(value, dict | list):
        return [f"parameter '{name}' must be a string (got {type(value).__name__})"]
    return []


def _check_text_object(
    obj: Any,
    path: str,
    *,
    max_len: int | None = None,
    plain_only: bool = False,
) -> list[str]:
    if not isinstance(obj, dict):
        return [f"{path}: must be a text object"]
    problems: list[str] = []
    ttype = obj.get("type")
    if ttype not in TEXT_OBJECT_TYPES:
        problems.append(f"{path}.type: must be plain_text or mrkdwn (got {ttype!r})")
    elif plain_only and ttype != "plain_text":
        problems.append(f"{path}.type: must be plain_text (got {ttype!r})")
    text = obj.get("text")
    if not isinstance(text, str) or text == "":
        problems.append(f"{path}.text: must be a non-empty string")
    elif max_len is not None and len(text) > max_len:
        problems.append(f"{path}.text: must be at most {max_len} characters (got {len(text)})")
    return problems


def _check_len(value: Any, path: str, max_len: int) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, str):
        return [f"{path}: must be a string"]
    if len(value) > max_len:
        return [f"{path}: must be at most {max_len} characters (got {len(value)})"]
    return []


def _check_element(element: Any, path: str) -> list[str]:
    """Interactive / accessory elements (buttons get the full set of checks)."""
    if not isinstance(element, dict):
        return [f"{path}: must be an object"]
    problems: list[str] = []
    etype = element.get("type")
    if not isinstance(etype, str) or not etype:
        return [f"{path}.type: missing element type"]
    problems += _check_len(element.get("action_id"), f"{path}.action_id", MAX_ACTION_ID)
    if etype == "button":
        if "text" not in element:
            problems.append(f"{path}.text: button needs a text")
        else:
            problems += _check_text_object(
                element["text"], f"{path}.text", max_len=MAX_BUTTON_TEXT, plain_only=True
            )
        problems += _check_len(element.get("value"), f"{path}.value", MAX_BUTTON_VALUE)
        problems += _check_len(element.get("url"), f"{path}.url", MAX_URL)
        style = element.get("style")
        if style is not None and style not in ("primary", "danger"):
            problems.append(f"{path}.style: must be primary or danger (got {style!r})")
    elif etype == "image":
        problems += _check_image_fields(element, path)
    return problems


def _check_image_fields(obj: dict[str, Any], path: str) -> list[str]:
    problems: list[str] = []
    if not obj.get("image_url") and not obj.get("slack_file"):
        problems.append(f"{path}: image needs image_url or slack_file")
    problems += _check_len(obj.get("image_url"), f"{path}.image_url", MAX_URL)
    alt = obj.get("alt_text")
    if not isinstance(alt, str) or alt == "":
        problems.append(f"{path}.alt_text: must be a non-empty string")
    else:
        problems += _check_len(alt, f"{path}.alt_text", MAX_IMAGE_ALT)
    return problems


def _check_elements_list(
    block: dict[str, Any], path: str, max_count: int
) -> tuple[list[Any], list[str]]:
    elements = block.get("elements")
    if not isinstance(elements, list) or not elements:
        return [], [f"{path}.elements: must be a non-empty list"]
    if len(elements) > max_count:
        return elements, [
            f"{path}.elements: at most {max_count} elements allowed (got {len(elements)})"
        ]
    return elements, []


def validate_block(block: Any, path: str = "blocks[0]") -> list[str]:
    """Check one Block Kit layout block."""
    if not isinstance(block, dict):
        return [f"{path}: must be an object"]
    problems: list[str] = []
    btype = block.get("type")
    if btype not in KNOWN_BLOCK_TYPES:
        return [f"{path}.type: unknown block type {btype!r}"]
    block_id = block.get("block_id")
    if block_id is not None:
        if not isinstance(block_id, str) or block_id == "":
            problems.append(f"{path}.block_id: must be a non-empty string")
        else:
            problems += _check_len(block_id, f"{path}.block_id", MAX_BLOCK_ID)

    if btype == "section":
        has_text = "text" in block
        fields = block.get("fields")
        if not has_text and not fields:
            problems.append(f"{path}: section needs text or fields")
        if has_text:
            problems += _check_text_object(block["text"], f"{path}.text", max_len=MAX_SECTION_TEXT)
        if fields is not None:
            if not isinstance(fields, list):
                problems.append(f"{path}.fields: must be a list")
            else:
                if len(fields) > MAX_SECTION_FIELDS:
                    problems.append(
                        f"{path}.fields: at most {MAX_SECTION_FIELDS} fields allowed "
                        f"(got {len(fields)})"
                    )
                for i, field in enumerate(fields):
                    problems += _check_text_object(
                        field, f"{path}.fields[{i}]", max_len=MAX_SECTION_FIELD_TEXT
                    )
        if "accessory" in block:
            problems += _check_element(block["accessory"], f"{path}.accessory")
    elif btype == "header":
        if "text" not in block:
            problems.append(f"{path}.text: header needs a text")
        else:
            problems += _check_text_object(
                block["text"], f"{path}.text", max_len=MAX_HEADER_TEXT, plain_only=True
            )
    elif btype == "context":
        elements, errs = _check_elements_list(block, path, MAX_CONTEXT_ELEMENTS)
        problems += errs
        for i, el in enumerate(elements):
            epath = f"{path}.elements[{i}]"
            if isinstance(el, dict) and el.get("type") == "image":
                problems += _check_image_fields(el, epath)
            else:
                problems += _check_text_object(el, epath, max_len=MAX_SECTION_TEXT)
    elif btype == "actions":
        elements, errs = _check_elements_list(block, path, MAX_ACTIONS_ELEMENTS)
        problems += errs
        for i, el in enumerate(elements):
            problems += _check_element(el, f"{path}.elements[{i}]")
    elif btype == "image":
        problems += _check_image_fields(block, path)
        if "title" in block:
            problems += _check_text_object(
                block["title"], f"{path}.title", max_len=MAX_IMAGE_ALT, plain_only=True
            )
    elif btype == "input":
        if "label" not in block:
            problems.append(f"{path}.label: input needs a label")
        else:
            problems += _check_text_object(
                block["label"], f"{path}.label", max_len=MAX_LABEL, plain_only=True
            )
        if "element" not in block:
            problems.append(f"{path}.element: input needs an element")
        else:
            problems += _check_element(block["element"], f"{path}.element")
    elif btype == "rich_text":
        rich = block.get("elements")
        if not isinstance(rich, list) or not rich:
            problems.append(f"{path}.elements: must be a non-empty list")
        else:
            for i, part in enumerate(rich):
                problems += _check_rich_part(part, f"{path}.elements[{i}]")
    return problems


def _check_rich_part(part: Any, path: str) -> list[str]:
    """A rich_text sub-element: section, quote, preformatted (inline elements) or list."""
    if not isinstance(part, dict):
        return [f"{path}: must be an object"]
    ptype = part.get("type")
    if ptype not in RICH_TEXT_PARTS:
        return [f"{path}.type: unknown rich text element {ptype!r}"]
    elements = part.get("elements")
    if not isinstance(elements, list) or not elements:
        return [f"{path}.elements: must be a non-empty list"]
    problems: list[str] = []
    for i, element in enumerate(elements):
        epath = f"{path}.elements[{i}]"
        if ptype == "rich_text_list":
            if not isinstance(element, dict) or element.get("type") != "rich_text_section":
                problems.append(f"{epath}: a list holds rich_text_section elements")
            else:
                problems += _check_rich_part(element, epath)
        else:
            problems += _check_rich_inline(element, epath)
    return problems


def _check_rich_inline(element: Any, path: str) -> list[str]:
    """An inline rich text element (text, emoji, link, mentions...)."""
    if not isinstance(element, dict):
        return [f"{path}: must be an object"]
    etype = element.get("type")
    if etype not in RICH_TEXT_INLINE:
        return [f"{path}.type: unknown rich text element {etype!r}"]
    problems: list[str] = []
    for key in RICH_TEXT_INLINE[etype]:
        value = element.get(key)
        if not isinstance(value, str) or value == "":
            problems.append(f"{path}.{key}: must be a non-empty string")
    style = element.get("style")
    if style is not None and (not isinstance(style, dict) or set(style) - RICH_TEXT_STYLES):
        problems.append(f"{path}.style: only {sorted(RICH_TEXT_STYLES)} are known")
    return problems


def validate_blocks(blocks: Any, path: str = "blocks") -> list[str]:
    """Check a ``blocks`` value (a list, or the JSON string form-encoded calls carry)."""
    decoded, problems = _decode_json_param(path, blocks)
    if problems:
        return problems
    if not isinstance(decoded, list):
        return [f"{path}: must be a list of blocks"]
    if len(decoded) > MAX_BLOCKS:
        problems.append(f"{path}: at most {MAX_BLOCKS} blocks allowed (got {len(decoded)})")
    seen_ids: set[str] = set()
    for i, block in enumerate(decoded):
        problems += validate_block(block, f"{path}[{i}]")
        if isinstance(block, dict) and isinstance(block.get("block_id"), str):
            bid = block["block_id"]
            if bid in seen_ids:
                problems.append(f"{path}[{i}].block_id: duplicate block_id {bid!r}")
            seen_ids.add(bid)
    return problems


def validate_attachments(attachments: Any, path: str = "attachments") -> list[str]:
    """Check ``attachments`` (list or JSON string); their ``blocks`` get Block Kit checks."""
    decoded, problems = _decode_json_param(path, attachments)
    if problems:
        return problems
    if not isinstance(decoded, list):
        return [f"{path}: must be a list of attachments"]
    if len(decoded) > MAX_ATTACHMENTS:
        problems.append(
            f"{path}: at most {MAX_ATTACHMENTS} attachments allowed (got {len(decoded)})"
        )
    for i, att in enumerate(decoded):
        if not isinstance(att, dict):
            problems.append(f"{path}[{i}]: must be an object")
            continue
        if "blocks" in att:
            problems += validate_blocks(att["blocks"], f"{path}[{i}].blocks")
    return problems


def validate_message_content(
    payload: Mapping[str, Any], *, require_content: bool = True
) -> list[str]:
    """Block Kit / text limits shared by Web API messages, response_url posts and acks."""
    problems: list[str] = []
    text = payload.get("text")
    if text is not None:
        if not isinstance(text, str):
            problems.append("text: must be a string")
        elif len(text) > MAX_TEXT:
            problems.append(f"text: must be at most {MAX_TEXT} characters (got {len(text)})")
    if payload.get("blocks") is not None:
        problems += validate_blocks(payload["blocks"])
    if payload.get("attachments") is not None:
        problems += validate_attachments(payload["attachments"])
    if require_content and not any(
        not _is_blank(payload.get(k)) for k in ("text", "blocks", "attachments", "markdown_text")
    ):
        problems.append("one of text, blocks or attachments is required")
    return problems


def validate_response_payload(payload: Mapping[str, Any]) -> list[str]:
    """Check a ``response_url`` post or a Socket Mode ack payload carrying a message."""
    problems: list[str] = []
    rtype = payload.get("response_type")
    if rtype is not None and rtype not in ("ephemeral", "in_channel"):
        problems.append(f"response_type: must be ephemeral or in_channel (got {rtype!r})")
    deleting = payload.get("delete_original") in (True, "true")
    problems += validate_message_content(payload, require_content=not deleting)
    return problems


def validate_call(
    method: str,
    params: Mapping[str, Any],
    *,
    encoding: Encoding | None = None,
    spec: SlackSpec | None = None,
) -> list[str]:
    """Validate a Web API call; returns a list of problems (empty when valid).

    ``encoding`` (optional) is how the arguments travelled; JSON bodies are only accepted
    by methods whose spec ``consumes`` lists ``application/json`` (Slack silently ignores
    JSON arguments elsewhere).
    """
    spec = spec or load_spec()
    mspec = spec.method(method)
    if mspec is None:
        return [f"unknown method {method!r}"]
    problems: list[str] = []
    if encoding == "json" and not mspec.accepts_json and params:
        problems.append(f"{method} does not accept JSON bodies; send form-encoded arguments")

    allowed = set(mspec.params) | set(EXTRA_PARAMS.get(method, frozenset())) | GLOBAL_PARAMS
    for name in sorted(params):
        if name not in allowed:
            problems.append(f"unknown parameter {name!r}")

    for pspec in mspec.params.values():
        if pspec.name == "token" or not pspec.required:
            continue
        if _is_blank(params.get(pspec.name)):
            problems.append(f"missing required parameter {pspec.name!r}")

    for name, value in params.items():
        if name == "token" or value is None:
            continue
        pspec_opt = mspec.params.get(name)
        if pspec_opt is not None:
            problems += _check_scalar_type(name, pspec_opt.type, value)
        elif isinstance(value, dict | list) and name not in JSON_PARAMS:
            problems.append(f"parameter '{name}' must be a string (got {type(value).__name__})")

    if method in MESSAGE_METHODS:
        problems += validate_message_content(
            params, require_content=method in CONTENT_REQUIRED_METHODS
        )
    return problems
