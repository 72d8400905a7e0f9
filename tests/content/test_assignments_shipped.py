"""The shipped micro-assignment library covers every competency and meets the writing standard."""

from __future__ import annotations

import io
import re
from collections import Counter
from pathlib import Path

import pytest

from slackapp.content import ContentLibrary, load_content, run_content_check

CONTENT = Path(__file__).resolve().parents[2] / "content"

RUBRIC_NAMES = ["Not yet", "Developing", "Proficient", "Role model"]

# Titles the issue names as examples; other code and the demo may rely on these ids.
ISSUE_EXAMPLES = {
    "report-sets-the-one-on-one-agenda": "Run your next 1:1 with the report setting the agenda",
    "give-sbi-feedback": "Give one piece of SBI feedback and note the response",
    "delegate-a-decision": "Delegate one decision you would normally make",
}

# Words each reviewer reads differently; rubric descriptors name what is in the deliverable instead.
VAGUE_WORDS = re.compile(r"\b(good|great|effective|strong|excellent|appropriate|clear|clearly|well)\b", re.IGNORECASE)


@pytest.fixture(scope="module")
def library() -> ContentLibrary:
    return load_content(CONTENT)


def test_the_check_counts_the_assignments(library: ContentLibrary, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(CONTENT.parent)
    out = io.StringIO()
    assert run_content_check(Path("content"), out) == 0, out.getvalue()
    assert f", {len(library.assignments)} assignments in content\n" in out.getvalue()


def test_at_least_24_templates_covering_every_competency(library: ContentLibrary) -> None:
    assert len(library.assignments) >= 24
    for competency in library.competencies:
        templates = library.assignments_for(competency.id)
        assert len(templates) >= 2, competency.id
        # Practice is spread over the competency's skills, not one skill over and over.
        assert len({template.skill_id for template in templates}) >= 2, competency.id
        assert all(template.skill_id in {skill.id for skill in competency.skills} for template in templates)


def test_one_file_per_competency(library: ContentLibrary) -> None:
    files = sorted(path.stem for path in (CONTENT / "assignments").glob("*.yml"))
    assert files == sorted(competency.id for competency in library.competencies)
    for competency in library.competencies:
        text = (CONTENT / "assignments" / f"{competency.id}.yml").read_text(encoding="utf-8")
        assert set(re.findall(r"^    competency_id: (\S+)$", text, flags=re.MULTILINE)) == {competency.id}


def test_the_issue_examples_are_in_the_library(library: ContentLibrary) -> None:
    for template_id, title in ISSUE_EXAMPLES.items():
        assert library.assignment(template_id).title == title


def test_titles_are_unique_imperative_sentences(library: ContentLibrary) -> None:
    titles = [template.title for template in library.assignments]
    assert len(set(titles)) == len(titles)
    for title in titles:
        assert title[0].isupper() and not title.endswith((".", "!", "?")), title
        assert title.split()[0] not in {"A", "An", "The", "How", "Why", "Your", "Practice", "Practise"}, title


def test_rubrics_follow_the_convention(library: ContentLibrary) -> None:
    for template in library.assignments:
        assert [level.name for level in template.rubric] == RUBRIC_NAMES, template.id
        assert [level.level for level in template.rubric] == [1, 2, 3, 4], template.id
        assert template.rubric[3].descriptor.startswith("As Proficient, and "), template.id
        for level in template.rubric:
            unquoted = re.sub(r'"[^"]*"', "", level.descriptor)
            assert not VAGUE_WORDS.search(unquoted), (template.id, level.level, level.descriptor)
            assert level.descriptor.endswith("."), (template.id, level.level)


def test_texts_are_full_sentences(library: ContentLibrary) -> None:
    for template in library.assignments:
        assert template.why.endswith(".") and template.deliverable.endswith("."), template.id
        for text in (*template.instructions, *template.success_criteria):
            assert text[0].isupper() and text.rstrip('"').endswith((".", "?")), (template.id, text)


def test_templates_are_micro(library: ContentLibrary) -> None:
    for template in library.assignments:
        assert template.effort_minutes <= 120, template.id  # doable between other work
        assert template.effort_minutes <= template.timebox_hours * 60, template.id
        assert 2 <= len(template.instructions) <= 5, template.id


def test_every_template_has_a_peer_debrief(library: ContentLibrary) -> None:
    used = Counter(template.debrief_set_id for template in library.assignments)
    assert None not in used
    debrief_sets = [qs for qs in library.question_sets if qs.id.startswith("debrief-")]
    assert len(debrief_sets) >= 3
    assert set(used) <= {qs.id for qs in debrief_sets}  # assignments never reuse a private reflection
    for question_set in debrief_sets:
        assert question_set.id in used, f"{question_set.id} is not used by any assignment"
        assert 2 <= len(question_set.questions) <= 3, question_set.id
        for question in question_set.questions:
            # Peers answer about the learner: "they", never "you did" / "your report".
            assert not re.search(r"\b(your report|did you|you did)\b", question.text, re.IGNORECASE), question.text
            assert len(question.text) <= 110, question.text  # a two-minute prompt


def test_tags_are_shared_vocabulary(library: ContentLibrary) -> None:
    tags = Counter(tag for template in library.assignments for tag in template.tags)
    assert all(template.tags for template in library.assignments)
    assert tags.most_common(1)[0][1] >= 3  # tags group templates; they are not per-template labels


def test_recommend_on_the_shipped_library(library: ContentLibrary) -> None:
    picked = library.recommend(focus_competency_ids=["delegating"], done_template_ids={"delegate-a-decision"}, limit=5)
    assert [template.competency_id for template in picked[:2]] == ["delegating", "delegating"]
    assert "delegate-a-decision" not in {template.id for template in picked}
    assert picked[2:] == list(library.assignments_for("running-one-on-ones")[:3])  # the first competency
