"""The starter library in ``content/`` loads, passes the check and meets the authoring standard."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest

from slackapp.content import ContentLibrary, load_content, run_content_check

CONTENT = Path(__file__).resolve().parents[2] / "content"

# Ids that other content and code refer to: renaming one is a breaking change.
STABLE_COMPETENCY_IDS = {
    "running-one-on-ones",
    "giving-feedback",
    "coaching-others",
    "delegating",
    "setting-direction",
    "leading-through-change",
    "difficult-conversations",
    "building-inclusive-teams",
    "decision-making",
    "developing-people",
}


@pytest.fixture(scope="module")
def library() -> ContentLibrary:
    return load_content(CONTENT)


def test_shipped_content_passes_the_check(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(CONTENT.parent)
    out = io.StringIO()
    assert run_content_check(Path("content"), out) == 0, out.getvalue()
    assert re.fullmatch(r"content OK: \d+ competencies, \d+ skills in content\n", out.getvalue())


def test_competency_model_shape(library: ContentLibrary) -> None:
    assert len(library.competencies) >= 8
    assert {competency.id for competency in library.competencies} >= STABLE_COMPETENCY_IDS
    for competency in library.competencies:
        assert 3 <= len(competency.skills) <= 5, competency.id
        for skill in competency.skills:
            assert 2 <= len(skill.indicators) <= 4, skill.id
            assert skill.competency_id == competency.id


def test_skill_ids_look_like_the_documented_example(library: ContentLibrary) -> None:
    assert library.skill("giving-feedback.sbi").name == "Use Situation-Behaviour-Impact"
    assert library.competency_of("giving-feedback.sbi").id == "giving-feedback"


def test_related_competencies_are_listed_for_every_competency(library: ContentLibrary) -> None:
    for competency in library.competencies:
        assert competency.related, competency.id
        assert all(library.has_competency(other) for other in competency.related)


def test_indicators_are_written_as_observable_sentences(library: ContentLibrary) -> None:
    # Authoring standard (content/README.md): each indicator is one sentence starting with a
    # verb in the third person ("Asks...", "Writes...") and ending with a full stop.
    indicators = [indicator for skill in library.skills for indicator in skill.indicators]
    assert len(indicators) == len(set(indicators))
    for indicator in indicators:
        assert indicator[0].isupper() and indicator.endswith("."), indicator
        first_word = indicator.split()[0]
        assert first_word.endswith("s"), indicator
