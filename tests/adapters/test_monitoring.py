"""/metrics: loopback only, or the bearer token when one is set; /healthz: the database's health
and nothing else. A real server on loopback; a proxy-style middleware stands in for a client
elsewhere by setting the peer address from a test header."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from adapters.http import HttpServer
from adapters.monitoring import is_loopback, metrics_handler
from bot.metrics import database_answers
from operations import db

PEER = "X-Test-Peer"
TOKEN = "metrics-bearer-0123456789"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@web.middleware
async def peer_from_header(
    request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
) -> web.StreamResponse:
    peer = request.headers.get(PEER)
    return await handler(request.clone(remote=peer) if peer else request)


Serve = Callable[..., Awaitable[str]]


@pytest.fixture
async def serve() -> AsyncIterator[Serve]:
    servers: list[HttpServer] = []

    async def start(
        *, token: str | None = None, health: Callable[[], Awaitable[bool]] | None = None
    ) -> str:
        port = free_port()
        http = HttpServer(port, host="127.0.0.1", health=health)

        async def render() -> str:
            return "jointops_commands_total 0\n"

        http.add_get("/metrics", metrics_handler(render, token))
        http.app.middlewares.append(peer_from_header)
        await http.start()
        servers.append(http)
        return f"http://127.0.0.1:{port}"

    yield start
    for http in servers:
        await http.stop()


async def _get(url: str, **headers: str) -> tuple[int, str]:
    async with aiohttp.ClientSession() as client, client.get(url, headers=headers) as resp:
        return resp.status, await resp.text()


async def test_metrics_without_a_token_answer_only_loopback(serve: Serve) -> None:
    base = await serve()
    assert await _get(f"{base}/metrics") == (200, "jointops_commands_total 0\n")
    assert (await _get(f"{base}/metrics", **{PEER: "::ffff:127.0.0.1"}))[0] == 200
    for elsewhere in ("203.0.113.9", "10.0.0.5", "2001:db8::1", "::ffff:192.0.2.1"):
        status, text = await _get(f"{base}/metrics", **{PEER: elsewhere})
        assert (status, "jointops" in text) == (403, False), elsewhere


async def test_metrics_with_a_token_ask_everyone_for_it(serve: Serve) -> None:
    base = await serve(token=TOKEN)
    for headers in (
        {},  # even on loopback
        {"Authorization": "Bearer wrong-token-0123456789"},
        {"Authorization": f"Basic {TOKEN}"},
        {"Authorization": f"Bearer {TOKEN}x"},
        {"Authorization": "Bearer", PEER: "203.0.113.9"},
    ):
        status, text = await _get(f"{base}/metrics", **headers)
        assert (status, "jointops" in text) == (401, False), headers
    good = {"Authorization": f"Bearer {TOKEN}", PEER: "203.0.113.9"}
    assert await _get(f"{base}/metrics", **good) == (200, "jointops_commands_total 0\n")


def test_loopback_addresses() -> None:
    assert is_loopback("127.0.0.1") and is_loopback("127.8.9.1") and is_loopback("::1")
    assert is_loopback("::ffff:127.0.0.1")
    assert not any(map(is_loopback, (None, "", "unix", "0.0.0.0", "192.168.1.2", "::")))


async def test_healthz_reports_the_database_and_nothing_else(
    serve: Serve, sessions: async_sessionmaker[AsyncSession], tmp_path: Path
) -> None:
    up = await serve(health=lambda: database_answers(sessions))
    assert await _get(f"{up}/healthz") == (200, "ok")
    # a database that cannot be opened (the path is a directory): down, and only that is said
    engine = db.create_engine(f"sqlite+aiosqlite:///{tmp_path}")
    try:
        down_sessions = db.create_session_factory(engine)
        down = await serve(health=lambda: database_answers(down_sessions))
        assert await _get(f"{down}/healthz") == (503, "unavailable")
    finally:
        await engine.dispose()
