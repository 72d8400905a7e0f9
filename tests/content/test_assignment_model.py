"""Assignment templates validate themselves; the library looks them up and recommends them."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from slackapp.content import (
    AssignmentTemplate,
    Competency,
    ContentLibrary,
    Question,
    QuestionSet,
    RubricLevel,
    Skill,
)

RUBRIC = (
    RubricLevel(1, "Not yet", "Nothing was handed over."),
    RubricLevel(2, "Developing", "Handed over, but authority unclear."),
    RubricLevel(3, "Proficient", "Handover note complete; the decision stood."),
    RubricLevel(4, "Role model", "As Proficient, and the next handover is planned."),
)


def template(
    template_id: str = "delegate-a-decision", competency_id: str = "delegating", **changes: object
) -> AssignmentTemplate:
    values: dict[str, object] = {
        "id": template_id,
        "title": "Delegate one decision you would normally make",
        "competency_id": competency_id,
        "skill_id": f"{competency_id}.clear-handover",
        "timebox_hours": 336,
        "effort_minutes": 45,
        "why": "Decisions that wait for you slow the team down.",
        "instructions": ("Pick a decision.", "Hand it over."),
        "deliverable": "Your handover note.",
        "success_criteria": ("The note names the decision.", "The decision stood."),
        "rubric": RUBRIC,
    }
    values.update(changes)
    return AssignmentTemplate(**values)  # type: ignore[arg-type]


def competency(competency_id: str) -> Competency:
    skill = Skill(f"{competency_id}.clear-handover", "Hand over clearly", "Agree the outcome.", ("States done.",))
    return Competency(competency_id, competency_id.replace("-", " ").capitalize(), "A summary.", (skill,))


def library(*templates: AssignmentTemplate, competencies: tuple[str, ...] = ("a", "b", "c", "d")) -> ContentLibrary:
    debrief = QuestionSet("debrief-general", "Peer debrief", (Question("noticed", "What did you notice?"),))
    return ContentLibrary(
        competencies=tuple(competency(cid) for cid in competencies),
        question_sets=(debrief,),
        assignments=templates,
    )


def test_templates_are_frozen_hashable_and_have_defaults() -> None:
    item = template()
    with pytest.raises(dataclasses.FrozenInstanceError):
        item.title = "Other"  # type: ignore[misc]
    assert hash(item) == hash(template()) and item == template()
    assert (item.debrief_set_id, item.tags) == (None, ())
    assert item.rubric_level(3) is RUBRIC[2]
    for bad in (0, 5, True):
        with pytest.raises(KeyError, match="has no rubric level"):
            item.rubric_level(bad)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        (
            {"id": "Delegate"},
            "AssignmentTemplate.id must be lowercase kebab-case, e.g. 'give-sbi-feedback' (got 'Delegate')",
        ),
        ({"title": "x" * 76}, "AssignmentTemplate.title is too long (76 characters; at most 75)"),
        (
            {"skill_id": "coaching-others.grow"},
            "AssignmentTemplate.skill_id must start with its competency id 'delegating.' (got 'coaching-others.grow')",
        ),
        ({"timebox_hours": 0}, "AssignmentTemplate.timebox_hours must be between 1 and 336 (got 0)"),
        ({"timebox_hours": 2.5}, "AssignmentTemplate.timebox_hours must be an int, got float"),
        ({"effort_minutes": 241}, "AssignmentTemplate.effort_minutes must be between 10 and 240 (got 241)"),
        (
            {"timebox_hours": 1, "effort_minutes": 61},
            "AssignmentTemplate.effort_minutes (61 minutes) must fit in the timebox (1 hour)",
        ),
        ({"why": "w" * 501}, "AssignmentTemplate.why is too long (501 characters; at most 500)"),
        ({"instructions": ["a", "b"]}, "AssignmentTemplate.instructions must be a tuple, got list"),
        ({"instructions": ("Only one.",)}, "AssignmentTemplate.instructions has 1 step; at least 2 needed"),
        ({"instructions": ("Same.", "Same.")}, "AssignmentTemplate.instructions has a duplicate: 'Same.'"),
        (
            {"success_criteria": tuple("abcdef")},
            "AssignmentTemplate.success_criteria has 6 criteria; at most 5 allowed",
        ),
        ({"rubric": RUBRIC[:3]}, "AssignmentTemplate.rubric has 3 levels; at least 4 needed"),
        (
            {"rubric": (RUBRIC[0], RUBRIC[2], RUBRIC[1], RUBRIC[3])},
            "AssignmentTemplate.rubric must list levels 1 to 4 in order (item 2 is level 3)",
        ),
        (
            {"rubric": (*RUBRIC[:3], RubricLevel(4, "Not yet", "Other."))},
            "AssignmentTemplate.rubric names has a duplicate: 'Not yet'",
        ),
        (
            {"rubric": (*RUBRIC[:3], "Role model")},
            "AssignmentTemplate.rubric must contain RubricLevel objects, got str",
        ),
        (
            {"debrief_set_id": "Debrief"},
            "AssignmentTemplate.debrief_set_id must be lowercase kebab-case, e.g. 'debrief-feedback' (got 'Debrief')",
        ),
        ({"tags": ("a", "a")}, "AssignmentTemplate.tags has a duplicate: 'a'"),
        (
            {"tags": ("One on one",)},
            "AssignmentTemplate.tags item must be lowercase kebab-case, e.g. 'one-on-one' (got 'One on one')",
        ),
    ],
)
def test_template_rejects_invalid_values(changes: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError) as caught:
        dataclasses.replace(template(), **changes)
    assert str(caught.value) == message


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ((0, "Not yet", "x"), "RubricLevel.level must be between 1 and 4 (got 0)"),
        ((1, "n" * 31, "x"), "RubricLevel.name is too long (31 characters; at most 30)"),
        ((1, "Not yet", ""), "RubricLevel.descriptor must not be empty"),
    ],
)
def test_rubric_level_rejects_invalid_values(values: tuple[Any, str, str], message: str) -> None:
    with pytest.raises(ValueError) as caught:
        RubricLevel(*values)
    assert str(caught.value) == message


def test_library_rejects_dangling_references_and_duplicates() -> None:
    with pytest.raises(ValueError, match="assignment 'delegate-a-decision' refers to unknown competency 'delegating'"):
        library(template())
    with pytest.raises(ValueError, match=r"assignment 'x' refers to unknown skill 'a\.nope'"):
        library(template("x", "a", skill_id="a.nope"))
    with pytest.raises(ValueError, match="assignment 'x' refers to unknown question set 'debrief-nope'"):
        library(template("x", "a", debrief_set_id="debrief-nope"))
    with pytest.raises(ValueError, match=r"ContentLibrary\.assignments has a duplicate id: 'x'"):
        library(template("x", "a"), template("x", "b"))
    with pytest.raises(ValueError, match=r"ContentLibrary\.assignments must be a tuple, got list"):
        ContentLibrary(assignments=[template()])  # type: ignore[arg-type]


def test_library_lookups() -> None:
    a1, b1, a2 = template("a1", "a"), template("b1", "b", debrief_set_id="debrief-general"), template("a2", "a")
    content = library(a1, b1, a2)
    assert content.assignments == (a1, b1, a2)
    assert content.assignment("b1") is b1
    assert content.has_assignment("a2") and not content.has_assignment("nope")
    assert content.assignments_for("a") == (a1, a2)
    assert content.assignments_for("c") == ()
    with pytest.raises(KeyError, match="unknown assignment 'nope'"):
        content.assignment("nope")
    with pytest.raises(KeyError, match="unknown competency 'nope'"):
        content.assignments_for("nope")


# -- recommend --------------------------------------------------------------------------------


@pytest.fixture
def content() -> ContentLibrary:
    # Competencies in the order a, b, c, d; templates listed in a different (file) order.
    ids = [("c1", "c"), ("a1", "a"), ("b1", "b"), ("a2", "a"), ("c2", "c"), ("b2", "b"), ("a3", "a"), ("d1", "d")]
    return library(*(template(tid, cid) for tid, cid in ids))


def recommended(
    content: ContentLibrary, focus: list[str], done: set[str] | tuple[str, ...] = (), limit: int = 5
) -> list[str]:
    return [t.id for t in content.recommend(focus_competency_ids=focus, done_template_ids=done, limit=limit)]


def test_recommend_puts_focus_competencies_first_in_the_order_given(content: ContentLibrary) -> None:
    assert recommended(content, ["b"], limit=8) == ["b1", "b2", "a1", "a2", "a3", "c1", "c2", "d1"]
    assert recommended(content, ["c", "a"], limit=8) == ["c1", "c2", "a1", "a2", "a3", "b1", "b2", "d1"]


def test_recommend_skips_done_templates(content: ContentLibrary) -> None:
    assert recommended(content, ["c", "a"], done={"c1", "a2", "b1"}) == ["c2", "a1", "a3", "b2", "d1"]


def test_recommend_fills_up_with_other_competencies_when_the_focus_is_done(content: ContentLibrary) -> None:
    assert recommended(content, ["b"], done={"b1", "b2"}, limit=3) == ["a1", "a2", "a3"]


def test_recommend_without_focus_follows_the_competency_order(content: ContentLibrary) -> None:
    assert recommended(content, []) == ["a1", "a2", "a3", "b1", "b2"]


def test_recommend_respects_the_limit(content: ContentLibrary) -> None:
    assert recommended(content, ["d"], limit=1) == ["d1"]
    assert recommended(content, ["d"], limit=0) == []
    assert len(recommended(content, [], limit=100)) == 8
    assert len(content.recommend(focus_competency_ids=["a"], done_template_ids=[])) == 5  # the default limit


def test_recommend_ignores_unknown_and_repeated_ids(content: ContentLibrary) -> None:
    assert recommended(content, ["retired", "b", "b", "a"], done={"gone", "a1"}) == ["b1", "b2", "a2", "a3", "c1"]


def test_recommend_returns_nothing_when_everything_is_done(content: ContentLibrary) -> None:
    every = {t.id for t in content.assignments}
    assert recommended(content, ["a"], done=every) == []


def test_recommend_is_deterministic_and_accepts_any_collections(content: ContentLibrary) -> None:
    first = content.recommend(focus_competency_ids=("c", "b"), done_template_ids=frozenset({"c2"}), limit=6)
    second = content.recommend(focus_competency_ids=["c", "b"], done_template_ids=["c2"], limit=6)
    assert first == second
    assert [t.id for t in first] == ["c1", "b1", "b2", "a1", "a2", "a3"]


def test_recommend_rejects_bad_arguments(content: ContentLibrary) -> None:
    with pytest.raises(ValueError, match="limit must be a whole number of at least 0"):
        content.recommend(focus_competency_ids=[], done_template_ids=[], limit=-1)
    with pytest.raises(TypeError, match="not a string"):
        content.recommend(focus_competency_ids="a", done_template_ids=[])


def test_recommend_on_an_empty_library() -> None:
    assert ContentLibrary().recommend(focus_competency_ids=["a"], done_template_ids=[]) == []
