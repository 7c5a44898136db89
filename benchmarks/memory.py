"""Memory: the peak resident set (VmHWM) of a real `jointops run` process serving Telegram
(pointed at a FakeTelegram in this process) on a SQLite file pre-filled with an operation of
100,000 tasks (quick: 10,000) and one linked Telegram group per agency, after it answered a
`summary` and fanned a `status` out to every agency. Compared with its resident set when it
had just started and was idle.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import time
from datetime import timedelta
from pathlib import Path

from adapters.sandbox.fakes.telegram import FakeTelegram
from benchmarks.common import (
    TELEGRAM_TOKEN,
    Result,
    Row,
    Sizes,
    add_admin,
    bulk_tasks,
    link_channels,
    open_stack,
    seed_operation,
    sqlite_url,
    temp_dir,
)

ROOT = Path(__file__).resolve().parents[1]
ADMIN_CHAT = 77
CODE = "MEM-1"


def status_kb(pid: int) -> dict[str, int]:
    """VmRSS, VmHWM... of a process, in kB, from /proc/<pid>/status."""
    values: dict[str, int] = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, rest = line.partition(":")
        parts = rest.split()
        if name.startswith("Vm") and len(parts) == 2 and parts[1] == "kB":
            values[name] = int(parts[0])
    return values


def command() -> list[str]:
    script = Path(sys.executable).with_name("jointops")
    return (
        [str(script), "run"] if script.exists() else [sys.executable, "-m", "adapters.cli", "run"]
    )


async def seed(url: str, sizes: Sizes) -> int:
    """The operation, its linked groups and tasks, and a Telegram admin; returns the groups."""
    async with open_stack(url) as stack:
        seeded = await seed_operation(stack, CODE, sizes.memory_agencies)
        await link_channels(
            stack,
            [
                (a, "telegram", "telegram", str(-3_000_000 - i))
                for i, a in enumerate(seeded.agency_ids)
            ],
        )
        now = stack.dispatcher.clock.now()
        # open tasks due beyond the reminders' horizon: the bot's first sweep finds nothing to
        # send, so the fan-out measured is the status alone (see the sweep backlog figures)
        await bulk_tasks(
            stack, seeded, sizes.memory_tasks, due=lambda n: now + timedelta(days=2, hours=n % 8000)
        )
        await add_admin(stack, "telegram", "telegram", str(ADMIN_CHAT), "Mem")
        return len(seeded.agency_ids)


async def run(sizes: Sizes) -> Result:
    result = Result("memory")
    with temp_dir("memory") as tmp:
        await _run(sizes, tmp, result)
    return result


async def _run(sizes: Sizes, tmp: Path, result: Result) -> None:
    url = sqlite_url(tmp / "jointops.db")
    groups = await seed(url, sizes)
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("JOINTOPS_", "TELEGRAM_", "SLACK_"))
    }
    log_path = tmp / "jointops.log"
    async with FakeTelegram(token=TELEGRAM_TOKEN, enforce_rate_limits=True) as tg:
        env.update(
            PYTHONPATH=str(ROOT),
            JOINTOPS_DATABASE_URL=url,
            JOINTOPS_HTTP_PORT="0",
            TELEGRAM_BOT_TOKEN=TELEGRAM_TOKEN,
            TELEGRAM_API_BASE_URL=tg.base_url,
        )
        with log_path.open("wb") as log:
            process = await asyncio.create_subprocess_exec(
                *command(),
                env=env,
                cwd=tmp,
                stdin=asyncio.subprocess.DEVNULL,
                stdout=log,
                stderr=log,
            )
            try:
                await tg.wait_for_calls("setMyCommands", timeout=60)
                await tg.wait_for_calls("deleteWebhook", timeout=30)
                await asyncio.sleep(0.5)
                idle = status_kb(process.pid)["VmRSS"]
                tg.push_command(ADMIN_CHAT, ADMIN_CHAT, f"/summary {CODE}", chat_type="private")
                summary = await tg.wait_for_messages(1, chat_id=ADMIN_CHAT, timeout=60)
                if CODE not in (summary[0].plain_text or ""):
                    raise RuntimeError(f"no summary: {summary[0].plain_text!r}")
                started = time.monotonic()
                tg.push_command(
                    ADMIN_CHAT, ADMIN_CHAT, f'/status {CODE} "Memory check"', chat_type="private"
                )
                await tg.wait_for_messages(1 + 1 + groups, timeout=120)
                fanned = time.monotonic() - started
                peak = status_kb(process.pid)
            finally:
                if process.returncode is None:
                    process.send_signal(signal.SIGTERM)
                try:
                    await asyncio.wait_for(process.wait(), 30)
                except TimeoutError:
                    process.kill()
                    await process.wait()
        if process.returncode != 0:
            raise RuntimeError(
                f"jointops run exited {process.returncode}:\n{log_path.read_text()[-2000:]}"
            )
        tg.assert_no_violations()
    hwm_mb, idle_mb = peak["VmHWM"] / 1024, idle / 1024
    result.figures.update(
        rss_mb=round(hwm_mb, 1),
        rss_idle_mb=round(idle_mb, 1),
        rss_tasks=sizes.memory_tasks,
        rss_fanout_s=round(fanned, 2),
    )
    result.rows.append(
        Row(
            "Memory (jointops run, Telegram)",
            f"peak RSS, {sizes.memory_tasks:,} tasks, summary + fan-out to {groups} groups",
            f"{hwm_mb:.0f} MB",
            f"{idle_mb:.0f} MB (idle after start)",
            hwm_mb / idle_mb,
            "< 200 MB",
            hwm_mb < 200,
        )
    )
