"""The `flowcoach` command as an operator meets it: help, start-up problems as one clear line each,
content checks, database upgrades, keys, and the real `flowcoach serve` process end to end."""

from __future__ import annotations

import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import requests
from cryptography.fernet import Fernet

from slackapp.cli import main
from slackapp.db.models import Base
from slackapp.emulator.sender import SlackSender
from slackapp.emulator.web_api import FakeSlack
from tests.conftest import BOT_TOKEN, REPO, SIGNING_SECRET

FLOWCOACH = Path(sys.executable).parent / "flowcoach"
SUBCOMMANDS = [["serve"], ["worker"], ["cron"], ["demo"], ["content"], ["content", "check"], ["db"],
               ["db", "upgrade"], ["secret-key"]]
BROKEN_COMPETENCIES = """\
kind: competencies
items:
  - id: delegating
    name: Delegating
    summary: Hand over work so that it develops people.
    colour: blue
    skills:
      - id: delegating.clear-handover
        name: Hand over clearly
        description: Agree outcome, deadline and authority up front.
        indicators: [States what done looks like.]
"""
UNKNOWN_KEY_PROBLEM = "competency 'delegating' has unknown key 'colour' (allowed: id, name, summary, skills, related)"


# ---- helpers ---------------------------------------------------------------------------------------------


def run_main(argv: Sequence[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    try:
        code = main(list(argv))
    except SystemExit as exc:  # argparse's --help and usage errors
        code = exc.code if isinstance(exc.code, int) else 1
    out, err = capsys.readouterr()
    return code, out, err


def clean_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    """Only PATH and HOME, plus what the test passes: nothing leaks in from CI (DATABASE_URL, REDIS_URL…)."""
    return {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(tmp_path), **extra}


def flowcoach(
    args: Sequence[str], env: dict[str, str], cwd: Path, timeout: float = 30
) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(FLOWCOACH), *args], env=env, cwd=cwd, capture_output=True, text=True,
                          timeout=timeout, check=False)


def flowcoach_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("flowcoach: ")]


def broken_content(tmp_path: Path) -> Path:
    directory = tmp_path / "broken-content"
    directory.mkdir()
    (directory / "competencies.yml").write_text(BROKEN_COMPETENCIES, encoding="utf-8")
    return directory


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def serve_env(tmp_path: Path, fake: FakeSlack, **overrides: str) -> dict[str, str]:
    settings = {"SLACK_SIGNING_SECRET": SIGNING_SECRET, "SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_API_URL": fake.url,
                "DATABASE_URL": f"sqlite:///{tmp_path / 'flowcoach.db'}",
                "FLOWCOACH_CONTENT_DIR": str(REPO / "content")}
    return clean_env(tmp_path, **{**settings, **overrides})


# ---- help ----------------------------------------------------------------------------------------------


def test_top_level_help_lists_every_command(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_main(["--help"], capsys)
    assert code == 0
    assert out.startswith("usage: flowcoach")
    for command in ("serve", "worker", "cron", "demo", "content", "db", "secret-key"):
        assert command in out


@pytest.mark.parametrize("argv", SUBCOMMANDS, ids=" ".join)
def test_every_subcommand_has_help(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_main([*argv, "--help"], capsys)
    assert code == 0, err
    assert out.startswith(f"usage: flowcoach {' '.join(argv)}")
    assert err == ""


def test_a_missing_command_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_main([], capsys)
    assert code == 2 and out == ""
    assert err.startswith("usage: flowcoach") and "required" in err


def test_the_console_script_is_installed(tmp_path: Path) -> None:
    assert FLOWCOACH.is_file() and os.access(FLOWCOACH, os.X_OK), f"{FLOWCOACH} is not installed"
    result = flowcoach(["--help"], clean_env(tmp_path), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("usage: flowcoach") and "secret-key" in result.stdout


# ---- start-up problems ---------------------------------------------------------------------------------


def test_serve_without_settings_says_what_is_missing(tmp_path: Path) -> None:
    result = flowcoach(["serve"], clean_env(tmp_path), cwd=tmp_path)
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        "flowcoach: SLACK_SIGNING_SECRET is not set (Basic Information → App Credentials)",
        "flowcoach: set SLACK_BOT_TOKEN (one workspace) or SLACK_CLIENT_ID/SLACK_CLIENT_SECRET (OAuth)",
    ]
    assert not (tmp_path / "var").exists()  # nothing was created before the settings were valid


def test_serve_with_invalid_settings_prints_one_line_per_problem(tmp_path: Path) -> None:
    env = clean_env(tmp_path, SLACK_SIGNING_SECRET="s", SLACK_BOT_TOKEN="xoxp-a-user-token",
                    SLACK_API_URL="ftp://slack.example", DATABASE_URL="mysql://db/flowcoach", PORT="eighty",
                    REDIS_URL="localhost:6379", SLACK_CLIENT_ID="1.2", FLOWCOACH_ADMINS="maria")
    result = flowcoach(["serve"], env, cwd=tmp_path)
    assert result.returncode == 2
    lines = result.stderr.splitlines()
    assert lines == flowcoach_lines(result.stderr)  # every line is a `flowcoach: ...` line
    assert "Traceback" not in result.stderr
    expected = ["SLACK_BOT_TOKEN must be a bot token", "SLACK_CLIENT_ID and SLACK_CLIENT_SECRET must be set together",
                "SLACK_API_URL must be an http(s) URL", "DATABASE_URL must be a sqlite:/// or postgresql:// URL",
                "REDIS_URL must start with", "FLOWCOACH_SECRET_KEY is required with SLACK_CLIENT_ID",
                "'maria' is not a Slack user id", "PORT must be a whole number"]
    assert len(lines) == len(expected)
    for fragment in expected:
        assert sum(fragment in line for line in lines) == 1, fragment


@pytest.mark.parametrize("command", ["worker", "cron"])
def test_worker_and_cron_need_redis(command: str, tmp_path: Path) -> None:
    result = flowcoach([command], clean_env(tmp_path), cwd=tmp_path)
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        "flowcoach: REDIS_URL is not set; without it `flowcoach serve` runs the worker and dispatcher "
        "itself (embedded queue)"
    ]


def test_serve_refuses_to_start_with_broken_content(tmp_path: Path, fake_slack: FakeSlack) -> None:
    broken = broken_content(tmp_path)
    env = serve_env(tmp_path, fake_slack, FLOWCOACH_CONTENT_DIR=str(broken), PORT=str(free_port()))
    result = flowcoach(["serve"], env, cwd=tmp_path, timeout=30)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    problems = [line for line in result.stderr.splitlines() if line.startswith(f"{broken}/competencies.yml:")]
    assert problems == [f"{broken}/competencies.yml:6: {UNKNOWN_KEY_PROBLEM}"], result.stderr
    assert flowcoach_lines(result.stderr) == [f"flowcoach: refusing to start: 1 problem(s) in {broken}"]
    assert fake_slack.calls == []  # it stopped before talking to Slack


@pytest.mark.parametrize("problem", ["token_revoked", "invalid_auth"])
def test_serve_exits_when_slack_rejects_the_token(problem: str, tmp_path: Path, fake_slack: FakeSlack) -> None:
    if problem == "token_revoked":
        fake_slack.revoke_token(BOT_TOKEN)
        env = serve_env(tmp_path, fake_slack, PORT=str(free_port()))
    else:
        env = serve_env(tmp_path, fake_slack, PORT=str(free_port()), SLACK_BOT_TOKEN="xoxb-unknown-to-slack")
    result = flowcoach(["serve"], env, cwd=tmp_path, timeout=30)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert flowcoach_lines(result.stderr) == [
        f"flowcoach: Slack rejected SLACK_BOT_TOKEN ({problem}); check the token and SLACK_API_URL"
    ]
    assert [c.error for c in fake_slack.calls_to("auth.test")] == [problem]


def test_serve_exits_when_slack_is_unreachable(tmp_path: Path, fake_slack: FakeSlack) -> None:
    nowhere = f"http://127.0.0.1:{free_port()}/api/"
    env = serve_env(tmp_path, fake_slack, PORT=str(free_port()), SLACK_API_URL=nowhere)
    result = flowcoach(["serve"], env, cwd=tmp_path, timeout=60)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert flowcoach_lines(result.stderr) == [f"flowcoach: could not reach Slack at {nowhere} (URLError)"]


# ---- content, database, keys --------------------------------------------------------------------------


def test_content_check_reports_problems_with_file_and_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    broken = broken_content(tmp_path)
    code, out, _ = run_main(["content", "check", str(broken)], capsys)
    assert code == 1
    assert out.splitlines() == [f"{broken}/competencies.yml:6: {UNKNOWN_KEY_PROBLEM}"]


def test_content_check_accepts_the_shipped_library(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(REPO)
    code, out, _ = run_main(["content", "check", "content"], capsys)
    assert code == 0
    assert out.startswith("content OK: ") and " competencies, " in out and out.rstrip().endswith(" in content")


def test_content_check_defaults_to_the_configured_directory(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FLOWCOACH_CONTENT_DIR", str(broken_content(tmp_path)))
    code, out, _ = run_main(["content", "check"], capsys)
    assert code == 1 and "unknown key 'colour'" in out


def test_db_upgrade_creates_the_schema_and_is_idempotent(tmp_path: Path) -> None:
    database = tmp_path / "data" / "fresh.db"
    env = clean_env(tmp_path, DATABASE_URL=f"sqlite:///{database}")
    for _ in range(2):
        result = flowcoach(["db", "upgrade"], env, cwd=tmp_path)
        assert result.returncode == 0, result.stderr
        assert result.stdout == "database is at the latest schema\n"
    with sqlite3.connect(database) as connection:
        tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        versions = connection.execute("SELECT version_num FROM alembic_version").fetchall()
    assert {table.name for table in Base.metadata.sorted_tables} <= tables
    assert "deliveries" in tables and len(versions) == 1


def test_secret_key_prints_a_fresh_fernet_key(capsys: pytest.CaptureFixture[str]) -> None:
    keys = []
    for _ in range(2):
        code, out, _ = run_main(["secret-key"], capsys)
        assert code == 0
        keys.append(out.strip())
        assert out == keys[-1] + "\n"
    assert keys[0] != keys[1]
    for key in keys:
        fernet = Fernet(key.encode())
        assert fernet.decrypt(fernet.encrypt(b"xoxb-secret")) == b"xoxb-secret"


# ---- the real server process ---------------------------------------------------------------------------


def working_hours_zone(now: datetime) -> str | None:
    """A zone where ``now`` is well inside Mon–Fri 09:00–17:30 (most margin first), or None (e.g. weekends)."""
    best: tuple[float, str] | None = None
    for offset in range(-12, 15):
        name = "UTC" if offset == 0 else f"Etc/GMT{'-' if offset > 0 else '+'}{abs(offset)}"  # POSIX signs
        local = now.astimezone(ZoneInfo(name))
        minutes = local.hour * 60 + local.minute
        if local.weekday() < 5 and 9 * 60 + 5 <= minutes <= 17 * 60:
            margin = min(minutes - 9 * 60, 17 * 60 + 30 - minutes)
            if best is None or margin > best[0]:
                best = (margin, name)
    return best[1] if best else None


@pytest.fixture
def serve_process(tmp_path: Path, fake_slack: FakeSlack) -> Iterator[tuple[subprocess.Popen[str], str, Path]]:
    port = free_port()
    database = tmp_path / "serve.db"
    env = serve_env(tmp_path, fake_slack, PORT=str(port), DATABASE_URL=f"sqlite:///{database}",
                    FLOWCOACH_DISPATCH_INTERVAL="1")
    assert "REDIS_URL" not in env
    log = (tmp_path / "serve.log").open("w")
    process = subprocess.Popen([str(FLOWCOACH), "serve", "--host", "127.0.0.1"], env=env, cwd=tmp_path,
                               stdout=log, stderr=subprocess.STDOUT, text=True)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 20
        while True:
            assert process.poll() is None, (tmp_path / "serve.log").read_text()
            try:
                if requests.get(url + "/healthz", timeout=1).status_code == 200:
                    break
            except requests.ConnectionError:
                pass
            log_text = (tmp_path / "serve.log").read_text()
            assert time.monotonic() < deadline, "no healthy /healthz within 20 s:\n" + log_text
            time.sleep(0.1)
        yield process, url, database
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=10)
        log.close()


def welcome_row(database: Path, user_id: str) -> tuple[str, str | None] | None:
    with sqlite3.connect(database) as connection:
        row = connection.execute("SELECT state, last_reason FROM deliveries WHERE key = ?",
                                 (f"welcome:T0001:{user_id}",)).fetchone()
    return None if row is None else (str(row[0]), row[1])


def test_flowcoach_serve_end_to_end(
    serve_process: tuple[subprocess.Popen[str], str, Path], fake_slack: FakeSlack, tmp_path: Path,
) -> None:
    process, url, database = serve_process
    zone = working_hours_zone(datetime.now(UTC))
    fake_slack.add_user("UNEWBIE", name="nia", real_name="Nia", tz=zone or "Europe/London", email="nia@example.com")
    slack = SlackSender(app_url=url, signing_secret=SIGNING_SECRET, team_id="T0001",
                        response_url_base=fake_slack.response_url(""))
    # Started against the configured Web API, with the configured token.
    assert [c.token for c in fake_slack.calls_to("auth.test")] == [BOT_TOKEN]

    started = time.monotonic()
    reply = slack.command("help", user_id="UNEWBIE")
    assert reply.status == 200 and time.monotonic() - started < 3
    assert "/coach help" in json.dumps(reply.json()["blocks"])

    assert slack.app_home_opened("UNEWBIE").status == 200
    publish = fake_slack.wait_for("views.publish", timeout=5)[0]
    assert publish.ok and publish.args["user_id"] == "UNEWBIE" and publish.args["view"]["type"] == "home"
    assert fake_slack.home_view("UNEWBIE") is not None

    if zone is not None:  # inside the person's working hours: the embedded queue sends the welcome now
        dm = fake_slack.dm_channel("UNEWBIE")
        sent = fake_slack.wait_for("chat.postMessage", timeout=15,
                                   predicate=lambda c: c.args.get("channel") in (dm, "UNEWBIE"))[0]
        assert sent.ok
        messages = fake_slack.messages(dm)
        assert len(messages) == 1 and "Would you like me to coach you?" in json.dumps(messages[0]["blocks"])
        deadline = time.monotonic() + 5
        while (row := welcome_row(database, "UNEWBIE")) is None or row[0] != "sent":
            assert time.monotonic() < deadline, row
            time.sleep(0.1)
    else:  # no zone has working hours right now (a weekend): the welcome waits in the outbox, with a reason
        deadline = time.monotonic() + 15
        while (row := welcome_row(database, "UNEWBIE")) is None or row[1] is None:
            assert time.monotonic() < deadline, row
            time.sleep(0.2)
        assert row == ("scheduled", "outside the person's working hours")
        assert fake_slack.calls_to("chat.postMessage") == []
    assert fake_slack.validation_errors == [] and fake_slack.internal_errors == []

    process.send_signal(signal.SIGTERM)
    started = time.monotonic()
    process.wait(timeout=10)
    assert time.monotonic() - started < 10
    assert process.returncode == 0  # SIGTERM leaves the serving loop and stops the embedded queue cleanly
    assert "Traceback" not in (tmp_path / "serve.log").read_text()
