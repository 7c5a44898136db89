"""`jointops run` as a service: a real subprocess against the fake Telegram and Slack."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
from pathlib import Path

from tests.fakes.slack import FakeSlack
from tests.fakes.telegram import FakeTelegram

ROOT = Path(__file__).resolve().parents[2]


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("JOINTOPS_", "TELEGRAM_", "SLACK_"))
    }
    env.update(
        PYTHONPATH=str(ROOT),
        JOINTOPS_DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path / 'j.db'}",
        JOINTOPS_HTTP_PORT="0",
    )
    env.update(extra)
    return env


async def _start(tmp_path: Path, **extra: str) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "adapters.cli",
        "run",
        env=_env(tmp_path, **extra),
        cwd=tmp_path,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        stdin=asyncio.subprocess.DEVNULL,
    )


async def _stop(process: asyncio.subprocess.Process) -> str:
    if process.returncode is None:
        process.send_signal(signal.SIGTERM)
    _, stderr = await asyncio.wait_for(process.communicate(), timeout=30)
    assert process.returncode == 0, stderr.decode()
    return stderr.decode()


async def test_run_serves_telegram_and_never_logs_the_token(tmp_path: Path) -> None:
    token = "987654:SECRET-TOKEN-VALUE"
    async with FakeTelegram(token=token) as tg:
        process = await _start(
            tmp_path, TELEGRAM_BOT_TOKEN=token, TELEGRAM_API_BASE_URL=tg.base_url
        )
        try:
            await tg.wait_for_calls("setMyCommands", timeout=30)
            tg.push_command(7, 7, "/help", chat_type="private", first_name="Ann")
            sent = await tg.wait_for_messages(1, chat_id=7, timeout=30)
            assert "jointops commands" in (sent[0].plain_text or "")
            assert {c["command"] for c in tg.commands} >= {"task", "op", "summary"}
        finally:
            logs = await _stop(process)
        tg.assert_no_violations()
    assert "SECRET-TOKEN-VALUE" not in logs
    assert "TelegramAdapter" in logs


async def test_run_serves_slack_in_socket_mode(tmp_path: Path) -> None:
    async with FakeSlack() as slack:
        slack.add_user("U1", name="ann", real_name="Ann", tz="UTC")
        slack.add_channel("C1", name="hq")
        process = await _start(
            tmp_path,
            SLACK_BOT_TOKEN=slack.bot_token,
            SLACK_APP_TOKEN=slack.app_token,
            SLACK_API_BASE_URL=slack.api_url,
        )
        try:
            await slack.wait_socket_connected(timeout=30)
            await slack.send_slash_command("U1", "C1", "/ops", "help")
            messages = await slack.wait_for_messages(1, channel="C1", timeout=30)
            assert messages[0].response_type == "ephemeral"
            assert "jointops commands" in (messages[0].text or "")
        finally:
            logs = await _stop(process)
        slack.assert_no_violations()
    assert slack.bot_token not in logs and slack.app_token not in logs


async def test_slack_manifest_comes_from_the_registry(tmp_path: Path) -> None:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "adapters.cli",
        "slack-manifest",
        "--http-url",
        "https://bot.example.org/slack/events",
        env=_env(tmp_path, SLACK_COMMAND="/jops"),
        cwd=tmp_path,
        stdout=asyncio.subprocess.PIPE,
    )
    out, _ = await process.communicate()
    data = json.loads(out)
    slash = data["features"]["slash_commands"][0]
    assert slash["command"] == "/jops" and slash["url"] == "https://bot.example.org/slack/events"
    assert data["settings"]["socket_mode_enabled"] is False
    assert "/jops task add CODE" in data["display_information"]["long_description"]
    assert "commands" in data["oauth_config"]["scopes"]["bot"]
