"""Question sets, guides and moment rules validate themselves; the library looks them up."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from slackapp.content import (
    Competency,
    ContentLibrary,
    Guide,
    GuideSection,
    MomentRule,
    Question,
    QuestionSet,
    Skill,
)


def question(question_id: str = "what-went-well", **changes: object) -> Question:
    values: dict[str, object] = {"id": question_id, "text": "What went well?"}
    values.update(changes)
    return Question(**values)  # type: ignore[arg-type]


def question_set(set_id: str = "one-on-one-reflection", **changes: object) -> QuestionSet:
    values: dict[str, object] = {
        "id": set_id,
        "title": "Reflect on your 1:1",
        "questions": (question(), question("next-time", text="What will you do next time?")),
    }
    values.update(changes)
    return QuestionSet(**values)  # type: ignore[arg-type]


def guide(guide_id: str = "one-on-one", **changes: object) -> Guide:
    values: dict[str, object] = {
        "id": guide_id,
        "title": "Running a 1:1",
        "summary": "Let your report set the agenda.",
        "checklist": ("Re-read your notes.", "Open the agenda.", "Close chat."),
        "sections": (GuideSection("During", "• Ask about blockers.\n• Agree next steps."),),
        "competency_ids": ("delegating",),
    }
    values.update(changes)
    return Guide(**values)  # type: ignore[arg-type]


def moment(moment_id: str = "one-on-one", **changes: object) -> MomentRule:
    values: dict[str, object] = {
        "id": moment_id,
        "name": "1:1",
        "title_patterns": (r"\b1:1\b",),
        "prep_guide_id": "one-on-one",
        "reflection_set_id": "one-on-one-reflection",
    }
    values.update(changes)
    return MomentRule(**values)  # type: ignore[arg-type]


def competency() -> Competency:
    skill = Skill("delegating.clear-handover", "Hand over clearly", "Agree the outcome.", ("States done.",))
    return Competency("delegating", "Delegating", "Hand over work.", (skill,))


def test_defaults_and_frozen_values() -> None:
    assert question() == Question("what-went-well", "What went well?", "", False)
    rule = moment()
    assert (rule.prep_lead_minutes, rule.reflect_delay_minutes, rule.priority) == (15, 10, 0)
    assert (rule.min_attendees, rule.max_attendees, rule.organizer_only, rule.offer_debrief) == (
        None,
        None,
        False,
        False,
    )
    with pytest.raises(dataclasses.FrozenInstanceError):
        rule.priority = 3  # type: ignore[misc]
    assert hash(guide()) == hash(guide()) and hash(question_set()) == hash(question_set())


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        (
            {"id": "What_Went_Well"},
            "Question.id must be lowercase kebab-case, e.g. 'what-went-well' (got 'What_Went_Well')",
        ),
        ({"text": "x" * 151}, "Question.text is too long (151 characters; at most 150)"),
        ({"hint": " padded"}, "Question.hint must not start or end with whitespace"),
        ({"hint": "h" * 151}, "Question.hint is too long (151 characters; at most 150)"),
        ({"required": "yes"}, "Question.required must be a bool, got str"),
    ],
)
def test_question_rejects_invalid_values(changes: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError) as caught:
        dataclasses.replace(question(), **changes)
    assert str(caught.value) == message


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"title": "Reflect on your one-on-one"}, "QuestionSet.title is too long (26 characters; at most 24)"),
        ({"questions": ()}, "QuestionSet.questions has 0 questions; at least 1 needed"),
        (
            {"questions": tuple(question(f"q{n}") for n in range(6))},
            "QuestionSet.questions has 6 questions; at most 5 allowed",
        ),
        ({"questions": [question()]}, "QuestionSet.questions must be a tuple, got list"),
        ({"questions": ("What went well?",)}, "QuestionSet.questions must contain Question objects, got str"),
        ({"questions": (question(), question())}, "QuestionSet.questions has a duplicate: 'what-went-well'"),
    ],
)
def test_question_set_rejects_invalid_values(changes: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError) as caught:
        dataclasses.replace(question_set(), **changes)
    assert str(caught.value) == message


def test_question_set_lookup() -> None:
    assert question_set().question("next-time").text == "What will you do next time?"
    with pytest.raises(KeyError, match="question set 'one-on-one-reflection' has no question 'nope'"):
        question_set().question("nope")


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"title": "t" * 61}, "Guide.title is too long (61 characters; at most 60)"),
        ({"checklist": ("One.", "Two.")}, "Guide.checklist has 2 items; at least 3 needed"),
        ({"checklist": tuple(f"Step {n}." for n in range(7))}, "Guide.checklist has 7 items; at most 6 allowed"),
        ({"checklist": ("One.", "Two.", "x" * 201)}, "Guide.checklist item is too long (201 characters; at most 200)"),
        ({"checklist": ("One.", "Two.", "One.")}, "Guide.checklist has a duplicate: 'One.'"),
        ({"sections": ()}, "Guide.sections has 0 sections; at least 1 needed"),
        ({"sections": (GuideSection("A", "b"),) * 7}, "Guide.sections has 7 sections; at most 6 allowed"),
        ({"competency_ids": ()}, "Guide.competency_ids must not be empty"),
        (
            {"competency_ids": ("Delegating",)},
            "Guide.competency_ids item must be lowercase kebab-case, e.g. 'giving-feedback' (got 'Delegating')",
        ),
    ],
)
def test_guide_rejects_invalid_values(changes: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError) as caught:
        dataclasses.replace(guide(), **changes)
    assert str(caught.value) == message


def test_guide_section_body_may_span_lines_but_is_trimmed_and_limited() -> None:
    assert GuideSection("During", "• One\n• Two").body == "• One\n• Two"
    with pytest.raises(ValueError, match=r"^GuideSection\.body must not start or end with blank lines or whitespace$"):
        GuideSection("During", "• One\n")
    with pytest.raises(ValueError, match=r"^GuideSection.body is too long \(2501 characters; at most 2500\)$"):
        GuideSection("During", "x" * 2501)


def test_guide_reading_time() -> None:
    short = guide()
    # summary 6, checklist 3 + 3 + 2, heading 1, body 6 (the bullets are not words)
    assert short.word_count == 21 and short.reading_minutes == 1
    long = guide(sections=(GuideSection("Everything", " ".join(["word"] * 500)),))
    assert long.reading_minutes == 3


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"title_patterns": ()}, "MomentRule.title_patterns must not be empty"),
        ({"title_patterns": [r"\b1:1\b"]}, "MomentRule.title_patterns must be a tuple, got list"),
        (
            {"title_patterns": ("(1:1",)},
            "MomentRule.title_patterns: pattern is not a valid regular expression: "
            "missing ), unterminated subpattern at position 0",
        ),
        (
            {"exclude_patterns": ("(a+)+",)},
            "MomentRule.exclude_patterns: pattern has nested quantifiers (a repeated group that itself contains "
            "a repeat, like '(a+)+'), which can make matching extremely slow; rewrite it without the outer repeat",
        ),
        ({"description_patterns": ("kit", "kit")}, "MomentRule.description_patterns has a duplicate: 'kit'"),
        ({"min_attendees": 0}, "MomentRule.min_attendees must be between 1 and 1000 (got 0)"),
        (
            {"min_attendees": 3, "max_attendees": 2},
            "MomentRule.max_attendees (2) must not be less than min_attendees (3)",
        ),
        ({"max_attendees": True}, "MomentRule.max_attendees must be an int, got bool"),
        ({"prep_lead_minutes": 4}, "MomentRule.prep_lead_minutes must be between 5 and 1440 (got 4)"),
        ({"prep_lead_minutes": 1441}, "MomentRule.prep_lead_minutes must be between 5 and 1440 (got 1441)"),
        ({"reflect_delay_minutes": -1}, "MomentRule.reflect_delay_minutes must be between 0 and 1440 (got -1)"),
        ({"priority": 1.5}, "MomentRule.priority must be an int, got float"),
        ({"organizer_only": 1}, "MomentRule.organizer_only must be a bool, got int"),
        (
            {"prep_guide_id": "One On One"},
            "MomentRule.prep_guide_id must be lowercase kebab-case, e.g. 'one-on-one' (got 'One On One')",
        ),
    ],
)
def test_moment_rule_rejects_invalid_values(changes: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError) as caught:
        dataclasses.replace(moment(), **changes)
    assert str(caught.value) == message


def test_library_lookups_and_counts() -> None:
    library = ContentLibrary(
        competencies=(competency(),), question_sets=(question_set(),), guides=(guide(),), moments=(moment(),)
    )
    assert library.moment("one-on-one") is library.moments[0]
    assert library.guide("one-on-one") is library.guides[0]
    assert library.question_set("one-on-one-reflection") is library.question_sets[0]
    for lookup, message in (
        (library.moment, "unknown moment 'nope'"),
        (library.guide, "unknown guide 'nope'"),
        (library.question_set, "unknown question set 'nope'"),
    ):
        with pytest.raises(KeyError, match=message):
            lookup("nope")


def library_values(**changes: object) -> dict[str, Any]:
    values: dict[str, Any] = {
        "competencies": (competency(),),
        "question_sets": (question_set(),),
        "guides": (guide(),),
        "moments": (moment(),),
    }
    values.update(changes)
    return values


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"moments": (moment(), moment())}, "ContentLibrary.moments has a duplicate id: 'one-on-one'"),
        ({"guides": (guide(), guide())}, "ContentLibrary.guides has a duplicate id: 'one-on-one'"),
        ({"question_sets": [question_set()]}, "ContentLibrary.question_sets must be a tuple, got list"),
        ({"moments": (guide(),)}, "ContentLibrary.moments must contain MomentRule objects, got Guide"),
        ({"competencies": ()}, "guide 'one-on-one' refers to unknown competency 'delegating'"),
        ({"guides": ()}, "moment 'one-on-one' refers to unknown guide 'one-on-one'"),
        ({"question_sets": ()}, "moment 'one-on-one' refers to unknown question set 'one-on-one-reflection'"),
    ],
)
def test_library_rejects_duplicates_and_dangling_references(changes: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError) as caught:
        ContentLibrary(**library_values(**changes))
    assert str(caught.value) == message


def test_a_moment_may_send_nothing() -> None:
    silent = moment(prep_guide_id=None, reflection_set_id=None)
    library = ContentLibrary(**library_values(moments=(silent,), guides=(), question_sets=()))
    assert library.classify(title="1:1") is silent
