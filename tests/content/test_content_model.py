"""The value objects validate themselves and the library looks things up by id."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from slackapp.content import Competency, ContentError, ContentLibrary, ContentProblem, Skill


def skill(skill_id: str = "delegating.clear-handover", **changes: object) -> Skill:
    values: dict[str, object] = {
        "id": skill_id,
        "name": "Hand over clearly",
        "description": "Agree outcome, deadline and authority up front.",
        "indicators": ("States what done looks like.", "Says which decisions are theirs."),
    }
    values.update(changes)
    return Skill(**values)  # type: ignore[arg-type]


def competency(competency_id: str = "delegating", **changes: object) -> Competency:
    values: dict[str, object] = {
        "id": competency_id,
        "name": "Delegating",
        "summary": "Hand over work so that it develops people.",
        "skills": (skill(f"{competency_id}.clear-handover"),),
    }
    values.update(changes)
    return Competency(**values)  # type: ignore[arg-type]


def test_value_objects_are_frozen_and_hashable() -> None:
    item = competency()
    with pytest.raises(dataclasses.FrozenInstanceError):
        item.name = "Other"  # type: ignore[misc]
    assert hash(item) == hash(competency())
    assert item == competency()
    assert item.skills[0].competency_id == "delegating"


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"name": ""}, "Skill.name must not be empty"),
        ({"name": " padded"}, "Skill.name must not start or end with whitespace"),
        ({"name": "x" * 76}, "Skill.name is too long (76 characters; at most 75)"),
        ({"description": 3}, "Skill.description must be a string, got int"),
        ({"indicators": ["a list"]}, "Skill.indicators must be a tuple, got list"),
        ({"indicators": ()}, "Skill.indicators must not be empty"),
        ({"indicators": ("same", "same")}, "Skill.indicators has a duplicate: 'same'"),
    ],
)
def test_skill_rejects_invalid_values(changes: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError) as caught:
        dataclasses.replace(skill(), **changes)
    assert str(caught.value) == message


def test_skill_rejects_an_id_without_a_competency_prefix() -> None:
    with pytest.raises(ValueError, match=r"^Skill.id must be the competency id, a dot"):
        skill("clear-handover")


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        (
            {"id": "Delegating"},
            "Competency.id must be lowercase kebab-case, e.g. 'giving-feedback' (got 'Delegating')",
        ),
        ({"skills": ()}, "Competency.skills must not be empty"),
        (
            {"skills": (skill("coaching.x"),)},
            "Competency.skills: skill id must start with its competency id 'delegating.' (got 'coaching.x')",
        ),
        (
            {"skills": (skill(), skill())},
            "Competency.skills has a duplicate: 'delegating.clear-handover'",
        ),
        (
            {"related": ("delegating",)},
            "Competency.related must not list the competency itself ('delegating')",
        ),
        ({"related": ("a", "a")}, "Competency.related has a duplicate: 'a'"),
    ],
)
def test_competency_rejects_invalid_values(changes: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError) as caught:
        dataclasses.replace(competency(), **changes)
    assert str(caught.value) == message


def test_library_lookups() -> None:
    delegating = competency()
    coaching = competency("coaching-others", related=("delegating",))
    library = ContentLibrary(competencies=(delegating, coaching))
    assert library.competency("coaching-others") is coaching
    assert library.skill("delegating.clear-handover") is delegating.skills[0]
    assert library.competency_of("coaching-others.clear-handover") is coaching
    assert library.skills == (delegating.skills[0], coaching.skills[0])
    assert library.has_competency("delegating") and not library.has_competency("nope")
    assert library.has_skill("delegating.clear-handover") and not library.has_skill("delegating.nope")
    assert delegating.skill("delegating.clear-handover") is delegating.skills[0]
    with pytest.raises(KeyError, match="unknown competency 'nope'"):
        library.competency("nope")
    with pytest.raises(KeyError, match=r"unknown skill 'delegating\.nope'"):
        library.skill("delegating.nope")
    with pytest.raises(KeyError, match=r"competency 'delegating' has no skill 'x\.y'"):
        delegating.skill("x.y")


def test_library_rejects_duplicates_and_dangling_references() -> None:
    with pytest.raises(ValueError, match="duplicate id: 'delegating'"):
        ContentLibrary(competencies=(competency(), competency()))
    with pytest.raises(ValueError, match="'delegating' is related to unknown competency 'coaching-others'"):
        ContentLibrary(competencies=(competency(related=("coaching-others",)),))


def test_content_problem_and_error_formatting() -> None:
    problem = ContentProblem("content/tips.yml", 12, "unknown kind 'tipz'")
    assert str(problem) == "content/tips.yml:12: unknown kind 'tipz'"
    error = ContentError([problem, ContentProblem("content/a.yml", 0, "x")])
    assert error.problems == [problem, ContentProblem("content/a.yml", 0, "x")]
    assert str(error) == "content/tips.yml:12: unknown kind 'tipz'\ncontent/a.yml:0: x"
    with pytest.raises(ValueError):
        ContentError([])
