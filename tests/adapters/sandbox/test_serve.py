"""`jointops sandbox` as a user runs it: it says where to look, serves on loopback only, stops
cleanly on Ctrl-C or SIGTERM, and a taken port is one clear line, never a traceback."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
from pathlib import Path

import aiohttp
import pytest

from adapters.cli import main
from adapters.sandbox.serve import _bind

ROOT = Path(__file__).resolve().parents[3]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_a_taken_port_is_one_line_naming_it_and_the_way_out(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert main(["sandbox", "--port", str(port)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert f"port {port} on 127.0.0.1 is already in use" in err and "--port N" in err


def test_a_port_out_of_range_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["sandbox", "--port", "70000"]) == 2
    assert "--port" in capsys.readouterr().err


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
async def test_it_serves_on_loopback_and_stops_cleanly_on_a_signal(signum: int) -> None:
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("JOINTOPS_", "TELEGRAM_"))}
    env = {k: v for k, v in env.items() if not k.startswith("SLACK_")}
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "adapters.cli",
        "sandbox",
        "--port",
        str(port),
        cwd=ROOT,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    assert process.stdout is not None and process.stderr is not None
    try:
        lines: list[str] = []
        async with asyncio.timeout(60):
            while not any("open http" in line for line in lines):
                line = (await process.stdout.readline()).decode()
                assert line, "the sandbox exited: " + (await process.stderr.read()).decode()
                lines.append(line)
        assert f"open http://127.0.0.1:{port}" in lines[-1]
        async with (
            aiohttp.ClientSession() as session,
            session.get(f"http://127.0.0.1:{port}/api/state") as answer,
        ):
            assert len((await answer.json())["panes"]) == 7
        try:  # loopback only: not on the machine's other addresses
            address = socket.gethostbyname(socket.gethostname())
        except OSError:
            address = "127.0.0.1"  # no other name to try
        if not address.startswith("127."):
            with socket.socket() as elsewhere:
                assert elsewhere.connect_ex((address, port)) != 0
        process.send_signal(signum)
        async with asyncio.timeout(20):
            out, err = await process.communicate()
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    assert process.returncode == 0, err.decode()
    assert "Traceback" not in err.decode(), err.decode()
    assert out.decode().rstrip().endswith("jointops sandbox: stopped")


def test_the_page_is_bound_to_loopback_only() -> None:
    sock = _bind(0)
    try:
        assert sock.getsockname()[0] == "127.0.0.1"
    finally:
        sock.close()
