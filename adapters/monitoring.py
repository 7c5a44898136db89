"""/healthz and /metrics: the database's health and nothing else; figures only for loopback
clients, or for whoever shows the metrics token when one is set."""

from __future__ import annotations

import hmac
import ipaddress
from collections.abc import Awaitable, Callable

from aiohttp import web

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def is_loopback(remote: str | None) -> bool:
    """Whether a peer address is this host (127.0.0.0/8, ::1, or ::ffff:127.x.x.x)."""
    if not remote:
        return False
    try:
        address = ipaddress.ip_address(remote)
    except ValueError:
        return False
    mapped = getattr(address, "ipv4_mapped", None)
    return bool(address.is_loopback or (mapped is not None and mapped.is_loopback))


def bearer_matches(header: str, token: str) -> bool:
    """Whether an Authorization header is `Bearer <token>` (compared in constant time)."""
    scheme, _, given = header.partition(" ")
    if scheme.lower() != "bearer":
        return False
    return hmac.compare_digest(given.strip().encode(), token.encode())


def metrics_handler(render: Callable[[], Awaitable[str]], token: str | None) -> Handler:
    """GET /metrics. With a token: 401 without `Authorization: Bearer <token>`. Without one:
    403 to any client that is not on loopback."""

    async def metrics(request: web.Request) -> web.Response:
        if token is not None:
            if not bearer_matches(request.headers.get("Authorization", ""), token):
                return web.Response(
                    status=401, text="unauthorized", headers={"WWW-Authenticate": "Bearer"}
                )
        elif not is_loopback(request.remote):
            return web.Response(status=403, text="forbidden")
        return web.Response(text=await render(), content_type="text/plain")

    return metrics


def health_handler(check: Callable[[], Awaitable[bool]]) -> Handler:
    """GET /healthz: 200 `ok` when the database answers, else 503 `unavailable`."""

    async def health(_request: web.Request) -> web.Response:
        if await check():
            return web.Response(text="ok")
        return web.Response(status=503, text="unavailable")

    return health
