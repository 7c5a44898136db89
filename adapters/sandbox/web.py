"""The sandbox's page and its small JSON API, served by aiohttp on 127.0.0.1 only.

    GET  /                 the page (static/index.html; static/ holds its CSS and scripts)
    GET  /api/state        the panes (agency chats, their people) and the bot's clock
    GET  /api/events       server-sent events: every message, clock move, toast, violation;
                           replayed from the start (or after Last-Event-ID), then live
    POST /api/say          {"person", "conversation", "text"}: the person types a command
    POST /api/press        {"person", "message", "row", "column"}: the person presses a button
    POST /api/clock        {"hours": N} or {"days": N}: the bot's clock moves forward
    GET  /api/violations   every call the bot made that broke the platform's API description

POSTs must be JSON (a page of another site cannot send that without asking first) and every
request must name this server as its Host (no DNS rebinding).
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Awaitable, Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

from aiohttp import web

from adapters.sandbox.app import Sandbox, SandboxError
from adapters.sandbox.feed import sse

STATIC = Path(__file__).parent / "static"
HOST = "127.0.0.1"
SANDBOX: web.AppKey[Sandbox] = web.AppKey("sandbox", Sandbox)
MAX_HOURS = 24 * 30  # one move of the clock: at most a month
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def make_app(sandbox: Sandbox, port: int) -> web.Application:
    """The page and the API over one sandbox."""
    hosts = {f"{HOST}:{port}", f"localhost:{port}"}

    @web.middleware
    async def guard(request: web.Request, handler: Handler) -> web.StreamResponse:
        if port and request.host not in hosts:
            return web.json_response({"error": "unknown host"}, status=403)
        if request.method == "POST" and request.content_type != "application/json":
            return web.json_response({"error": "send JSON"}, status=415)
        return await handler(request)

    app = web.Application(middlewares=[guard], client_max_size=64 * 1024)
    app[SANDBOX] = sandbox
    app.router.add_get("/", _index)
    app.router.add_static("/static/", STATIC)
    app.router.add_get("/api/state", _state)
    app.router.add_get("/api/events", _events)
    app.router.add_get("/api/violations", _violations)
    app.router.add_post("/api/say", _say)
    app.router.add_post("/api/press", _press)
    app.router.add_post("/api/clock", _clock)
    return app


async def _index(request: web.Request) -> web.StreamResponse:
    return web.FileResponse(STATIC / "index.html", headers={"Cache-Control": "no-cache"})


async def _state(request: web.Request) -> web.StreamResponse:
    return web.json_response(await request.app[SANDBOX].state())


async def _violations(request: web.Request) -> web.StreamResponse:
    sandbox = request.app[SANDBOX]
    found = [
        {"platform": e["platform"], "text": e["text"]}
        for e in sandbox.feed.events
        if e["type"] == "violation"
    ]
    return web.json_response({"violations": found})


async def _events(request: web.Request) -> web.StreamResponse:
    sandbox = request.app[SANDBOX]
    await sandbox.ready.wait()
    after = request.headers.get("Last-Event-ID") or request.query.get("after") or "0"
    response = web.StreamResponse(
        headers={
            "Content-Type": "text/event-stream; charset=utf-8",
            "Cache-Control": "no-cache",
            "X-Accel-Buffering": "no",
        }
    )
    await response.prepare(request)
    with contextlib.suppress(ConnectionResetError):
        async for event in sandbox.feed.follow(int(after) if after.isdigit() else 0):
            await response.write(sse(event))
    return response


async def _body(request: web.Request) -> dict[str, Any]:
    try:
        body = await request.json()
    except (ValueError, UnicodeDecodeError):
        raise web.HTTPBadRequest(text=json.dumps({"error": "not JSON"})) from None
    if not isinstance(body, dict):
        raise web.HTTPBadRequest(text=json.dumps({"error": "send a JSON object"}))
    return body


def _text(body: dict[str, Any], key: str) -> str:
    value = body.get(key)
    if not isinstance(value, str):
        raise SandboxError(f"{key}: a string is needed")
    return value


def _number(body: dict[str, Any], key: str) -> int:
    value = body.get(key)
    if not isinstance(value, int) or isinstance(value, bool):
        raise SandboxError(f"{key}: a whole number is needed")
    return value


async def _say(request: web.Request) -> web.StreamResponse:
    body = await _body(request)
    try:
        said = await request.app[SANDBOX].say(
            _text(body, "person"), _text(body, "conversation"), _text(body, "text")
        )
    except SandboxError as error:
        return web.json_response({"error": str(error)}, status=400)
    return web.json_response({"message": said})


async def _press(request: web.Request) -> web.StreamResponse:
    body = await _body(request)
    try:
        await request.app[SANDBOX].press(
            _text(body, "person"),
            _text(body, "message"),
            _number(body, "row"),
            _number(body, "column"),
        )
    except SandboxError as error:
        return web.json_response({"error": str(error)}, status=400)
    return web.json_response({"pressed": True})


async def _clock(request: web.Request) -> web.StreamResponse:
    body = await _body(request)
    try:
        hours = _number(body, "hours") if "hours" in body else 24 * _number(body, "days")
        if not 0 < hours <= MAX_HOURS:
            raise SandboxError(f"move the clock forward by 1 to {MAX_HOURS} hours")
    except SandboxError as error:
        return web.json_response({"error": str(error)}, status=400)
    event = await request.app[SANDBOX].advance(timedelta(hours=hours))
    return web.json_response(event)
