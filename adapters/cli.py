"""The `jointops` command: the composition root that starts adapters and maintenance tasks."""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
import sys
from collections.abc import Sequence

from adapters.console.adapter import ConsoleAdapter
from adapters.http import HttpServer
from adapters.telegram.adapter import TelegramAdapter
from bot.config import Settings, SettingsError, load_settings
from bot.demo import seed_demo
from bot.runtime import Runtime, upgrade_database

log = logging.getLogger("jointops")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="jointops", description="Chat-ops for joint operations.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    sub.add_parser("run", help="start every configured adapter (the console when none is)")
    sub.add_parser("console", help="interactive prompt as the local administrator")
    sub.add_parser("demo", help="load a sample operation across 7 agencies")
    db = sub.add_parser("db", help="database maintenance")
    db.add_argument("action", choices=["upgrade"])
    audit = sub.add_parser("audit", help="audit trail")
    audit.add_argument("action", choices=["verify"])
    return parser


async def _console(settings: Settings) -> int:
    runtime = await Runtime.open(settings)
    try:
        await runtime.ensure_local_admin()
        adapter = ConsoleAdapter(runtime.dispatcher, sys.stdin, sys.stdout)
        await adapter.run(interactive=sys.stdin.isatty())
    finally:
        await runtime.close()
    return 0


async def serve(settings: Settings, stop: asyncio.Event) -> None:
    """Run the configured chat adapters until `stop` is set."""
    runtime = await Runtime.open(settings)
    http = HttpServer(settings.http_port)
    adapters: list[TelegramAdapter] = []
    try:
        if settings.telegram_bot_token is not None:
            secret = settings.telegram_webhook_secret
            adapters.append(
                TelegramAdapter(
                    runtime.dispatcher,
                    token=settings.telegram_bot_token.get_secret_value(),
                    base_url=settings.telegram_api_base_url,
                    webhook_url=settings.telegram_webhook_url,
                    webhook_secret=secret.get_secret_value() if secret else None,
                    http=http,
                )
            )
        await http.start()
        for adapter in adapters:
            await adapter.start()
        log.info("jointops running: %s", ", ".join(a.__class__.__name__ for a in adapters))
        await stop.wait()
    finally:
        for adapter in reversed(adapters):
            try:
                await adapter.stop()
            except Exception:
                log.exception("adapter did not stop cleanly")
        await http.stop()
        await runtime.close()


async def _run(settings: Settings) -> int:
    if settings.slack_enabled:
        print(
            "jointops: SLACK_BOT_TOKEN is set, but this version has no Slack adapter yet; "
            "unset it.",
            file=sys.stderr,
        )
        return 2
    if not settings.telegram_enabled:
        return await _console(settings)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    await serve(settings, stop)
    return 0


async def _demo(settings: Settings) -> int:
    runtime = await Runtime.open(settings)
    try:
        await runtime.ensure_local_admin()
        result = await seed_demo(runtime.dispatcher, runtime.dispatcher.clock)
    finally:
        await runtime.close()
    print(result.message)
    if result.loaded:
        print("Try: jointops console, then: summary PANGEA-DEMO")
    return 0 if result.loaded or result.commands == 0 else 1


async def _db_upgrade(settings: Settings) -> int:
    before, after = await upgrade_database(settings)
    print(f"database at revision {after}" + ("" if before == after else f" (was {before})"))
    return 0


async def _audit_verify(settings: Settings) -> int:
    runtime = await Runtime.open(settings, upgrade=False)
    try:
        result = await runtime.verify_audit()
    finally:
        await runtime.close()
    if result.ok:
        print(f"audit chain intact: {result.checked} events")
        return 0
    print(
        f"audit chain broken at event {result.broken_seq} ({result.reason}); "
        f"{result.checked} events before it are intact",
        file=sys.stderr,
    )
    return 1


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `jointops` console script."""
    args = _parser().parse_args(argv)
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    try:
        settings = load_settings()
    except SettingsError as exc:
        print(f"jointops: {exc}", file=sys.stderr)
        return 2
    commands = {
        "run": _run,
        "console": _console,
        "demo": _demo,
        "db": _db_upgrade,
        "audit": _audit_verify,
    }
    try:
        return asyncio.run(commands[args.command](settings))
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
