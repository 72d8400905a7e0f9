"""Content value objects: frozen dataclasses that validate themselves on construction.

The loader checks every field against the YAML node it came from (so it can report
``path:line``) using the same ``*_problem`` functions the dataclasses use, then builds these
objects. Constructing one directly with bad values raises ``ValueError``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType

# Text limits. Names appear in Slack select options and buttons (75 characters at most).
NAME_MAX = 75
SUMMARY_MAX = 300
DESCRIPTION_MAX = 400
INDICATOR_MAX = 250

_SLUG = r"[a-z0-9]+(?:-[a-z0-9]+)*"
COMPETENCY_ID_RE = re.compile(_SLUG)
SKILL_ID_RE = re.compile(rf"({_SLUG})\.{_SLUG}")


@dataclass(frozen=True, slots=True)
class ContentProblem:
    """One problem in the content, located at ``path:line`` (line 0: the whole path)."""

    path: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


class ContentError(Exception):
    """The content is invalid; ``problems`` lists every problem found, in file/line order."""

    def __init__(self, problems: Sequence[ContentProblem]) -> None:
        if not problems:
            raise ValueError("ContentError needs at least one problem")
        self.problems: list[ContentProblem] = list(problems)
        super().__init__("\n".join(str(problem) for problem in self.problems))


# -- field rules, shared by the dataclasses and the loader --------------------------------


def text_problem(value: object, max_length: int) -> str | None:
    """Why ``value`` is not acceptable as a one-line text field, or None."""
    if not isinstance(value, str):
        return f"must be a string, got {type(value).__name__}"
    if not value.strip():
        return "must not be empty"
    if value != value.strip():
        return "must not start or end with whitespace"
    if len(value) > max_length:
        return f"is too long ({len(value)} characters; at most {max_length})"
    return None


def competency_id_problem(value: str) -> str | None:
    """Why ``value`` is not a valid competency id, or None (phrased to follow a field name)."""
    if COMPETENCY_ID_RE.fullmatch(value) is None:
        return f"must be lowercase kebab-case, e.g. 'giving-feedback' (got '{value}')"
    return None


def skill_id_problem(value: str, competency_id: str | None = None) -> str | None:
    """Why ``value`` is not a valid skill id (inside ``competency_id`` when given), or None."""
    match = SKILL_ID_RE.fullmatch(value)
    if match is None:
        return (
            "must be the competency id, a dot and a lowercase kebab-case name, "
            f"e.g. 'giving-feedback.sbi' (got '{value}')"
        )
    if competency_id is not None and match.group(1) != competency_id:
        return f"must start with its competency id '{competency_id}.' (got '{value}')"
    return None


def _require(problem: str | None, what: str) -> None:
    if problem is not None:
        raise ValueError(f"{what} {problem}")


def _require_text(value: object, what: str, max_length: int) -> None:
    _require(text_problem(value, max_length), what)


def _require_tuple(value: object, what: str) -> None:
    if not isinstance(value, tuple):
        raise ValueError(f"{what} must be a tuple, got {type(value).__name__}")


def _require_unique(values: Sequence[str], what: str) -> None:
    seen: set[str] = set()
    for value in values:
        if value in seen:
            raise ValueError(f"{what} has a duplicate: '{value}'")
        seen.add(value)


# -- value objects --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Skill:
    """One observable behaviour inside a competency, with its behavioural indicators."""

    id: str
    name: str
    description: str
    indicators: tuple[str, ...]

    def __post_init__(self) -> None:
        _require_text(self.id, "Skill.id", 200)
        _require(skill_id_problem(self.id), "Skill.id")
        _require_text(self.name, "Skill.name", NAME_MAX)
        _require_text(self.description, "Skill.description", DESCRIPTION_MAX)
        _require_tuple(self.indicators, "Skill.indicators")
        if not self.indicators:
            raise ValueError("Skill.indicators must not be empty")
        for indicator in self.indicators:
            _require_text(indicator, "Skill.indicators item", INDICATOR_MAX)
        _require_unique(self.indicators, "Skill.indicators")

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
        _require_text(self.id, "Competency.id", 200)
        _require(competency_id_problem(self.id), "Competency.id")
        _require_text(self.name, "Competency.name", NAME_MAX)
        _require_text(self.summary, "Competency.summary", SUMMARY_MAX)
        _require_tuple(self.skills, "Competency.skills")
        if not self.skills:
            raise ValueError("Competency.skills must not be empty")
        for skill in self.skills:
            if not isinstance(skill, Skill):
                raise ValueError(f"Competency.skills must contain Skill objects, got {type(skill).__name__}")
            _require(skill_id_problem(skill.id, self.id), "Competency.skills: skill id")
        _require_unique([skill.id for skill in self.skills], "Competency.skills")
        _require_tuple(self.related, "Competency.related")
        for other in self.related:
            _require_text(other, "Competency.related item", 200)
            _require(competency_id_problem(other), "Competency.related item")
            if other == self.id:
                raise ValueError(f"Competency.related must not list the competency itself ('{self.id}')")
        _require_unique(self.related, "Competency.related")

    def skill(self, skill_id: str) -> Skill:
        for skill in self.skills:
            if skill.id == skill_id:
                return skill
        raise KeyError(f"competency '{self.id}' has no skill '{skill_id}'")


@dataclass(frozen=True, slots=True)
class ContentLibrary:
    """Everything loaded from a content directory, in file order then item order.

    New kinds of content (tips, guides, micro-assignments, ...) become new tuple fields here,
    validated in ``__post_init__`` (see ``slackapp.content.loader.KINDS``).
    """

    competencies: tuple[Competency, ...] = ()
    _competencies_by_id: Mapping[str, Competency] = field(init=False, repr=False, compare=False)
    _skills_by_id: Mapping[str, tuple[Competency, Skill]] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        _require_tuple(self.competencies, "ContentLibrary.competencies")
        competencies: dict[str, Competency] = {}
        skills: dict[str, tuple[Competency, Skill]] = {}
        for competency in self.competencies:
            if not isinstance(competency, Competency):
                kind = type(competency).__name__
                raise ValueError(f"ContentLibrary.competencies must contain Competency objects, got {kind}")
            if competency.id in competencies:
                raise ValueError(f"ContentLibrary.competencies has a duplicate id: '{competency.id}'")
            competencies[competency.id] = competency
            for skill in competency.skills:
                skills[skill.id] = (competency, skill)
        for competency in self.competencies:
            for other in competency.related:
                if other not in competencies:
                    raise ValueError(
                        f"competency '{competency.id}' is related to unknown competency '{other}'"
                    )
        object.__setattr__(self, "_competencies_by_id", MappingProxyType(competencies))
        object.__setattr__(self, "_skills_by_id", MappingProxyType(skills))

    @property
    def skills(self) -> tuple[Skill, ...]:
        """All skills of all competencies, in order."""
        return tuple(skill for competency in self.competencies for skill in competency.skills)

    def competency(self, competency_id: str) -> Competency:
        """The competency with this id; ``KeyError`` if there is none."""
        try:
            return self._competencies_by_id[competency_id]
        except KeyError:
            raise KeyError(f"unknown competency '{competency_id}'") from None

    def skill(self, skill_id: str) -> Skill:
        """The skill with this id (e.g. ``giving-feedback.sbi``); ``KeyError`` if there is none."""
        return self._skill_entry(skill_id)[1]

    def competency_of(self, skill_id: str) -> Competency:
        """The competency a skill belongs to; ``KeyError`` if the skill is unknown."""
        return self._skill_entry(skill_id)[0]

    def has_competency(self, competency_id: str) -> bool:
        return competency_id in self._competencies_by_id

    def has_skill(self, skill_id: str) -> bool:
        return skill_id in self._skills_by_id

    def _skill_entry(self, skill_id: str) -> tuple[Competency, Skill]:
        try:
            return self._skills_by_id[skill_id]
        except KeyError:
            raise KeyError(f"unknown skill '{skill_id}'") from None
