"""``run_content_check`` prints what ``flowcoach content check`` shows and returns its exit code."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from slackapp.content import run_content_check

ONE_COMPETENCY = """\
kind: competencies
items:
  - id: delegating
    name: Delegating
    summary: Hand over work so that it develops people.
    skills:
      - id: delegating.clear-handover
        name: Hand over clearly
        description: Agree outcome, deadline and authority up front.
        indicators: [States what done looks like.]
"""


def test_valid_directory_prints_a_summary_and_returns_0(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "lib").mkdir()
    (tmp_path / "lib" / "competencies.yml").write_text(ONE_COMPETENCY, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    out = io.StringIO()
    assert run_content_check(Path("lib"), out) == 0
    assert out.getvalue() == (
        "content OK: 1 competency, 1 skill, 0 moments, 0 guides, 0 question sets, 0 assignments in lib\n"
    )


def test_invalid_directory_prints_one_line_per_problem_and_returns_1(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "lib").mkdir()
    (tmp_path / "lib" / "a.yml").write_text(
        ONE_COMPETENCY.replace("name: Delegating", "name:"), encoding="utf-8"
    )
    (tmp_path / "lib" / "b.yml").write_text("kind: tips\nitems: [x]\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    out = io.StringIO()
    assert run_content_check(Path("lib"), out) == 1
    assert out.getvalue().splitlines() == [
        "lib/a.yml:4: competency 'delegating': 'name' must not be empty",
        "lib/b.yml:1: unknown kind 'tips' (known kinds: assignments, competencies, guides, moments, question_sets)",
    ]


def test_missing_directory_returns_1(tmp_path: Path) -> None:
    out = io.StringIO()
    assert run_content_check(tmp_path / "missing", out) == 1
    assert out.getvalue() == f"{tmp_path / 'missing'}:0: content directory not found\n"
