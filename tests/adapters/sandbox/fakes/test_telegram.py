"""Tests of the fake Telegram Bot API server, driven by the real python-telegram-bot."""

from __future__ import annotations

import asyncio
import html
import json
import time
import warnings
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import telegram
from aiohttp import web
from hypothesis import given, settings
from hypothesis import strategies as st
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import (
    BadRequest,
    Conflict,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TimedOut,
)
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, ContextTypes

from adapters.sandbox.fakes import telegram_spec
from adapters.sandbox.fakes.telegram import FakeTelegram, RateLimits
from adapters.sandbox.fakes.telegram_spec import (
    FormattingError,
    UploadedFile,
    parse_html,
    parse_markdown_v2,
    utf16_len,
    validate_call,
)

pytestmark = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")

TOKEN = "123456:TEST-TOKEN"
GROUP = -1001
USER = 42


class ManualClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


# private chats the tests below write to; like Telegram, the fake refuses unopened ones
OPEN_PRIVATE_CHATS = (1, 5, 6, 7, *range(100, 130), 200, 300)


def open_private_chats(fake: FakeTelegram) -> None:
    for chat_id in OPEN_PRIVATE_CHATS:
        fake.add_chat(chat_id)


@pytest.fixture
async def tg() -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram(token=TOKEN) as fake:
        open_private_chats(fake)
        yield fake


@pytest.fixture
async def bot(tg: FakeTelegram) -> AsyncIterator[telegram.Bot]:
    async with telegram.Bot(TOKEN, base_url=tg.base_url, base_file_url=tg.base_file_url) as b:
        yield b


def retry_seconds(exc: RetryAfter) -> float:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        value: Any = exc.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


def keyboard(*data: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[InlineKeyboardButton(d, callback_data=d)] for d in data])


def assert_results_match_spec(tg: FakeTelegram) -> None:
    """Every successful answer of the fake must itself be a valid Bot API result."""
    for call in tg.calls:
        if call.ok:
            ms = tg.spec.find_method(call.method)
            assert ms is not None
            errors = tg.spec.validate_value(list(ms.returns), call.result, call.method)
            assert errors == [], errors


async def raw_post(tg: FakeTelegram, method: str, body: dict[str, Any]) -> tuple[int, Any]:
    async with (
        aiohttp.ClientSession() as session,
        session.post(f"{tg.base_url}{TOKEN}/{method}", json=body) as resp,
    ):
        return resp.status, await resp.json()


# --------------------------------------------------------------------------------------------
# Spec loading and the validator itself
# --------------------------------------------------------------------------------------------


def test_spec_path_default_and_env_override(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(telegram_spec.SPECS_DIR_ENV_VAR, raising=False)
    default = telegram_spec.default_spec_path()
    # the project's shared/ folder beside the repository when there is one, else the copy
    assert default.parts[-4:] in (
        ("shared", "specs", "telegram", "bot-api.json"),
        ("fakes", "specs", "telegram", "bot-api.json"),
    )
    assert default.is_file()
    (tmp_path / "telegram").mkdir()
    copy = tmp_path / "telegram" / "bot-api.json"
    copy.write_text(default.read_text(encoding="utf-8"), encoding="utf-8")
    monkeypatch.setenv(telegram_spec.SPECS_DIR_ENV_VAR, str(tmp_path))
    assert telegram_spec.default_spec_path() == copy
    assert "sendMessage" in telegram_spec.load_spec().methods


@pytest.mark.parametrize(
    ("method", "params", "expected"),
    [
        ("sendMessage", {"chat_id": "1", "text": "hi"}, None),
        ("sendmessage", {"chat_id": 1, "text": "hi"}, None),  # names are case-insensitive
        ("sendMessage", {"chat_id": "@channel", "text": "hi"}, None),
        ("sendMessage", {"chat_id": 1, "text": "x", "foo": 1}, "unknown parameter 'foo'"),
        ("sendMessage", {"text": "hi"}, "missing required parameter 'chat_id'"),
        ("sendMessage", {"chat_id": "abc", "text": "hi"}, "chat_id"),
        ("sendMessage", {"chat_id": {"id": 1}, "text": "hi"}, "expected Integer or String"),
        ("sendMessage", {"chat_id": 1, "text": ["x"]}, "expected String"),
        ("sendMessage", {"chat_id": 1, "text": "x", "disable_notification": "maybe"}, "Boolean"),
        ("sendMessage", {"chat_id": 1, "text": "x", "reply_markup": "{nope"}, "can't parse JSON"),
        ("sendMessage", {"chat_id": 1, "text": "x", "parse_mode": "html5"}, "parse_mode"),
        ("sendMessage", {"chat_id": 1, "text": " \n "}, "message text is empty"),
        ("sendMessage", {"chat_id": 1, "text": "x" * 4097}, "message is too long"),
        ("sendMessage", {"chat_id": 1, "text": "😀" * 2048}, None),  # 4096 UTF-16 units
        ("sendMessage", {"chat_id": 1, "text": "😀" * 2049}, "message is too long"),
        (
            "sendMessage",
            {"chat_id": 1, "text": "<b>" + "x" * 4096 + "</b>", "parse_mode": "HTML"},
            None,
        ),
        (
            "sendMessage",
            {"chat_id": 1, "text": "&amp;" * 4097, "parse_mode": "HTML"},
            "message is too long",
        ),
        (
            "sendMessage",
            {
                "chat_id": 1,
                "text": "hello",
                "entities": [{"type": "bold", "offset": 2, "length": 9}],
            },
            "outside the text",
        ),
        (
            "sendMessage",
            {
                "chat_id": 1,
                "text": "hello",
                "entities": [{"type": "shouting", "offset": 0, "length": 1}],
            },
            "must be one of",
        ),
        ("answerCallbackQuery", {"callback_query_id": "1", "text": "x" * 200}, None),
        ("answerCallbackQuery", {"callback_query_id": "1", "text": "x" * 201}, "0-200"),
        ("setMyCommands", {"commands": [{"command": "task", "description": "d"}]}, None),
        ("setMyCommands", {"commands": [{"command": "Task", "description": "d"}]}, "lowercase"),
        ("setMyCommands", {"commands": [{"command": "x" * 33, "description": "d"}]}, "1-32"),
        ("setMyCommands", {"commands": [{"command": "ok", "description": ""}]}, "1-256"),
        ("setMyCommands", {"commands": [{"command": "ok", "description": "d" * 257}]}, "1-256"),
        (
            "setMyCommands",
            {"commands": [{"command": f"c{i}", "description": "d"} for i in range(101)]},
            "at most 100",
        ),
        (
            "setMyCommands",
            {"commands": [{"command": "a", "description": "d"}], "scope": {"type": "nope"}},
            "BotCommandScope",
        ),
        ("editMessageText", {"text": "x"}, "chat_id"),
        ("editMessageText", {"chat_id": 1, "message_id": 1}, "'text' or 'rich_message'"),
        ("sendChatAction", {"chat_id": 1, "action": "dancing"}, "chat action"),
        ("setWebhook", {"url": "https://x.test/h", "secret_token": "no spaces"}, "secret_token"),
        ("sendDocument", {"chat_id": 1, "document": "attach://missing"}, "no file was uploaded"),
        ("getMe", {}, None),
        ("frobnicate", {}, "unknown method"),
    ],
)
def test_validate_call(method: str, params: dict[str, Any], expected: str | None) -> None:
    violations = validate_call(method, params)
    if expected is None:
        assert violations == []
    else:
        assert violations, f"expected a violation containing {expected!r}"
        assert any(expected in v for v in violations), violations


def test_validate_call_reply_markup() -> None:
    def markup(*buttons: dict[str, Any]) -> dict[str, Any]:
        return {
            "chat_id": 1,
            "text": "x",
            "reply_markup": json.dumps({"inline_keyboard": [list(buttons)]}),
        }

    assert validate_call("sendMessage", markup({"text": "a", "callback_data": "x" * 64})) == []
    assert validate_call("sendMessage", markup({"text": "a", "url": "https://example.org"})) == []
    too_long = validate_call("sendMessage", markup({"text": "a", "callback_data": "x" * 65}))
    assert any("callback_data: must be 1-64 bytes, got 65" in v for v in too_long)
    multibyte = validate_call("sendMessage", markup({"text": "a", "callback_data": "é" * 33}))
    assert any("got 66" in v for v in multibyte)  # bytes, not characters
    none = validate_call("sendMessage", markup({"text": "a"}))
    assert any("exactly one of" in v for v in none)
    both = validate_call(
        "sendMessage", markup({"text": "a", "url": "https://x", "callback_data": "y"})
    )
    assert any("exactly one of" in v for v in both)
    unknown = validate_call("sendMessage", markup({"text": "a", "callback_date": "y"}))
    assert any("unknown field 'callback_date'" in v for v in unknown)
    wrong = validate_call("sendMessage", {"chat_id": 1, "text": "x", "reply_markup": "[1, 2]"})
    assert any("expected InlineKeyboardMarkup or" in v for v in wrong)
    reply_kb = {"keyboard": [["plain", {"text": "obj"}]], "resize_keyboard": True}
    assert validate_call("sendMessage", {"chat_id": 1, "text": "x", "reply_markup": reply_kb}) == []
    # editMessageText only accepts inline keyboards
    edit = {"chat_id": 1, "message_id": 2, "text": "x", "reply_markup": reply_kb}
    assert validate_call("editMessageText", edit)


def test_validate_call_uploads() -> None:
    doc = UploadedFile("document", "a.txt", "text/plain", b"hello")
    thumb = UploadedFile("thumb1", "t.jpg", "image/jpeg", b"jpg")
    ok = {"chat_id": 1, "document": doc, "thumbnail": "attach://thumb1", "thumb1": thumb}
    assert validate_call("sendDocument", ok) == []
    assert validate_call("sendDocument", {"chat_id": 1, "document": "BQACfileid"}) == []
    bad = validate_call("sendMessage", {"chat_id": 1, "text": doc})
    assert any("file upload is not allowed" in v for v in bad)


@pytest.mark.parametrize(
    ("source", "text", "entities"),
    [
        ("plain", "plain", []),
        ("<b>bold</b> &lt;&gt;&amp;&quot;&#33;&#x41;", 'bold <>&"!A', [("bold", 0, 4)]),
        ("<B>x</B><strong>y</strong>", "xy", [("bold", 0, 1), ("bold", 1, 1)]),
        ("<i>a<u>b</u></i>", "ab", [("italic", 0, 2), ("underline", 1, 1)]),
        ('<a href="https://e.org/?a=1&b=2">l</a>', "l", [("text_link", 0, 1)]),
        (
            '<span class="tg-spoiler">s</span><tg-spoiler>t</tg-spoiler>',
            "st",
            [("spoiler", 0, 1), ("spoiler", 1, 1)],
        ),
        ('<pre><code class="language-python">x = 1</code></pre>', "x = 1", [("pre", 0, 5)]),
        ("<blockquote expandable>q</blockquote>", "q", [("expandable_blockquote", 0, 1)]),
        (
            '😀<tg-emoji emoji-id="5368324170671202286">👍</tg-emoji>',
            "😀👍",
            [("custom_emoji", 2, 2)],
        ),
        (
            "<s>a</s><strike>b</strike><del>c</del><ins>d</ins><em>e</em><code>f</code>",
            "abcdef",
            None,
        ),
    ],
)
def test_parse_html_valid(
    source: str, text: str, entities: list[tuple[str, int, int]] | None
) -> None:
    parsed = parse_html(source)
    assert parsed.text == text
    if entities is not None:
        assert [(e["type"], e["offset"], e["length"]) for e in parsed.entities] == entities


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("<b>x", 'unclosed start tag "b"'),
        ("x</b>", 'unexpected end tag "b"'),
        ("<b><i>x</b></i>", "does not match"),
        ("a < b", "unescaped '<'"),
        ("a > b", "unescaped '>'"),
        ("fish & chips", "unescaped '&'"),
        ("&nbsp;", "unsupported HTML entity"),
        ("&#0;", "unsupported HTML entity"),
        ("<div>x</div>", 'unsupported start tag "div"'),
        ("<br/>", 'unsupported start tag "br"'),
        ("<span>x</span>", "tg-spoiler"),
        ("<tg-emoji>x</tg-emoji>", "emoji-id"),
        ('<a href="x>y</a>', "unclosed"),
        ("<b", "unclosed start tag"),
    ],
)
def test_parse_html_errors(source: str, message: str) -> None:
    with pytest.raises(FormattingError, match="can't parse entities") as info:
        parse_html(source)
    assert message in str(info.value)


def test_parse_markdown_v2() -> None:
    parsed = parse_markdown_v2("*bold* _it_ __u__ ~s~ ||sp|| [l](https://e.org) `c\\`` 1\\.5")
    assert parsed.text == "bold it u s sp l c` 1.5"
    kinds = [e["type"] for e in parsed.entities]
    assert kinds == ["bold", "italic", "underline", "strikethrough", "spoiler", "text_link", "code"]
    for bad in ("Done.", "*open", "a_b", "x - y"):
        with pytest.raises(FormattingError):
            parse_markdown_v2(bad)


@settings(max_examples=200, deadline=None, database=None)
@given(st.text())
def test_escaped_text_round_trips(text: str) -> None:
    assert parse_html(html.escape(text)).text == text
    escaped = "".join("\\" + ch if ch in "_*[]()~`>#+-=|{}.!\\" else ch for ch in text)
    assert parse_markdown_v2(escaped).text == text


def test_utf16_len() -> None:
    assert utf16_len("abc") == 3
    assert utf16_len("😀") == 2
    assert utf16_len("é") == 1


# --------------------------------------------------------------------------------------------
# Driving the fake with python-telegram-bot
# --------------------------------------------------------------------------------------------


async def test_send_edit_answer_flow(tg: FakeTelegram, bot: telegram.Bot) -> None:
    me = await bot.get_me()
    assert me.is_bot and me.username == "JointOpsBot" and me.can_join_groups
    tg.push_text(chat_id=GROUP, user_id=USER, text="hello", chat_type="group")
    msg = await bot.send_message(
        GROUP, "<b>Task</b> &amp; more", parse_mode="HTML", reply_markup=keyboard("done", "skip")
    )
    assert msg.message_id == 2  # message ids are per chat, shared with the user's message
    assert msg.text == "Task & more"
    assert msg.entities[0].type == "bold"
    assert msg.chat.type == "group" and msg.from_user is not None and msg.from_user.is_bot
    assert msg.reply_markup is not None
    other = await bot.send_message(7, "private hello")
    assert other.message_id == 1 and other.chat.type == "private"

    edited = await bot.edit_message_text(
        "<i>Task</i> done",
        chat_id=GROUP,
        message_id=msg.message_id,
        parse_mode="HTML",
        reply_markup=keyboard("undo"),
    )
    assert isinstance(edited, telegram.Message)
    assert edited.text == "Task done" and edited.edit_date is not None
    await bot.edit_message_reply_markup(GROUP, msg.message_id, reply_markup=keyboard("x"))

    tg.push_callback(GROUP, USER, msg.message_id, "x", username="ann")
    updates = await bot.get_updates(timeout=0)
    query = updates[-1].callback_query
    assert query is not None and query.data == "x" and query.message is not None
    assert query.message.message_id == msg.message_id
    assert await bot.answer_callback_query(query.id, text="Done!")
    assert tg.callback_answers[query.id]["text"] == "Done!"
    with pytest.raises(BadRequest, match=r"(?i)query is too old"):
        await bot.answer_callback_query(query.id)  # already answered

    await bot.send_chat_action(GROUP, "typing")
    chat = await bot.get_chat(GROUP)
    assert chat.type == "group"

    sent = tg.sent_messages(GROUP)
    assert [m.plain_text for m in sent] == ["Task & more"]
    assert sent[0].text == "<b>Task</b> &amp; more"
    assert sent[0].reply_markup == keyboard("done", "skip").to_dict()
    assert sent[0].current_text == "Task done"
    assert [b["callback_data"] for b in sent[0].buttons] == ["x"]
    assert len(sent[0].edits) == 2
    assert len(tg.sent_messages()) == 2
    tg.assert_no_violations()
    assert_results_match_spec(tg)


async def test_edit_semantics(tg: FakeTelegram, bot: telegram.Bot) -> None:
    msg = await bot.send_message(5, "a", reply_markup=keyboard("k"))
    with pytest.raises(BadRequest, match="not modified"):
        await bot.edit_message_text(
            "a", chat_id=5, message_id=msg.message_id, reply_markup=keyboard("k")
        )
    # Editing the text without reply_markup removes the inline keyboard, as on Telegram.
    await bot.edit_message_text("b", chat_id=5, message_id=msg.message_id)
    assert tg.get_message(5, msg.message_id).current_reply_markup is None
    with pytest.raises(BadRequest, match=r"(?i)message to edit not found"):
        await bot.edit_message_text("c", chat_id=5, message_id=999)
    assert await bot.delete_message(5, msg.message_id)
    assert tg.violations == []
    assert len(tg.errors) == 2


async def test_uploads_and_file_download(tg: FakeTelegram, bot: telegram.Bot) -> None:
    doc = await bot.send_document(
        5, document=b"report body", filename="report.txt", caption="<b>R</b>", parse_mode="HTML"
    )
    assert doc.document is not None and doc.document.file_name == "report.txt"
    assert doc.caption == "R"
    photo = await bot.send_photo(5, photo=b"\x89PNG fake", caption="pic")
    assert photo.photo and photo.photo[-1].width > photo.photo[0].width
    sent = tg.sent_messages(5)
    assert [m.method for m in sent] == ["sendDocument", "sendPhoto"]
    assert sent[0].file is not None and sent[0].file.data == b"report body"
    file = await bot.get_file(doc.document.file_id)
    assert bytes(await file.download_as_bytearray()) == b"report body"
    # Re-sending by file_id works too.
    again = await bot.send_document(6, document=doc.document.file_id)
    assert again.document is not None and again.document.file_id == doc.document.file_id
    tg.assert_no_violations()
    assert_results_match_spec(tg)


async def test_commands_are_recorded(tg: FakeTelegram, bot: telegram.Bot) -> None:
    assert await bot.set_my_commands([("task", "Manage tasks"), ("help", "Help")])
    assert tg.commands == [
        {"command": "task", "description": "Manage tasks"},
        {"command": "help", "description": "Help"},
    ]
    assert [c.command for c in await bot.get_my_commands()] == ["task", "help"]
    scope = telegram.BotCommandScopeChat(GROUP)
    assert await bot.set_my_commands([("op", "Ops")], scope=scope, language_code="de")
    assert [c.command for c in await bot.get_my_commands(scope=scope, language_code="de")] == ["op"]
    assert tg.commands[0]["command"] == "task"
    tg.assert_no_violations()


async def test_raw_http_json_get_and_wrong_token(tg: FakeTelegram, bot: telegram.Bot) -> None:
    async with aiohttp.ClientSession() as session:
        async with session.get(f"{tg.base_url}{TOKEN}/getMe") as resp:
            assert resp.status == 200
            assert (await resp.json())["result"]["username"] == "JointOpsBot"
        async with session.get(f"{tg.base_url}{TOKEN}/sendMessage?chat_id=5&text=hi") as resp:
            assert (await resp.json())["result"]["text"] == "hi"
    status, body = await raw_post(
        tg, "sendMessage", {"chat_id": 5, "text": "json", "disable_notification": True}
    )
    assert status == 200 and body["ok"] and body["result"]["chat"]["id"] == 5
    tg.assert_no_violations()
    wrong = telegram.Bot("999:WRONG", base_url=tg.base_url)
    try:
        with pytest.raises(InvalidToken):
            await wrong.initialize()
    finally:
        await wrong.shutdown()
    assert tg.calls[-1].status == 401


# ---- violations through the real library ---------------------------------------------------


async def test_violation_unknown_parameter(tg: FakeTelegram, bot: telegram.Bot) -> None:
    with pytest.raises(BadRequest, match=r"(?i)unknown parameter 'colour'"):
        await bot.send_message(5, "hi", api_kwargs={"colour": "red"})
    assert tg.violations == ["sendMessage: unknown parameter 'colour'"]
    assert tg.calls[-1].status == 400 and tg.sent_messages() == []
    with pytest.raises(AssertionError, match="1 Bot API violation"):
        tg.assert_no_violations()


async def test_violation_missing_chat_id_and_wrong_type(tg: FakeTelegram) -> None:
    status, body = await raw_post(tg, "sendMessage", {"text": "hi"})
    assert status == 400 and body["ok"] is False and body["error_code"] == 400
    assert body["description"].startswith("Bad Request:")
    status, body = await raw_post(tg, "sendMessage", {"chat_id": 5, "text": {"t": 1}})
    assert status == 400
    status, body = await raw_post(tg, "frobnicate", {})
    assert status == 404
    assert any("missing required parameter 'chat_id'" in v for v in tg.violations)
    assert any("text: expected String" in v for v in tg.violations)
    assert any("unknown method" in v for v in tg.violations)


async def test_violation_text_too_long(tg: FakeTelegram, bot: telegram.Bot) -> None:
    await bot.send_message(5, "x" * 4096)
    with pytest.raises(BadRequest, match="message is too long"):
        await bot.send_message(5, "x" * 4097)
    # Length is counted after entity parsing.
    await bot.send_message(5, "<b>" + "x" * 4090 + "</b>", parse_mode="HTML")
    assert len(tg.violations) == 1


@pytest.mark.parametrize("text", ["<b>x", "a < b", "<b>x</i>", "<div>x</div>", "&nbsp;"])
async def test_violation_bad_html(tg: FakeTelegram, bot: telegram.Bot, text: str) -> None:
    with pytest.raises(BadRequest, match="parse entities"):
        await bot.send_message(5, text, parse_mode="HTML")
    assert len(tg.violations) == 1 and "can't parse entities" in tg.violations[0]


async def test_violation_callback_data_too_long(tg: FakeTelegram, bot: telegram.Bot) -> None:
    await bot.send_message(5, "ok", reply_markup=keyboard("d" * 64))
    with pytest.raises(BadRequest, match="1-64 bytes"):
        await bot.send_message(5, "too long", reply_markup=keyboard("d" * 65))
    assert len(tg.violations) == 1 and "callback_data" in tg.violations[0]


async def test_violation_bad_command_and_long_answer(tg: FakeTelegram, bot: telegram.Bot) -> None:
    with pytest.raises(BadRequest, match="lowercase"):
        await bot.set_my_commands([("Add-Task", "Adds a task")])
    assert tg.commands == []
    msg = await bot.send_message(5, "q", reply_markup=keyboard("a"))
    tg.push_callback(5, 5, msg.message_id, "a")
    (update,) = await bot.get_updates()
    assert update.callback_query is not None
    with pytest.raises(BadRequest, match="0-200 characters"):
        await bot.answer_callback_query(update.callback_query.id, text="x" * 201)
    assert len(tg.violations) == 2


# ---- updates ------------------------------------------------------------------------------


async def test_pushed_updates_are_valid(tg: FakeTelegram) -> None:
    upd = tg.push_command(
        chat_id=GROUP,
        user_id=USER,
        text="/task@JointOpsBot add X",
        chat_type="group",
        first_name="Ann",
        username="ann",
    )
    message = upd["message"]
    assert message["entities"] == [{"type": "bot_command", "offset": 0, "length": 17}]
    assert message["chat"] == {"id": GROUP, "type": "group", "title": f"Chat {GROUP}"}
    assert message["from"] == {"id": USER, "is_bot": False, "first_name": "Ann", "username": "ann"}
    assert isinstance(message["date"], int)
    priv = tg.push_command(chat_id=USER, user_id=USER, text="/start")
    assert priv["message"]["chat"]["type"] == "private"
    assert priv["update_id"] == upd["update_id"] + 1
    sg = tg.push_text(chat_id=-1001234567890, user_id=USER, text="hi")
    assert sg["message"]["chat"]["type"] == "supergroup" and "entities" not in sg["message"]
    for pushed in (upd, priv, sg):
        assert tg.spec.validate_value("Update", pushed) == []
        Update.de_json(pushed, None)  # python-telegram-bot accepts it
    with pytest.raises(ValueError, match="invalid Update"):
        tg.push_update({"message": {"message_id": 1, "date": 0}})
    with pytest.raises(ValueError, match="must start with '/'"):
        tg.push_command(chat_id=1, user_id=1, text="task")
    with pytest.raises(ValueError, match="has not sent message"):
        tg.push_callback(GROUP, USER, 999, "x")


async def test_long_polling_offset_and_timeout(tg: FakeTelegram, bot: telegram.Bot) -> None:
    first = tg.push_text(chat_id=1, user_id=1, text="one")
    second = tg.push_text(chat_id=1, user_id=1, text="two")
    updates = await bot.get_updates(timeout=5)
    assert [u.update_id for u in updates] == [first["update_id"], second["update_id"]]
    assert len(await bot.get_updates(limit=1)) == 1
    updates = await bot.get_updates(offset=second["update_id"])  # confirms `first`
    assert [u.update_id for u in updates] == [second["update_id"]]
    third = tg.push_text(chat_id=1, user_id=1, text="three")
    updates = await bot.get_updates(offset=-1)  # only the last one, forget the rest
    assert [u.update_id for u in updates] == [third["update_id"]]
    assert [u["update_id"] for u in tg.pending_updates] == [third["update_id"]]

    # A pending long poll returns as soon as an update is pushed.
    started = time.monotonic()
    poll = asyncio.create_task(bot.get_updates(offset=third["update_id"] + 1, timeout=10))
    await asyncio.sleep(0.05)
    fourth = tg.push_text(chat_id=1, user_id=1, text="four")
    updates = await poll
    assert [u.update_id for u in updates] == [fourth["update_id"]]
    assert time.monotonic() - started < 2

    # Without updates the poll ends after `timeout` seconds with [].
    started = time.monotonic()
    assert await bot.get_updates(offset=fourth["update_id"] + 1, timeout=1) == ()
    assert 0.9 <= time.monotonic() - started < 3
    await tg.wait_until_consumed(timeout=0.1)
    # Updates of types the bot did not ask for are dropped, as Telegram does.
    skipped = tg.push_text(chat_id=1, user_id=1, text="not wanted")
    wanted = tg.push_command(chat_id=1, user_id=1, text="/start")
    msg = await bot.send_message(1, "q", reply_markup=keyboard("a"))
    query = tg.push_callback(1, 1, msg.message_id, "a")
    updates = await bot.get_updates(allowed_updates=["callback_query"])
    assert [u.update_id for u in updates] == [query["update_id"]]
    assert tg.dropped_updates == [skipped, wanted]
    tg.assert_no_violations()
    assert_results_match_spec(tg)


async def test_concurrent_polls_conflict(tg: FakeTelegram) -> None:
    async with aiohttp.ClientSession() as session:
        url = f"{tg.base_url}{TOKEN}/getUpdates"
        older = asyncio.create_task(session.post(url, json={"timeout": 5}))
        await tg.wait_for_calls("getUpdates", 0)
        await asyncio.sleep(0.05)
        async with session.post(url, json={"timeout": 0}) as resp:
            assert resp.status == 200
        async with await older as resp:
            assert resp.status == 409
            assert "terminated by other getUpdates request" in (await resp.json())["description"]


async def test_application_polling_with_handlers(tg: FakeTelegram) -> None:
    async def task(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message is not None
        args = " ".join(context.args or [])
        await update.effective_message.reply_text(f"Added: {args}", reply_markup=keyboard("done"))

    async def button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        assert query is not None
        await query.answer("ok")
        await query.edit_message_text(f"Marked {query.data}")

    app = (
        Application.builder()
        .token(TOKEN)
        .base_url(tg.base_url)
        .base_file_url(tg.base_file_url)
        .build()
    )
    app.add_handler(CommandHandler("task", task))
    app.add_handler(CallbackQueryHandler(button))
    async with app:
        await app.start()
        assert app.updater is not None
        await app.updater.start_polling(poll_interval=0, timeout=1)
        try:
            tg.push_command(
                chat_id=GROUP,
                user_id=USER,
                text="/task@JointOpsBot add X",
                chat_type="group",
                first_name="Ann",
                username="ann",
            )
            (reply,) = await tg.wait_for_messages(1, chat_id=GROUP)
            assert reply.plain_text == "Added: add X"
            assert reply.params["reply_parameters"]["message_id"] == 1
            tg.push_callback(GROUP, USER, reply.message_id, "done")
            await tg.wait_for_calls("editMessageText")
            assert tg.get_message(GROUP, reply.message_id).current_text == "Marked done"
            assert [a["text"] for a in tg.callback_answers.values()] == ["ok"]
        finally:
            await app.updater.stop()
            await app.stop()
    tg.assert_no_violations()
    assert tg.pending_updates == []
    assert_results_match_spec(tg)


async def test_the_bot_cannot_write_first_to_a_person(tg: FakeTelegram, bot: telegram.Bot) -> None:
    stranger = 4242
    for call in (
        bot.send_message(stranger, "hello"),
        bot.send_chat_action(stranger, "typing"),
        bot.send_document(stranger, b"x", filename="x.txt"),
    ):
        with pytest.raises(Forbidden, match="bot can't initiate conversation with a user"):
            await call
    assert tg.sent_messages() == [] and tg.violations == []
    assert await bot.send_message(GROUP, "groups are made on first use")
    tg.push_text(chat_id=GROUP, user_id=stranger, text="hi", chat_type="group")
    with pytest.raises(Forbidden):
        await bot.send_message(stranger, "writing in a group opens no private chat")
    tg.push_command(chat_id=stranger, user_id=stranger, text="/start")
    assert await bot.send_chat_action(stranger, "typing")
    sent = await bot.send_message(stranger, "now it is open")
    assert sent.chat.type == "private"


# ---- faults -------------------------------------------------------------------------------


async def test_fault_retry_after(tg: FakeTelegram, bot: telegram.Bot) -> None:
    fault = tg.inject_fault(method="sendMessage", kind="retry_after", retry_after=2, times=1)
    with pytest.raises(RetryAfter) as info:
        await bot.send_message(5, "hi")
    assert retry_seconds(info.value) == 2
    assert tg.calls[-1].status == 429 and tg.calls[-1].fault == "retry_after"
    assert tg.count_429 == 1 and fault.hits == 1
    await bot.send_message(5, "again")  # times=1: the next call succeeds
    assert [m.plain_text for m in tg.sent_messages()] == ["again"]
    tg.assert_no_violations()


@pytest.mark.parametrize(
    ("kind", "kwargs", "exc_type", "match"),
    [
        ("server_error", {"status": 500}, NetworkError, "Internal Server Error"),
        ("server_error", {"status": 502}, NetworkError, "Bad Gateway"),
        ("chat_not_found", {}, BadRequest, "Chat not found"),
        ("blocked", {}, Forbidden, "bot was blocked by the user"),
        ("kicked", {}, Forbidden, "bot was kicked from the group chat"),
    ],
)
async def test_fault_kinds(
    tg: FakeTelegram,
    bot: telegram.Bot,
    kind: str,
    kwargs: dict[str, Any],
    exc_type: type[Exception],
    match: str,
) -> None:
    tg.inject_fault(method="sendMessage", kind=kind, chat_id=GROUP, **kwargs)
    await bot.send_message(GROUP + 1, "other chat is unaffected")
    with pytest.raises(exc_type, match=match):
        await bot.send_message(GROUP, "hi")
    await bot.send_message(GROUP, "recovered")
    assert [m.plain_text for m in tg.sent_messages()] == ["other chat is unaffected", "recovered"]
    assert tg.violations == [] and tg.errors == []


async def test_fault_slow_times_out_but_is_delivered(tg: FakeTelegram, bot: telegram.Bot) -> None:
    tg.inject_fault(method="sendMessage", kind="slow", delay=0.5)
    with pytest.raises(TimedOut):
        await bot.send_message(5, "late", read_timeout=0.1)
    # Like the real service, the message may still have been sent.
    (late,) = await tg.wait_for_messages(1, timeout=1)
    assert late.plain_text == "late"
    assert tg.calls_to("sendMessage")[0].fault == "slow"


async def test_random_faults_are_seeded(tg: FakeTelegram, bot: telegram.Bot) -> None:
    async def outcomes() -> list[str]:
        result = []
        for i in range(12):
            try:
                await bot.send_message(5, f"m{i}")
                result.append("ok")
            except RetryAfter:
                result.append("429")
            except NetworkError:
                result.append("5xx")
        return result

    tg.set_random_faults(rate=0.5, seed=1)
    first = await outcomes()
    tg.set_random_faults(rate=0.5, seed=1)
    second = await outcomes()
    assert first == second
    assert "ok" in first and {"429", "5xx"} & set(first)
    tg.set_random_faults(rate=0.0)
    assert await outcomes() == ["ok"] * 12
    await bot.get_me()  # only send calls are faulted


# ---- rate limits --------------------------------------------------------------------------


async def test_rate_limit_per_chat_burst_real_time(bot: telegram.Bot, tg: FakeTelegram) -> None:
    tg.enforce_rate_limits = True
    for i in range(3):
        await bot.send_message(5, f"burst {i}")
    with pytest.raises(RetryAfter) as info:
        await bot.send_message(5, "one too many")
    assert retry_seconds(info.value) == 1
    await bot.send_message(6, "another chat is fine")
    await asyncio.sleep(1.05)
    await bot.send_message(5, "after a second")
    assert tg.count_429 == 1
    tg.assert_no_violations()


async def test_rate_limits_with_manual_clock() -> None:
    clock = ManualClock()
    fake = FakeTelegram(token=TOKEN, clock=clock, enforce_rate_limits=True)
    async with fake as tg, telegram.Bot(TOKEN, base_url=fake.base_url) as bot:
        open_private_chats(tg)
        # 1 msg/s per private chat for a minute: never limited.
        for i in range(60):
            await bot.send_message(5, f"steady {i}")
            clock.advance(1.0)
        assert tg.count_429 == 0
        # Groups: at most 20 messages per minute even at 1 msg/s.
        for i in range(20):
            await bot.send_message(GROUP, f"group {i}")
            clock.advance(1.0)
        with pytest.raises(RetryAfter) as info:
            await bot.send_message(GROUP, "21st within a minute")
        assert 30 <= retry_seconds(info.value) <= 41
        assert tg.count_429 == 1
        # Globally at most 30 messages per second.
        clock.advance(60)
        for chat in range(100, 130):
            await bot.send_message(chat, "fan-out")
        with pytest.raises(RetryAfter):
            await bot.send_message(200, "31st in one second")
        clock.advance(1.0)
        await bot.send_message(200, "next second")
        assert tg.count_429 == 2
        tg.rate_limits = RateLimits(per_chat_burst=1)
        await bot.send_message(300, "first")
        with pytest.raises(RetryAfter):
            await bot.send_message(300, "no burst allowed")
        tg.assert_no_violations()


# ---- webhook ------------------------------------------------------------------------------


class WebhookReceiver:
    def __init__(self, secret: str | None) -> None:
        self.secret = secret
        self.received: list[tuple[dict[str, Any], str | None]] = []
        self.runner: web.AppRunner | None = None
        self.url = ""

    async def handle(self, request: web.Request) -> web.Response:
        header = request.headers.get("X-Telegram-Bot-Api-Secret-Token")
        if self.secret is not None and header != self.secret:
            return web.Response(status=403)
        self.received.append((await request.json(), header))
        return web.Response(status=200)

    async def __aenter__(self) -> WebhookReceiver:
        app = web.Application()
        app.router.add_post("/hook", self.handle)
        self.runner = web.AppRunner(app, access_log=None)
        await self.runner.setup()
        site = web.TCPSite(self.runner, "127.0.0.1", 0)
        await site.start()
        port = self.runner.addresses[0][1]
        self.url = f"http://127.0.0.1:{port}/hook"
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self.runner is not None
        await self.runner.cleanup()


async def test_webhook_with_secret(tg: FakeTelegram, bot: telegram.Bot) -> None:
    async with WebhookReceiver(secret="s3cr3t-token") as receiver:
        assert await bot.set_webhook(receiver.url, secret_token="s3cr3t-token")
        info = await bot.get_webhook_info()
        assert info.url == receiver.url and info.pending_update_count == 0
        with pytest.raises(Conflict, match="webhook is active"):
            await bot.get_updates()
        pushed = tg.push_command(chat_id=USER, user_id=USER, text="/start")
        assert (await bot.get_webhook_info()).pending_update_count == 1
        assert await tg.deliver_webhook() == 200
        assert receiver.received == [(pushed, "s3cr3t-token")]
        assert tg.pending_updates == []
        # An explicitly given update is delivered as-is (update_id assigned).
        assert await tg.deliver_webhook({"message": pushed["message"]}) == 200
        assert receiver.received[-1][0]["update_id"] == pushed["update_id"] + 1
        # The wrong secret is rejected by the receiver; the update stays pending.
        await bot.set_webhook(receiver.url, secret_token="other-secret")
        tg.push_text(chat_id=USER, user_id=USER, text="hi")
        assert await tg.deliver_webhook() == 403
        assert len(tg.pending_updates) == 1
        info = await bot.get_webhook_info()
        assert info.last_error_message is not None and "403" in info.last_error_message
        assert await bot.delete_webhook()
        assert len(await bot.get_updates()) == 1
    tg.assert_no_violations()
    assert_results_match_spec(tg)


async def test_webhook_without_secret(tg: FakeTelegram, bot: telegram.Bot) -> None:
    async with WebhookReceiver(secret=None) as receiver:
        await bot.set_webhook(receiver.url)
        tg.push_text(chat_id=USER, user_id=USER, text="hello")
        assert await tg.deliver_webhook() == 200
        ((update, header),) = receiver.received
        assert header is None and update["message"]["text"] == "hello"
        with pytest.raises(LookupError):
            await tg.deliver_webhook()
        await bot.delete_webhook(drop_pending_updates=True)
    with pytest.raises(RuntimeError, match="no webhook"):
        await tg.deliver_webhook()
    tg.assert_no_violations()


async def test_a_slow_answer_the_client_stopped_waiting_for_is_marked_499(
    tg: FakeTelegram, bot: telegram.Bot
) -> None:
    tg.add_chat(USER)
    tg.inject_fault("sendMessage", "slow", delay=30)
    with pytest.raises(TimedOut):
        await bot.send_message(USER, "taken, answer never seen", read_timeout=0.2)
    (call,) = tg.calls_to("sendMessage")
    for _ in range(200):  # the server notices the closed connection a moment later
        if call.status == 499:
            break
        await asyncio.sleep(0.01)
    assert call.status == 499
    assert [m.plain_text for m in tg.sent_messages(USER)] == ["taken, answer never seen"]


async def test_random_slow_faults_wait_between_delay_and_max_delay(tg: FakeTelegram) -> None:
    with pytest.raises(ValueError, match="max_delay"):
        tg.set_random_faults(0.5, kinds=("slow",), delay=2.0, max_delay=1.0)
    tg.set_random_faults(1.0, seed=3, kinds=("slow",), delay=0.5, max_delay=8.0)
    delays = [tg._pick_fault("sendMessage", {"chat_id": USER}) for _ in range(50)]
    assert all(f is not None and f.kind == "slow" for f in delays)
    seconds = [f.delay for f in delays if f is not None]
    assert min(seconds) >= 0.5 and max(seconds) <= 8.0 and len(set(seconds)) > 40


async def test_deliver_webhook_to_another_address(tg: FakeTelegram, bot: telegram.Bot) -> None:
    async with WebhookReceiver(secret="s") as set_one, WebhookReceiver(secret="s") as other:
        await bot.set_webhook(set_one.url, secret_token="s")
        update = {"message": tg.push_text(chat_id=USER, user_id=USER, text="hi")["message"]}
        assert await tg.deliver_webhook(update, url=other.url) == 200
        assert set_one.received == [] and len(other.received) == 1
