"""Why `jointops` could not start, in one line: what failed and what to check, no traceback."""

from __future__ import annotations

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from bot.config import Settings

DATABASE, TELEGRAM, SLACK = "database", "telegram", "slack"


class StartupFailure(Exception):
    """Start-up stopped at `part` (the database or a platform); the cause is chained."""

    def __init__(self, part: str) -> None:
        super().__init__(part)
        self.part = part


def _database(settings: Settings) -> str:
    """The database URL without its password."""
    try:
        return make_url(settings.database_url).render_as_string(hide_password=True)
    except ArgumentError:
        return repr(settings.database_url)


def _reason(error: BaseException | None) -> str:
    """The innermost cause's first line: what actually went wrong."""
    seen: list[BaseException] = []
    while error is not None and error not in seen:
        seen.append(error)
        error = error.__cause__ or error.__context__
    if not seen:
        return "unknown error"
    inner = seen[-1]
    text = str(inner).splitlines()[0].strip() if str(inner).strip() else ""
    return f"{type(inner).__name__}: {text}" if text else type(inner).__name__


def explain(error: BaseException, settings: Settings) -> str:
    """One line naming the problem and the setting to check."""
    if isinstance(error, StartupFailure):
        reason = _reason(error.__cause__)
        if error.part == DATABASE:
            if isinstance(error.__cause__, ArgumentError):
                return f"JOINTOPS_DATABASE_URL is not a database URL ({reason})"
            if settings.database_url.startswith("sqlite"):
                return (
                    f"cannot open the SQLite database {_database(settings)} ({reason}); "
                    "JOINTOPS_DATABASE_URL must name a writable file, not a directory"
                )
            return (
                f"cannot open the database {_database(settings)} ({reason}); "
                "check JOINTOPS_DATABASE_URL and that the database is running and reachable"
            )
        if error.part == TELEGRAM:
            return (
                f"cannot start Telegram at {settings.telegram_api_base_url} ({reason}); "
                "check TELEGRAM_BOT_TOKEN, TELEGRAM_API_BASE_URL and the network"
            )
        if error.part == SLACK:
            return (
                f"cannot start Slack at {settings.slack_api_base_url} ({reason}); "
                "check SLACK_BOT_TOKEN, SLACK_APP_TOKEN or SLACK_SIGNING_SECRET, and the network"
            )
    return f"stopped: {_reason(error)} (run with --debug for the details)"
