"""Competencies and their skills: the leadership capabilities the content is organised around."""

from __future__ import annotations

from dataclasses import dataclass

from slackapp.content.model_fields import (
    NAME_MAX,
    SUMMARY_MAX,
    competency_id_problem,
    require,
    require_text,
    require_tuple,
    require_unique,
    skill_id_problem,
)

# Text limits of a skill: its description and each behavioural indicator.
DESCRIPTION_MAX = 400
INDICATOR_MAX = 250


@dataclass(frozen=True, slots=True)
class Skill:
    """One observable behaviour inside a competency, with its behavioural indicators."""

    id: str
    name: str
    description: str
    indicators: tuple[str, ...]

    def __post_init__(self) -> None:
        require_text(self.id, "Skill.id", 200)
        require(skill_id_problem(self.id), "Skill.id")
        require_text(self.name, "Skill.name", NAME_MAX)
        require_text(self.description, "Skill.description", DESCRIPTION_MAX)
        require_tuple(self.indicators, "Skill.indicators")
        if not self.indicators:
            raise ValueError("Skill.indicators must not be empty")
        for indicator in self.indicators:
            require_text(indicator, "Skill.indicators item", INDICATOR_MAX)
        require_unique(self.indicators, "Skill.indicators")

    @property
    def competency_id(self) -> str:
        return self.id.split(".", 1)[0]


@dataclass(frozen=True, slots=True)
class Competency:
    """A leadership capability (e.g. "Giving feedback") made of skills.

    ``related`` lists ids of other competencies worth suggesting alongside this one.
    """

    id: str
    name: str
    summary: str
    skills: tuple[Skill, ...]
    related: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        require_text(self.id, "Competency.id", 200)
        require(competency_id_problem(self.id), "Competency.id")
        require_text(self.name, "Competency.name", NAME_MAX)
        require_text(self.summary, "Competency.summary", SUMMARY_MAX)
        require_tuple(self.skills, "Competency.skills")
        if not self.skills:
            raise ValueError("Competency.skills must not be empty")
        for skill in self.skills:
            if not isinstance(skill, Skill):
                raise ValueError(f"Competency.skills must contain Skill objects, got {type(skill).__name__}")
            require(skill_id_problem(skill.id, self.id), "Competency.skills: skill id")
        require_unique([skill.id for skill in self.skills], "Competency.skills")
        require_tuple(self.related, "Competency.related")
        for other in self.related:
            require_text(other, "Competency.related item", 200)
            require(competency_id_problem(other), "Competency.related item")
            if other == self.id:
                raise ValueError(f"Competency.related must not list the competency itself ('{self.id}')")
        require_unique(self.related, "Competency.related")

    def skill(self, skill_id: str) -> Skill:
        for skill in self.skills:
            if skill.id == skill_id:
                return skill
        raise KeyError(f"competency '{self.id}' has no skill '{skill_id}'")
