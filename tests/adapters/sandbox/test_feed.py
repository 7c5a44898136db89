"""The page's event log: numbered, replayed to each new reader (or after the last one it saw),
then live."""

from __future__ import annotations

import asyncio
import json

from adapters.sandbox.feed import Feed, sse


async def test_a_reader_gets_the_past_then_what_comes() -> None:
    feed = Feed()
    feed.publish({"type": "clock", "now": "x"})
    seen: list[int] = []

    async def read(after: int) -> None:
        async for event in feed.follow(after):
            seen.append(event["seq"])

    reader = asyncio.create_task(read(0))
    late = asyncio.create_task(read(1))  # reconnected after event 1: only what follows
    await asyncio.sleep(0)
    feed.publish({"type": "violation", "platform": "slack", "text": "t"})
    await asyncio.sleep(0.01)
    await feed.close()
    await asyncio.gather(reader, late)
    assert sorted(seen) == [1, 2, 2]


def test_an_event_is_one_server_sent_event_carrying_its_number() -> None:
    event = {"type": "toast", "text": "Reçu\n<b>", "seq": 7}
    lines = sse(event).decode().split("\n")
    assert lines[:2] == ["id: 7", "event: toast"]
    assert json.loads(lines[2].removeprefix("data: ")) == event  # one line: newlines escaped
    assert lines[3:] == ["", ""]
