"""`jointops run` given a bad start-up input: one line naming the problem, exit status 2, no
traceback (the real process, as an operator starts it)."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from tests.adapters.test_cli import run


def _closed_port() -> int:
    """A local port nothing listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.mark.parametrize(
    ("env", "said"),
    [
        (
            {"JOINTOPS_DATABASE_URL": "postgresql+asyncpg://postgres:s3cr3t@127.0.0.1:{port}/x"},
            "cannot open the database postgresql+asyncpg://postgres:***@127.0.0.1:",
        ),
        ({"JOINTOPS_DATABASE_URL": "postgres://nowhere"}, "JOINTOPS_DATABASE_URL"),
        ({"JOINTOPS_DATABASE_URL": "sqlite+aiosqlite:///{tmp}"}, "not a directory"),
        (
            {
                "TELEGRAM_BOT_TOKEN": "123456:TEST-TOKEN",
                "TELEGRAM_API_BASE_URL": "http://127.0.0.1:{port}/bot",
            },
            "cannot start Telegram at http://127.0.0.1:",
        ),
        (
            {
                "SLACK_BOT_TOKEN": "xoxb-test",
                "SLACK_APP_TOKEN": "xapp-test",
                "SLACK_API_BASE_URL": "http://127.0.0.1:{port}/api/",
            },
            "cannot start Slack at http://127.0.0.1:",
        ),
    ],
    ids=["postgres-down", "malformed-url", "directory-as-sqlite", "telegram-down", "slack-down"],
)
def test_a_bad_start_up_input_is_one_line_and_exit_2(
    tmp_path: Path, env: dict[str, str], said: str
) -> None:
    values = {k: v.format(port=_closed_port(), tmp=tmp_path) for k, v in env.items()}
    done = run(tmp_path, "run", JOINTOPS_HTTP_PORT="0", **values)
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr + done.stdout
    problems = [line for line in done.stderr.splitlines() if line.startswith("jointops:")]
    assert len(problems) == 1 and said in problems[0], done.stderr
    assert "s3cr3t" not in done.stderr + done.stdout
    assert not [line for line in done.stderr.splitlines() if line.startswith(" ")]


def test_debug_shows_the_traceback(tmp_path: Path) -> None:
    url = f"postgresql+asyncpg://postgres@127.0.0.1:{_closed_port()}/x"
    done = run(tmp_path, "--debug", "run", JOINTOPS_DATABASE_URL=url)
    assert done.returncode == 2
    assert "Traceback" in done.stderr
