"""The one HTTP server of a bot process: webhooks of the chat adapters, /healthz, /metrics."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from aiohttp import web

from adapters.monitoring import health_handler

log = logging.getLogger(__name__)
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


async def _alive() -> bool:
    return True


class HttpServer:
    """An aiohttp server that adapters add their routes to before it starts."""

    def __init__(
        self,
        port: int,
        host: str = "0.0.0.0",
        *,
        health: Callable[[], Awaitable[bool]] | None = None,
    ) -> None:
        """`health` says whether the database answers (/healthz: `ok` or 503 `unavailable`);
        without it /healthz only says that the process serves."""
        self.host = host
        self.port = port
        self.app = web.Application(client_max_size=1024 * 1024)
        self.app.router.add_get("/healthz", health_handler(health or _alive))
        self._runner: web.AppRunner | None = None

    def add_get(self, path: str, handler: Handler) -> None:
        self.app.router.add_get(path, handler)

    def add_post(self, path: str, handler: Handler) -> None:
        self.app.router.add_post(path, handler)

    async def start(self) -> None:
        self._runner = web.AppRunner(self.app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        log.info("HTTP server listening on %s:%s", self.host, self.port)

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
