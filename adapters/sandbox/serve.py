"""`jointops sandbox`: the page on 127.0.0.1, the sandbox behind it, until told to stop."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import tempfile
from collections.abc import Callable
from pathlib import Path

from aiohttp import web

from adapters.sandbox.app import Sandbox
from adapters.sandbox.web import HOST, make_app
from bot.config import Settings

DEFAULT_PORT = 8765


class PortTaken(Exception):
    """The page's port is in use (another sandbox, or any other program)."""

    def __init__(self, port: int) -> None:
        super().__init__(
            f"port {port} on {HOST} is already in use (another sandbox?); "
            "stop it, or choose another port with --port N"
        )
        self.port = port


def _bind(port: int) -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        sock.bind((HOST, port))
    except OSError as error:
        sock.close()
        raise PortTaken(port) from error
    sock.listen(128)
    return sock


async def serve_sandbox(
    settings: Settings,
    port: int,
    stop: asyncio.Event,
    *,
    listening: Callable[[str], None] = lambda url: None,
    ready: Callable[[str], None] = lambda url: None,
) -> None:
    """Serve the sandbox on `port` (0: any free port) until `stop` is set; `listening` is
    given the page's URL once the port is taken, `ready` once every chat is linked. The
    database lives in a temporary directory, removed at the end: each start is a fresh demo."""
    sock = _bind(port)  # first: a taken port fails before anything else starts
    listening(f"http://{HOST}:{sock.getsockname()[1]}")
    with tempfile.TemporaryDirectory(prefix="jointops-sandbox-") as directory:
        sandbox = Sandbox(settings, Path(directory))
        bound = int(sock.getsockname()[1])
        runner = web.AppRunner(make_app(sandbox, bound), access_log=None, shutdown_timeout=1.0)
        await runner.setup()
        try:
            await web.SockSite(runner, sock).start()
            starting = asyncio.create_task(sandbox.start())
            stopping = asyncio.create_task(stop.wait())
            await asyncio.wait({starting, stopping}, return_when=asyncio.FIRST_COMPLETED)
            if starting.done():
                starting.result()  # a failed start raises here
                ready(f"http://{HOST}:{bound}")
                await stopping
            else:
                starting.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await starting
            stopping.cancel()
        finally:
            await sandbox.stop()
            await runner.cleanup()
            sock.close()
