"""The `jointops` command as a user runs it: real processes on a real SQLite file."""

from __future__ import annotations

import os
import re
import shlex
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

JOINTOPS = [sys.executable, "-m", "adapters.cli"]
ROOT = Path(__file__).resolve().parents[2]


def run(
    tmp_path: Path, *args: str, stdin: str = "", **env: str
) -> subprocess.CompletedProcess[str]:
    environment = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("JOINTOPS_", "TELEGRAM_", "SLACK_"))
    }
    environment.update(
        PYTHONPATH=str(ROOT), JOINTOPS_DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path / 'j.db'}"
    )
    environment.update(env)
    return subprocess.run(
        [*JOINTOPS, *args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=environment,
        timeout=120,
        check=False,
    )


@pytest.fixture
def demo_db(tmp_path: Path) -> Path:
    result = run(tmp_path, "demo")
    assert result.returncode == 0, result.stderr
    assert "demo loaded" in result.stdout
    return tmp_path


def test_demo_then_console_script_reads_the_operation(demo_db: Path) -> None:
    result = run(
        demo_db,
        "console",
        stdin="summary PANGEA-DEMO\n# a comment\ntask list PANGEA-DEMO --overdue\n",
    )
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "> summary PANGEA-DEMO" in out
    assert "7 agencies" in out
    assert "Needs attention" in out
    assert "PANGEA-DEMO: 2 tasks" in out  # the two overdue ones
    assert "a comment" not in out


def test_demo_twice_says_it_is_already_loaded(demo_db: Path) -> None:
    result = run(demo_db, "demo")
    assert result.returncode == 0, result.stdout
    assert "demo already loaded: operation PANGEA-DEMO" in result.stdout
    assert "not loaded" not in result.stdout


def test_the_demo_suggests_a_console_command_that_works_as_typed(tmp_path: Path) -> None:
    first = run(tmp_path, "demo")
    [suggestion] = re.findall(r"Try: (.+ console), then type: (.+)$", first.stdout, re.M)
    command, line = suggestion
    assert command == "make console" or Path(shlex.split(command)[0]).is_file(), command
    if command != "make console":
        typed = subprocess.run(
            [*shlex.split(command)],
            input=f"{line}\n",
            capture_output=True,
            text=True,
            cwd=tmp_path,
            env={**os.environ, "JOINTOPS_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'j.db'}"},
            timeout=120,
            check=False,
        )
        assert typed.returncode == 0, typed.stderr
        assert "7 agencies" in typed.stdout


def test_run_without_tokens_is_the_console(tmp_path: Path) -> None:
    result = run(tmp_path, "run", stdin="whoami\nquit\nagency list\n")
    assert result.returncode == 0, result.stderr
    assert "Local administrator" in result.stdout
    assert "agencies" not in result.stdout  # nothing after quit


def test_new_user_runs_an_operation_from_the_prompt(tmp_path: Path) -> None:
    script = (
        "\n".join(
            [
                'agency add FR-OCLCTIC "OCLCTIC" --country FR --tz Europe/Paris --lang fr',
                'op new PANGEA-18 "Pharmacies" --lead FR-OCLCTIC',
                "op start PANGEA-18",
                'task add PANGEA-18 "Raid warehouse 4" --to FR-OCLCTIC --due "in 3d"',
                "task start PANGEA-18#1",
                "task done PANGEA-18#1",
                "summary PANGEA-18",
            ]
        )
        + "\n"
    )
    result = run(tmp_path, "console", stdin=script)
    assert result.returncode == 0, result.stderr
    assert "Error" not in result.stdout
    assert "Task PANGEA-18#1: in progress → done." in result.stdout
    assert "Tasks: 0 open, 0 in progress, 0 blocked, 1 done, 0 overdue" in result.stdout
    assert (tmp_path / "j.db").exists()


def test_db_upgrade_reports_the_revision(tmp_path: Path) -> None:
    first = run(tmp_path, "db", "upgrade")
    assert first.returncode == 0, first.stderr
    assert "database at revision" in first.stdout and "(was None)" in first.stdout
    again = run(tmp_path, "db", "upgrade")
    assert "(was" not in again.stdout


def test_audit_verify_passes_then_names_an_edited_event(demo_db: Path) -> None:
    intact = run(demo_db, "audit", "verify")
    assert intact.returncode == 0, intact.stderr
    assert "audit chain intact" in intact.stdout
    with sqlite3.connect(demo_db / "j.db") as conn:
        conn.execute('UPDATE audit_event SET details = \'{"title": "forged"}\' WHERE seq = 5')
    broken = run(demo_db, "audit", "verify")
    assert broken.returncode == 1
    assert "broken at event 5 (altered)" in broken.stderr


def test_audit_verify_names_a_deleted_event(demo_db: Path) -> None:
    with sqlite3.connect(demo_db / "j.db") as conn:
        conn.execute("DELETE FROM audit_event WHERE seq = 3")
    broken = run(demo_db, "audit", "verify")
    assert broken.returncode == 1
    assert "broken at event 3 (missing)" in broken.stderr


def head_of(db: Path) -> str:
    result = run(db, "audit", "head")
    assert result.returncode == 0, result.stderr
    head = result.stdout.strip()
    assert re.fullmatch(r"[0-9a-f]{64}:[0-9]+", head), head
    return head


def test_audit_head_is_an_anchor_that_verify_checks(demo_db: Path) -> None:
    head = head_of(demo_db)
    with sqlite3.connect(demo_db / "j.db") as conn:
        last = conn.execute(
            "SELECT hash, seq FROM audit_event ORDER BY seq DESC LIMIT 1"
        ).fetchone()
    assert head == f"{last[0]}:{last[1]}"
    result = run(demo_db, "audit", "verify", "--anchor", head)
    assert result.returncode == 0, result.stderr
    assert f"it extends {head}" in result.stdout
    assert "every row as recorded" in result.stdout


def test_a_status_text_rewritten_in_the_database_is_named(demo_db: Path) -> None:
    with sqlite3.connect(demo_db / "j.db") as conn:
        conn.execute("UPDATE status_update SET text = 'Nothing happened.' WHERE id = 1")
    broken = run(demo_db, "audit", "verify")
    assert broken.returncode == 1
    assert "1 rows differ from their last audit event" in broken.stderr
    assert "status_update:1 (altered)" in broken.stderr


def test_an_emptied_chain_with_its_head_reset_fails_the_anchor(demo_db: Path) -> None:
    head = head_of(demo_db)
    with sqlite3.connect(demo_db / "j.db") as conn:
        conn.execute("DELETE FROM audit_event")
        conn.execute("UPDATE audit_head SET seq = 0, hash = :h", {"h": "0" * 64})
    broken = run(demo_db, "audit", "verify", "--anchor", head)
    assert broken.returncode == 1
    assert f"audit chain does not extend the anchor {head}" in broken.stderr


def test_a_truncated_tail_with_the_head_moved_back_fails_the_anchor(demo_db: Path) -> None:
    head = head_of(demo_db)
    with sqlite3.connect(demo_db / "j.db") as conn:
        conn.execute("DELETE FROM audit_event WHERE seq > 10")
        conn.execute(
            "UPDATE audit_head SET seq = 10, hash = (SELECT hash FROM audit_event WHERE seq = 10)"
        )
    broken = run(demo_db, "audit", "verify", "--anchor", head)
    assert broken.returncode == 1
    assert "does not extend the anchor" in broken.stderr and "event 11" in broken.stderr


def test_a_malformed_anchor_is_refused_in_one_line(demo_db: Path) -> None:
    result = run(demo_db, "audit", "verify", "--anchor", "latest")
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "jointops: --anchor: an anchor is HASH:N, as `jointops audit head` prints it"
    )


def test_a_deleted_head_row_is_repaired_at_start_up(demo_db: Path) -> None:
    head = head_of(demo_db)
    with sqlite3.connect(demo_db / "j.db") as conn:
        conn.execute("DELETE FROM audit_head")
    result = run(demo_db, "console", stdin='agency add XX-NEW "New" --country FR --tz UTC\n')
    assert result.returncode == 0, result.stderr
    assert "Something went wrong" not in result.stdout
    assert "Agency XX-NEW added." in result.stdout
    assert f"audit head row was missing: rebuilt from the chain at {head}" in result.stderr
    verified = run(demo_db, "audit", "verify", "--anchor", head)
    assert verified.returncode == 0, verified.stderr


def test_bad_setting_names_the_variable_and_hides_secrets(tmp_path: Path) -> None:
    result = run(
        tmp_path,
        "console",
        JOINTOPS_TIMEZONE="Mars/Olympus",
        JOINTOPS_HTTP_PORT="eighty",
        TELEGRAM_BOT_TOKEN="123456:very-secret-token",
    )
    assert result.returncode == 2
    assert "JOINTOPS_TIMEZONE" in result.stderr
    assert "JOINTOPS_HTTP_PORT" in result.stderr
    assert "very-secret-token" not in result.stderr + result.stdout
    assert "Traceback" not in result.stderr
