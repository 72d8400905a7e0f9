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
    assert re.fullmatch(
        r"content OK: \d+ competencies, \d+ skills, \d+ moments, \d+ guides, \d+ question sets, "
        r"\d+ assignments in content\n",
        out.getvalue(),
    )


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


# -- moments, guides and question sets ---------------------------------------------------------


def test_every_moment_has_a_guide_and_its_own_reflection(library: ContentLibrary) -> None:
    assert len(library.moments) >= 7
    reflection_sets = [moment.reflection_set_id for moment in library.moments]
    assert len(set(reflection_sets)) == len(reflection_sets)
    for moment in library.moments:
        assert moment.prep_guide_id is not None and moment.reflection_set_id is not None, moment.id
        assert library.guide(moment.prep_guide_id).id == moment.prep_guide_id
        assert library.question_set(moment.reflection_set_id).id == moment.reflection_set_id
    assert library.question_set("general-reflection").questions


def test_guides_are_short_enough_to_read_in_two_minutes(library: ContentLibrary) -> None:
    for guide in library.guides:
        assert guide.reading_minutes <= 2, (guide.id, guide.word_count)
        assert 3 <= len(guide.checklist) <= 6, guide.id
        headings = [section.heading for section in guide.sections]
        assert headings[:3] == ["Before", "During", "After"], guide.id


def test_guides_are_written_to_the_standard(library: ContentLibrary) -> None:
    # content/README.md: the summary is one or two sentences; checklist items are sentences
    # starting with a capital letter; bodies are mrkdwn bullet lists.
    for guide in library.guides:
        sentences = re.findall(r"[.!?](?:\s|$)", guide.summary)
        assert 1 <= len(sentences) <= 2, guide.id
        for item in guide.checklist:  # each starts with a verb: at least not with a condition or article
            assert item[0].isupper() and item.endswith((".", "?", '?"')), item
            assert item.split()[0] not in {"If", "When", "The", "A", "An", "Your"}, item
        for section in guide.sections:
            assert all(line.startswith("• ") for line in section.body.splitlines()), (guide.id, section.heading)
    cliches = ("synergy", "circle back", "touch base", "low-hanging fruit", "guys", "rockstar", "ninja")
    text = " ".join(
        " ".join((guide.summary, *guide.checklist, *(section.body for section in guide.sections)))
        for guide in library.guides
    ).lower()
    assert not [phrase for phrase in cliches if phrase in text]


def test_reflection_sets_are_short_questions(library: ContentLibrary) -> None:
    for question_set in library.question_sets:
        assert 2 <= len(question_set.questions) <= 4, question_set.id
        assert question_set.questions[0].required, question_set.id
        for question in question_set.questions:
            assert question.text.endswith("?"), question.text
    interview = library.question_set("interview-reflection")
    assert {question.id for question in interview.questions} >= {"evidence", "bias-check"}


def test_readme_examples_are_valid_content(tmp_path: Path) -> None:
    # The README's examples of the new kinds load (with the shipped competencies), so the
    # documentation cannot drift from the schema.
    readme = (CONTENT / "README.md").read_text(encoding="utf-8")
    examples = re.findall(r"```yaml\n(.*?)```", readme, flags=re.DOTALL)
    kinds = {re.match(r"kind: (\w+)", example).group(1): example for example in examples}  # type: ignore[union-attr]
    assert set(kinds) == {"competencies", "question_sets", "guides", "moments", "assignments"}
    (tmp_path / "competencies.yml").write_text(
        (CONTENT / "competencies.yml").read_text(encoding="utf-8"), encoding="utf-8"
    )
    for kind in ("question_sets", "guides", "moments", "assignments"):
        (tmp_path / f"{kind}.yml").write_text(kinds[kind], encoding="utf-8")
    example = load_content(tmp_path)
    assert example.classify(title="Catch-up with Sam", attendee_count=2) is example.moment("one-on-one")
    assert example.classify(title="Interview 1:1") is None
    template = example.assignment("give-sbi-feedback")
    assert [level.name for level in template.rubric] == ["Not yet", "Developing", "Proficient", "Role model"]
    assert example.question_set(template.debrief_set_id or "").title == "Peer debrief: feedback"
