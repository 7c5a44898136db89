"""The `jointops` command: the composition root that starts adapters and maintenance tasks."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import shlex
import shutil
import signal
import sys
from collections.abc import Sequence
from datetime import timedelta
from pathlib import Path

from adapters.console.adapter import ConsoleAdapter
from adapters.http import HttpServer
from adapters.monitoring import metrics_handler
from adapters.slack.adapter import SlackAdapter
from adapters.slack.manifest import manifest
from adapters.startup import DATABASE, StartupFailure, explain
from adapters.telegram.adapter import TelegramAdapter
from bot.commands import REGISTRY
from bot.config import Settings, SettingsError, load_settings
from bot.context import load_languages
from bot.demo import DEMO_OPERATION, seed_demo
from bot.metrics import database_answers
from bot.parser import unmarked
from bot.runtime import Anchor, Background, Runtime, upgrade_database

log = logging.getLogger("jointops")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="jointops", description="Chat-ops for joint operations.")
    parser.add_argument("--debug", action="store_true", help="print the traceback of a failure")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    sub.add_parser("run", help="start every configured adapter (the console when none is)")
    sub.add_parser("console", help="interactive prompt as the local administrator")
    sub.add_parser("demo", help="load a sample operation across 7 agencies")
    sandbox = sub.add_parser(
        "sandbox",
        help="try the bot in a browser: every agency's Telegram and Slack chat, side by side",
    )
    sandbox.add_argument(
        "--port", type=int, default=8765, help="the page's port on 127.0.0.1 (default 8765)"
    )
    db = sub.add_parser("db", help="database maintenance")
    db.add_argument("action", choices=["upgrade"])
    manifest = sub.add_parser("slack-manifest", help="print a Slack app manifest (JSON)")
    manifest.add_argument(
        "--http-url", help="public URL of /slack/events for HTTP mode (default: Socket Mode)"
    )
    audit = sub.add_parser("audit", help="audit trail: verify it, or print its head")
    audit.add_argument("action", choices=["verify", "head"])
    audit.add_argument(
        "--anchor",
        metavar="HASH:N",
        help="verify: fail unless the chain still extends this head (from `jointops audit head`)",
    )
    return parser


async def open_runtime(settings: Settings) -> Runtime:
    """The database and dispatcher; a failure says it was the database (adapters.startup)."""
    try:
        return await Runtime.open(settings)
    except Exception as error:
        raise StartupFailure(DATABASE) from error


async def _console(settings: Settings) -> int:
    runtime = await open_runtime(settings)
    try:
        await runtime.ensure_local_admin()
        adapter = ConsoleAdapter(runtime.dispatcher, sys.stdin, sys.stdout)
        await adapter.run(interactive=sys.stdin.isatty())
    finally:
        await runtime.close()
    return 0


async def serve(settings: Settings, stop: asyncio.Event) -> None:
    """Run the configured chat adapters until `stop` is set."""
    logging.getLogger().setLevel(logging.INFO)  # a service: say what it does
    runtime = await open_runtime(settings)
    http = HttpServer(settings.http_port, health=lambda: database_answers(runtime.sessions))
    token = settings.metrics_token
    http.add_get(
        "/metrics",
        metrics_handler(
            lambda: runtime.dispatcher.metrics.render(runtime.sessions),
            token.get_secret_value() if token else None,
        ),
    )
    adapters: list[TelegramAdapter | SlackAdapter] = []
    background: Background | None = None
    # how long work a process claimed (deliveries, inbound commands) waits for it, once it
    # went silent, before another process takes it over; each adapter's start takes over the
    # commands an earlier process left unanswered ("recovered N commands" in the log), and
    # its stop hands back what it still holds
    lease = timedelta(seconds=settings.delivery_lease_seconds)
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
                    lease=lease,
                )
            )
        if settings.slack_bot_token is not None:
            app_token, signing = settings.slack_app_token, settings.slack_signing_secret
            adapters.append(
                SlackAdapter(
                    runtime.dispatcher,
                    bot_token=settings.slack_bot_token.get_secret_value(),
                    api_base_url=settings.slack_api_base_url,
                    command=settings.slack_command,
                    app_token=app_token.get_secret_value() if app_token else None,
                    signing_secret=signing.get_secret_value() if signing else None,
                    http=http,
                    lease=lease,
                )
            )
        load_languages(runtime.dispatcher.clock.now())
        await http.start()
        for adapter in adapters:
            try:
                await adapter.start()
            except Exception as error:
                raise StartupFailure(adapter.sender.platform) from error
        background = Background(runtime, {a.sender.platform: a.sender for a in adapters})
        background.start()
        log.info("jointops running: %s", ", ".join(a.__class__.__name__ for a in adapters))
        await stop.wait()
        log.info("stopping: no new updates; finishing what is in flight")
    finally:
        # stop accepting first (each adapter gives the commands it is running a moment, then
        # hands back the unanswered ones at once), then the deliveries: the batch in flight
        # gets a moment, the rest is handed back at once
        for adapter in reversed(adapters):
            try:
                await adapter.stop()
            except Exception as error:
                log.warning("adapter did not stop cleanly: %s", type(error).__name__)
        await http.stop()
        if background is not None:
            await background.stop()
        await runtime.close()


async def _run(settings: Settings) -> int:
    if not (settings.telegram_enabled or settings.slack_enabled):
        return await _console(settings)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    await serve(settings, stop)
    return 0


async def _sandbox(settings: Settings, port: int) -> int:
    """The real bot against fake platforms in this process, and the page that shows them."""
    from adapters.sandbox.serve import PortTaken, serve_sandbox  # the fakes: only when asked

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)

    def listening(url: str) -> None:
        print(
            f"jointops sandbox: starting at {url} (the demo, on a fresh temporary database)",
            flush=True,
        )

    def ready(url: str) -> None:
        print(
            f"jointops sandbox: open {url} (Ctrl-C stops it; nothing leaves this machine)",
            flush=True,
        )

    try:
        await serve_sandbox(settings, port, stop, listening=listening, ready=ready)
    except PortTaken as error:
        print(f"jointops: {error}", file=sys.stderr)
        return 2
    print("jointops sandbox: stopped")
    return 0


async def _demo(settings: Settings) -> int:
    runtime = await open_runtime(settings)
    try:
        await runtime.ensure_local_admin()
        result = await seed_demo(runtime.dispatcher, runtime.dispatcher.clock)
    finally:
        await runtime.close()
    print(result.message)
    if result.loaded:
        print(f"Try: {_console_command()}, then type: summary {DEMO_OPERATION}")
    return 0 if result.loaded else 1


def _console_command() -> str:
    """How to open the console from here, as typed: `jointops console` when `jointops` is on
    the PATH, else the script next to this Python (`.venv/bin/jointops console` from the
    checkout), else through the Python that runs this."""
    script = Path(sys.executable).parent / "jointops"
    found = shutil.which("jointops")
    if found is not None and (not script.exists() or Path(found).samefile(script)):
        return "jointops console"
    if script.exists():
        try:
            shown = str(script.relative_to(Path.cwd()))
        except ValueError:
            shown = str(script)
        return f"{shlex.quote(shown)} console"
    return f"{shlex.quote(sys.executable)} -m adapters.cli console"


async def _db_upgrade(settings: Settings) -> int:
    before, after = await upgrade_database(settings)
    print(f"database at revision {after}" + ("" if before == after else f" (was {before})"))
    return 0


def _audit(settings: Settings, action: str, anchor_text: str | None) -> int:
    anchor = None
    if anchor_text is not None:
        try:
            anchor = Anchor.parse(unmarked(anchor_text))  # as copied from an Arabic message
        except ValueError as error:
            print(f"jointops: --anchor: {error}", file=sys.stderr)
            return 2
    if action == "head":
        return asyncio.run(_audit_head(settings))
    return asyncio.run(_audit_verify(settings, anchor))


async def _audit_head(settings: Settings) -> int:
    runtime = await Runtime.open(settings, upgrade=False)
    try:
        print(await runtime.audit_head())
    finally:
        await runtime.close()
    return 0


ROWS_SHOWN = 50


async def _audit_verify(settings: Settings, anchor: Anchor | None) -> int:
    runtime = await Runtime.open(settings, upgrade=False)
    try:
        result = await runtime.verify_audit(anchor)
    finally:
        await runtime.close()
    if result.ok:
        extends = f"; it extends {anchor}" if anchor else ""
        print(f"audit chain intact: {result.checked} events, every row as recorded{extends}")
        return 0
    if result.reason == "anchor":
        print(
            f"audit chain does not extend the anchor {anchor}: event {result.broken_seq} "
            f"is missing or differs ({result.checked} events); truncated or rewritten",
            file=sys.stderr,
        )
    elif result.broken_seq is not None:
        print(
            f"audit chain broken at event {result.broken_seq} ({result.reason}); "
            f"{result.checked} events before it are intact",
            file=sys.stderr,
        )
    else:
        print(
            f"audit chain intact ({result.checked} events), but {len(result.rows)} rows differ "
            "from their last audit event:",
            file=sys.stderr,
        )
        for row in result.rows[:ROWS_SHOWN]:
            print(f"  {row.key} ({row.reason})", file=sys.stderr)
        if len(result.rows) > ROWS_SHOWN:
            print(f"  ... and {len(result.rows) - ROWS_SHOWN} more", file=sys.stderr)
    return 1


def _slack_manifest(command: str, http_url: str | None) -> int:
    print(
        json.dumps(
            manifest(REGISTRY, command=command, http_url=http_url), indent=2, ensure_ascii=False
        )
    )
    return 0


class _Redact(logging.Filter):
    """Replace secret values in every log record, whatever library logged them."""

    def __init__(self, secrets: list[str]) -> None:
        super().__init__()
        self.secrets = secrets

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if any(secret in message for secret in self.secrets):
            for secret in self.secrets:
                message = message.replace(secret, "***")
            record.msg, record.args = message, None
        return True


def _redact_secrets(settings: Settings) -> None:
    values = [
        secret.get_secret_value()
        for secret in (
            settings.telegram_bot_token,
            settings.telegram_webhook_secret,
            settings.slack_bot_token,
            settings.slack_app_token,
            settings.slack_signing_secret,
            settings.metrics_token,
        )
        if secret is not None and len(secret.get_secret_value()) >= 6
    ]
    if values:
        for handler in logging.getLogger().handlers:
            handler.addFilter(_Redact(values))


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `jointops` console script."""
    args = _parser().parse_args(argv)
    logging.basicConfig(
        level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    logging.getLogger("alembic").setLevel(logging.WARNING)
    # httpx logs every request URL at INFO, and Telegram's URLs carry the bot token
    logging.getLogger("httpx").setLevel(logging.WARNING)
    try:
        settings = load_settings()
    except SettingsError as exc:
        print(f"jointops: {exc}", file=sys.stderr)
        return 2
    _redact_secrets(settings)
    if args.command == "slack-manifest":
        return _slack_manifest(settings.slack_command, args.http_url)
    if args.command == "audit":
        return _audit(settings, args.action, args.anchor)
    if args.command == "sandbox" and not 0 <= args.port <= 65535:
        print("jointops: --port: a port number from 0 to 65535", file=sys.stderr)
        return 2
    commands = {
        "sandbox": lambda s: _sandbox(s, args.port),
        "run": _run,
        "console": _console,
        "demo": _demo,
        "db": _db_upgrade,
    }
    try:
        return asyncio.run(commands[args.command](settings))
    except KeyboardInterrupt:
        return 130
    except Exception as error:  # one line, exit 2; the traceback only when asked for
        if args.debug:
            log.error("start-up failed", exc_info=error)
        print(f"jointops: {explain(error, settings)}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
