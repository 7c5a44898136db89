"""Follows the fakes' records and tells the page: each message the bot sent or changed, each
callback answer (a toast), each call that broke the platform's API description.

Called after every change of a fake (its `listeners`), it compares what the fake holds with
what the page was told and publishes the difference.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import Any

from adapters.sandbox.fakes.slack import FakeSlack, MessageRecord
from adapters.sandbox.fakes.telegram import FakeTelegram, SentMessage
from adapters.sandbox.feed import Event, Feed

log = logging.getLogger(__name__)
BOT = "bot"


def telegram_conversation(chat_id: int | str) -> str:
    return f"telegram:{chat_id}"


def slack_conversation(channel: str) -> str:
    """A Slack conversation; a message addressed to a user id lands in their DM."""
    if channel.startswith(("U", "W")):
        channel = "D" + channel[1:]
    return f"slack:{channel}"


def slack_buttons(blocks: list[dict[str, Any]] | None) -> list[list[dict[str, Any]]]:
    """The buttons of each actions block, in order: what a press refers to by row and column."""
    rows = []
    for block in blocks or []:
        if block.get("type") == "actions":
            rows.append([e for e in block.get("elements", []) if e.get("type") == "button"])
    return rows


class Watcher:
    """Turns the fakes' records into the page's events."""

    def __init__(
        self,
        feed: Feed,
        tg: FakeTelegram,
        slack: FakeSlack,
        *,
        now: Callable[[], str],
        names: Mapping[str, str],
        bot_name: str,
    ) -> None:
        self.feed = feed
        self.tg = tg
        self.slack = slack
        self.now = now  # the bot's time, ISO 8601
        self.names = names  # platform user id -> display name
        self.bot_name = bot_name
        self.messages: dict[str, Event] = {}  # the last state of each message, by id
        self.query_conversations: dict[str, str] = {}  # callback query id -> conversation
        self._tg_sent = 0
        self._tg_shape: dict[str, tuple[int, bool]] = {}  # edits made, deleted
        self._tg_answers: set[str] = set()
        self._slack_seen = 0
        self._slack_files = 0
        self._violations = {"telegram": 0, "slack": 0}

    def attach(self) -> None:
        """Follow both fakes from now on."""
        self.tg.listeners = (*self.tg.listeners, self.changed)
        self.slack.listeners = (*self.slack.listeners, self.changed)

    def changed(self) -> None:
        """Called inside the fakes: a mistake here is logged, never theirs to answer for."""
        try:
            self._changed()
        except Exception:
            log.exception("the sandbox's page missed a change of the fakes")

    def _changed(self) -> None:
        self._telegram()
        self._slack()
        for platform, found in (("telegram", self.tg.violations), ("slack", self.slack.violations)):
            for text in found[self._violations[platform] :]:
                self.feed.publish({"type": "violation", "platform": platform, "text": text})
            self._violations[platform] = len(found)

    def publish_message(self, message: Event) -> Event:
        """Tell the page a message as it now stands (also the visitor's own messages)."""
        self.messages[message["id"]] = message
        self.feed.publish({"type": "message", "message": message})
        return message

    # ---- Telegram --------------------------------------------------------------------

    def _telegram(self) -> None:
        sent = self.tg.sent_messages()
        for message in sent[self._tg_sent :]:
            self._tg_shape[_tg_id(message)] = (len(message.edits), message.deleted)
            self.publish_message(self._tg_message(message))
        self._tg_sent = len(sent)
        for message in sent:
            shape = (len(message.edits), message.deleted)
            key = _tg_id(message)
            if self._tg_shape.get(key) != shape:
                self._tg_shape[key] = shape
                self.publish_message(self._tg_message(message, edited=True))
        for query_id, answer in self.tg.callback_answers.items():
            if query_id in self._tg_answers:
                continue
            self._tg_answers.add(query_id)
            text = answer.get("text")
            conversation = self.query_conversations.get(query_id)
            if isinstance(text, str) and text and conversation:
                self.feed.publish(
                    {
                        "type": "toast",
                        "conversation": conversation,
                        "text": text,
                        "alert": bool(answer.get("show_alert")),
                    }
                )

    def _tg_message(self, sent: SentMessage, *, edited: bool = False) -> Event:
        current = sent.message
        previous = self.messages.get(_tg_id(sent), {})
        text = current.get("text", current.get("caption", ""))
        entities = current.get("entities", current.get("caption_entities", []))
        markup = current.get("reply_markup") or {}
        rows = [
            [{"label": str(b.get("text", "")), "url": b.get("url")} for b in row]
            for row in markup.get("inline_keyboard", [])
        ]
        document = current.get("document") or {}
        reply_to = current.get("reply_to_message") or {}
        replied = reply_to.get("from") or {}
        return {
            "id": _tg_id(sent),
            "conversation": telegram_conversation(sent.chat_id),
            "platform": "telegram",
            "kind": BOT,
            "author": self.bot_name,
            "time": previous.get("time") or self.now(),
            "text": text if isinstance(text, str) else "",
            "entities": entities if isinstance(entities, list) else [],
            "buttons": rows,
            "document": document.get("file_name"),
            "reply_to": self.names.get(str(replied.get("id")), replied.get("first_name")),
            "edited": edited or bool(previous.get("edited")),
            "deleted": sent.deleted,
        }

    # ---- Slack -----------------------------------------------------------------------

    def _slack(self) -> None:
        records = self.slack.messages()
        for record in records[self._slack_seen :]:
            self._slack_record(record)
        self._slack_seen = len(records)
        shared = self.slack.files.shared  # files the bot uploaded (an export, in a DM)
        for number, file in enumerate(shared[self._slack_files :], start=self._slack_files + 1):
            self.publish_message(
                {
                    "id": f"slack:{file.channel}:file{number}",
                    "conversation": slack_conversation(file.channel or ""),
                    "platform": "slack",
                    "kind": BOT,
                    "author": self.bot_name,
                    "time": self.now(),
                    "text": file.initial_comment or "",
                    "blocks": [],
                    "buttons": [],
                    "document": file.filename,
                    "ephemeral_to": None,
                    "edited": False,
                    "deleted": False,
                }
            )
        self._slack_files = len(shared)

    def _slack_record(self, record: MessageRecord) -> None:
        channel = record.channel or ""
        key = f"slack:{channel}:{record.ts}"
        earlier = self.messages.get(key)
        replacing = record.kind == "update" or (
            record.kind == "response_url" and (record.replace_original or record.delete_original)
        )
        if replacing and earlier is not None:
            changed = {**earlier, "edited": True}
            if record.delete_original:
                changed["deleted"] = True
            else:
                changed.update(text=record.text or "", blocks=record.blocks or [])
                changed["buttons"] = _slack_rows(record.blocks)
            self.publish_message(changed)
            return
        ephemeral = record.kind == "ephemeral" or (
            record.kind == "response_url" and record.response_type != "in_channel"
        )
        self.publish_message(
            {
                "id": key,
                "conversation": slack_conversation(channel),
                "platform": "slack",
                "kind": BOT,
                "author": self.bot_name,
                "time": self.now(),
                "text": record.text or "",
                "blocks": record.blocks or [],
                "buttons": _slack_rows(record.blocks),
                "ephemeral_to": self.names.get(record.user or "") if ephemeral else None,
                "edited": False,
                "deleted": False,
            }
        )


def _tg_id(message: SentMessage) -> str:
    return f"telegram:{message.chat_id}:{message.message_id}"


def _slack_rows(blocks: list[dict[str, Any]] | None) -> list[list[dict[str, Any]]]:
    return [
        [{"label": str(e.get("text", {}).get("text", "")), "style": e.get("style")} for e in row]
        for row in slack_buttons(blocks)
    ]
