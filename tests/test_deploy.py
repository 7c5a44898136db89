"""The deployment files the README points at exist and hold what the README says of them."""

from __future__ import annotations

import configparser
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _section(title: str) -> str:
    readme = (ROOT / "README.md").read_text()
    start = readme.index(f"## {title}\n")
    end = readme.find("\n## ", start + 1)
    return readme[start : end if end != -1 else None]


def test_every_file_the_replicas_section_names_exists() -> None:
    section = _section("Running several replicas")
    named = set(re.findall(r"`(deploy/[\w./-]+)`", section))
    assert {"deploy/jointops.service", "deploy/nginx.conf", "deploy/README.md"} <= named
    for path in named:
        assert (ROOT / path).is_file(), path


def test_the_unit_runs_one_replica_as_its_own_user_and_stops_it_with_sigterm() -> None:
    unit = configparser.ConfigParser(strict=False, interpolation=None)
    unit.optionxform = str  # type: ignore[assignment,method-assign]
    unit.read(ROOT / "deploy" / "jointops.service")
    service = unit["Service"]
    assert service["ExecStart"].endswith("jointops run")
    assert service["User"] == "jointops"
    assert service["EnvironmentFile"].startswith("/etc/jointops/")
    assert service["Restart"] == "on-failure"
    assert service["KillSignal"] == "SIGTERM"
    assert int(service["TimeoutStopSec"]) > 10  # jointops exits within 10 s of SIGTERM
    assert service["NoNewPrivileges"] == "yes"
    assert service["ProtectSystem"] == "strict"
    assert service["StateDirectory"] == "jointops"  # the one writable place


def test_nginx_forwards_the_webhooks_and_health_only() -> None:
    conf = (ROOT / "deploy" / "nginx.conf").read_text()
    blocks = re.split(r"\n\s*location ", conf)[1:]
    forwarded = {
        block.split()[1] for block in blocks if block.startswith("= ") and "proxy_pass" in block
    }
    assert forwarded == {"/telegram", "/slack/events", "/healthz"}
    assert "ssl_certificate " in conf and "upstream jointops" in conf
    assert "/metrics" not in forwarded
    assert re.search(r"location / \{\s*return 404;", conf)
