"""`jointops run` as a service: a real subprocess against the fake Telegram and Slack."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import sys
from pathlib import Path

import aiohttp

from adapters.sandbox.fakes.slack import FakeSlack
from adapters.sandbox.fakes.telegram import FakeTelegram

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


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


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
    port = _free_port()
    async with FakeTelegram(token=token) as tg:
        process = await _start(
            tmp_path,
            TELEGRAM_BOT_TOKEN=token,
            TELEGRAM_API_BASE_URL=tg.base_url,
            JOINTOPS_HTTP_PORT=str(port),
        )
        try:
            await tg.wait_for_calls("setMyCommands", timeout=30)
            tg.push_command(7, 7, "/help", chat_type="private", first_name="Ann")
            sent = await tg.wait_for_messages(1, chat_id=7, timeout=30)
            assert "jointops commands" in (sent[0].plain_text or "")
            assert {c["command"] for c in tg.commands} >= {"task", "op", "summary"}
            async with aiohttp.ClientSession() as client:
                async with client.get(f"http://127.0.0.1:{port}/healthz") as health:
                    assert health.status == 200
                async with client.get(f"http://127.0.0.1:{port}/metrics") as metrics:
                    figures = await metrics.text()
            assert 'jointops_commands_total{platform="telegram",outcome="info"} 1' in figures
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


async def _seed_hundred_chats(url: str) -> None:
    """OP-100 with four agencies and 100 linked Telegram groups; Tina (admin) in chat 1."""
    from bot.config import Settings
    from bot.runtime import Runtime
    from tests.conftest import Chat

    runtime = await Runtime.open(Settings(database_url=url))
    try:
        await runtime.ensure_local_admin()
        chat = Chat(runtime.dispatcher)
        admin = chat.person("admin", "Local administrator")
        for i in range(4):
            await admin.says(f'agency add AG{i} "Agency {i}" --country FR --tz Europe/Paris')
        await admin.says('op new OP-100 "A hundred chats" --lead AG0')
        for i in range(1, 4):
            await admin.says(f"op join OP-100 AG{i}")
        tina = chat.person("1", "Tina", platform="telegram", workspace="telegram", chat_id="1")
        await tina.joins_with_invite_from(admin, "AG0", "admin")
        for n in range(100):
            tina.chat_id = str(-1000 - n)
            out = await tina.says(f"link AG{n % 4}")
            assert "now receives" in out, out
    finally:
        await runtime.close()


async def test_killed_in_the_middle_of_a_fan_out_every_chat_gets_the_update(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'j.db'}"
    await _seed_hundred_chats(url)
    token = "987654:KILL-TEST"
    env = dict(TELEGRAM_BOT_TOKEN=token, JOINTOPS_DELIVERY_LEASE_SECONDS="2")
    async with FakeTelegram(token=token, enforce_rate_limits=True) as tg:
        env["TELEGRAM_API_BASE_URL"] = tg.base_url
        first = await _start(tmp_path, **env)
        try:
            await tg.wait_for_calls("setMyCommands", timeout=30)
            tg.push_command(
                1, 1, '/status OP-100 "Phase 2 started"', chat_type="private", first_name="Tina"
            )
            await tg.wait_for_messages(31, timeout=60)  # the reply, then 30 of the 100
        finally:
            first.kill()  # SIGKILL: no clean shutdown, rows left claimed mid fan-out
            await first.wait()
        at_kill = {m.chat_id for m in tg.sent_messages() if m.chat_id < 0}
        assert 0 < len(at_kill) < 100
        second = await _start(tmp_path, **env)
        try:
            for _ in range(600):
                groups = {m.chat_id for m in tg.sent_messages() if m.chat_id < 0}
                if len(groups) == 100:
                    break
                await asyncio.sleep(0.1)
        finally:
            await _stop(second)
        tg.assert_no_violations()
    counts: dict[int, int] = {}
    for message in tg.sent_messages():
        if message.chat_id < 0:
            assert "Phase 2 started" in (message.plain_text or "")
            counts[message.chat_id] = counts.get(message.chat_id, 0) + 1
    assert set(counts) == {-1000 - n for n in range(100)}  # every chat, none lost
    assert sum(counts.values()) - 100 <= 10  # at most the sends in flight at the kill repeat
    assert tg.count_429 == 0


async def test_run_asks_for_the_metrics_token_when_one_is_set(tmp_path: Path) -> None:
    token, bearer = "987654:METRICS-TEST", "metrics-bearer-0123456789"
    port = _free_port()
    async with FakeTelegram(token=token) as tg:
        process = await _start(
            tmp_path,
            TELEGRAM_BOT_TOKEN=token,
            TELEGRAM_API_BASE_URL=tg.base_url,
            JOINTOPS_HTTP_PORT=str(port),
            JOINTOPS_METRICS_TOKEN=bearer,
        )
        try:
            await tg.wait_for_calls("setMyCommands", timeout=30)
            base = f"http://127.0.0.1:{port}"
            async with aiohttp.ClientSession() as client:
                async with client.get(f"{base}/healthz") as health:
                    assert (health.status, await health.text()) == (200, "ok")
                async with client.get(f"{base}/metrics") as refused:
                    assert refused.status == 401  # even on loopback
                auth = {"Authorization": f"Bearer {bearer}"}
                async with client.get(f"{base}/metrics", headers=auth) as metrics:
                    assert metrics.status == 200
                    assert "jointops_deliveries" in await metrics.text()
        finally:
            logs = await _stop(process)
    assert bearer not in logs


async def test_sigterm_in_the_middle_of_a_fan_out_hands_the_rest_over_at_once(
    tmp_path: Path,
) -> None:
    """A clean stop mid fan-out exits 0 and leaves no lease behind: with leases of 10 minutes,
    the next start still finishes the fan-out straight away."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'j.db'}"
    await _seed_hundred_chats(url)
    token = "987654:TERM-TEST"
    env = dict(TELEGRAM_BOT_TOKEN=token, JOINTOPS_DELIVERY_LEASE_SECONDS="600")
    async with FakeTelegram(token=token, enforce_rate_limits=True) as tg:
        env["TELEGRAM_API_BASE_URL"] = tg.base_url
        first = await _start(tmp_path, **env)
        await tg.wait_for_calls("setMyCommands", timeout=30)
        tg.push_command(
            1, 1, '/status OP-100 "Phase 2 started"', chat_type="private", first_name="Tina"
        )
        await tg.wait_for_messages(31, timeout=60)
        log = await _stop(first)  # SIGTERM; exit status 0
        assert "Traceback" not in log
        at_stop = {m.chat_id for m in tg.sent_messages() if m.chat_id < 0}
        assert 0 < len(at_stop) < 100
        second = await _start(tmp_path, **env)
        try:
            for _ in range(600):
                groups = {m.chat_id for m in tg.sent_messages() if m.chat_id < 0}
                if len(groups) == 100:
                    break
                await asyncio.sleep(0.1)
        finally:
            await _stop(second)
        tg.assert_no_violations()
    groups = {m.chat_id for m in tg.sent_messages() if m.chat_id < 0}
    assert groups == {-1000 - n for n in range(100)}  # taken over at once, none lost


async def test_sigterm_hands_back_an_unanswered_command_and_the_next_start_answers_it(
    tmp_path: Path,
) -> None:
    """A command Telegram was told we received, still running at SIGTERM (waiting on a slow
    platform call), is handed back at once: with leases of 10 minutes, the next start still
    answers it straight away, once."""
    token = "987654:INBOX-TEST"
    env = dict(TELEGRAM_BOT_TOKEN=token, JOINTOPS_DELIVERY_LEASE_SECONDS="600")
    async with FakeTelegram(token=token) as tg:
        env["TELEGRAM_API_BASE_URL"] = tg.base_url
        first = await _start(tmp_path, **env)
        await tg.wait_for_calls("setMyCommands", timeout=30)
        # /whoami in a group is answered in private: the bot first probes the private chat
        tg.inject_fault("sendChatAction", "slow", delay=60, times=None)
        tg.push_command(-1001, 7, "/whoami", chat_type="group", first_name="Ann", title="HQ")
        await tg.wait_for_calls("sendChatAction", timeout=30)
        log = await _stop(first)  # SIGTERM while the command waits; exit status 0
        assert "Traceback" not in log
        assert "1 telegram commands handed back" in log
        assert tg.sent_messages() == [] and tg.pending_updates == []
        tg.clear_faults()
        second = await _start(tmp_path, **env)
        try:
            told = await tg.wait_for_messages(1, chat_id=-1001, timeout=30)
        finally:
            log = await _stop(second)
        tg.assert_no_violations()
    assert "recovered 1 commands" in log
    assert "I answer this in private only." in (told[0].plain_text or "")
    assert len(tg.sent_messages()) == 1
