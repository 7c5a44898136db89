"""A started sandbox (the real bot against the fakes, demo loaded, chats linked) and an aiohttp
test client on its page's API, with a reader of its event stream."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer

from adapters.sandbox.app import Sandbox
from adapters.sandbox.web import make_app
from bot.config import Settings

Event = dict[str, Any]


@pytest.fixture
async def sandbox(tmp_path: Path) -> AsyncIterator[Sandbox]:
    box = Sandbox(Settings(_env_file=None), tmp_path)  # type: ignore[call-arg]
    await box.start()
    try:
        yield box
    finally:
        await box.stop()
    box.tg.assert_no_violations()
    box.slack.assert_no_violations()


@pytest.fixture
async def client(sandbox: Sandbox) -> AsyncIterator[TestClient[Any, Any]]:
    async with TestClient(TestServer(make_app(sandbox, 0))) as test_client:
        yield test_client


class Stream:
    """The page's event stream, read as the page reads it."""

    def __init__(self, client: TestClient[Any, Any]) -> None:
        self.client = client
        self.events: list[Event] = []
        self._response: Any = None

    async def open(self, after: int = 0) -> Stream:
        self._response = await self.client.get("/api/events", params={"after": str(after)})
        assert self._response.headers["Content-Type"].startswith("text/event-stream")
        return self

    async def until(self, found: Callable[[Event], bool], timeout: float = 15.0) -> Event:  # noqa: ASYNC109
        """The first event (already read, or to come) for which `found` is true."""
        for event in self.events:
            if found(event):
                return event
        async with asyncio.timeout(timeout):
            while True:
                line = (await self._response.content.readline()).decode()
                if not line.startswith("data: "):
                    continue
                event = json.loads(line[len("data: ") :])
                self.events.append(event)
                if found(event):
                    return event

    def close(self) -> None:
        if self._response is not None:
            self._response.close()


@pytest.fixture
async def stream(client: TestClient[Any, Any]) -> AsyncIterator[Stream]:
    reader = await Stream(client).open()
    yield reader
    reader.close()


def message_in(conversation: str, text: str, kind: str = "bot") -> Callable[[Event], bool]:
    """An event that shows a message of this kind in this conversation, containing `text`
    (Telegram's text, or any text of Slack's blocks)."""

    def found(event: Event) -> bool:
        if event["type"] != "message":
            return False
        message = event["message"]
        shown = json.dumps(message.get("blocks") or message.get("text"), ensure_ascii=False)
        return message["conversation"] == conversation and message["kind"] == kind and text in shown

    return found
