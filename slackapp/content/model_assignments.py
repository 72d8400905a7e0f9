"""Micro-assignment templates and the levels of their rubric."""

from __future__ import annotations

from dataclasses import dataclass

from slackapp.content.model_fields import (
    TAG_MAX,
    competency_id_problem,
    effort_problem,
    require,
    require_int,
    require_items,
    require_slug,
    require_text,
    require_texts,
    require_unique,
    skill_id_problem,
    tag_problem,
)

# Micro-assignment templates. The title is a Slack select option (75 characters at most); the
# rubric level names are radio-button labels in the submit and review modals.
ASSIGNMENT_TITLE_MAX = 75
TIMEBOX_HOURS = (1, 336)  # from an hour to two weeks
EFFORT_MINUTES = (10, 240)
WHY_MAX = 500
INSTRUCTIONS_MIN, INSTRUCTIONS_MAX = 2, 6
INSTRUCTION_MAX = 300
DELIVERABLE_MAX = 300
SUCCESS_CRITERIA_MIN, SUCCESS_CRITERIA_MAX = 2, 5
SUCCESS_CRITERION_MAX = 200
RUBRIC_LEVELS = 4  # levels 1..4, in order; 3 and above is the evidence bar
RUBRIC_LEVEL_NAME_MAX = 30
RUBRIC_DESCRIPTOR_MAX = 280
TAGS_MAX = 8


@dataclass(frozen=True, slots=True)
class RubricLevel:
    """One level of a micro-assignment rubric: what a reviewer can see in work at this level.

    The convention (``content/README.md``): 1 "Not yet", 2 "Developing", 3 "Proficient" (every
    success criterion met: counts as evidence), 4 "Role model".
    """

    level: int
    name: str
    descriptor: str

    def __post_init__(self) -> None:
        require_int(self.level, "RubricLevel.level", 1, RUBRIC_LEVELS)
        require_text(self.name, "RubricLevel.name", RUBRIC_LEVEL_NAME_MAX)
        require_text(self.descriptor, "RubricLevel.descriptor", RUBRIC_DESCRIPTOR_MAX)


@dataclass(frozen=True, slots=True)
class AssignmentTemplate:
    """A micro-assignment: one timeboxed practice task for one skill, with a deliverable and a rubric.

    ``timebox_hours`` is how long the learner has (it sets the default due date);
    ``effort_minutes`` is the work itself. ``debrief_set_id`` names the question set peers
    answer in an optional debrief.
    """

    id: str
    title: str
    competency_id: str
    skill_id: str
    timebox_hours: int
    effort_minutes: int
    why: str
    instructions: tuple[str, ...]
    deliverable: str
    success_criteria: tuple[str, ...]
    rubric: tuple[RubricLevel, ...]
    debrief_set_id: str | None = None
    tags: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        require_slug(self.id, "AssignmentTemplate.id", "give-sbi-feedback")
        require_text(self.title, "AssignmentTemplate.title", ASSIGNMENT_TITLE_MAX)
        require_text(self.competency_id, "AssignmentTemplate.competency_id", 200)
        require(competency_id_problem(self.competency_id), "AssignmentTemplate.competency_id")
        require_text(self.skill_id, "AssignmentTemplate.skill_id", 200)
        require(skill_id_problem(self.skill_id, self.competency_id), "AssignmentTemplate.skill_id")
        require_int(self.timebox_hours, "AssignmentTemplate.timebox_hours", *TIMEBOX_HOURS)
        require_int(self.effort_minutes, "AssignmentTemplate.effort_minutes", *EFFORT_MINUTES)
        require(effort_problem(self.effort_minutes, self.timebox_hours), "AssignmentTemplate.effort_minutes")
        require_text(self.why, "AssignmentTemplate.why", WHY_MAX)
        require_texts(
            self.instructions,
            "AssignmentTemplate.instructions",
            INSTRUCTION_MAX,
            INSTRUCTIONS_MIN,
            INSTRUCTIONS_MAX,
            ("step", "steps"),
        )
        require_text(self.deliverable, "AssignmentTemplate.deliverable", DELIVERABLE_MAX)
        require_texts(
            self.success_criteria,
            "AssignmentTemplate.success_criteria",
            SUCCESS_CRITERION_MAX,
            SUCCESS_CRITERIA_MIN,
            SUCCESS_CRITERIA_MAX,
            ("criterion", "criteria"),
        )
        require_items(self.rubric, "AssignmentTemplate.rubric", RubricLevel, RUBRIC_LEVELS, RUBRIC_LEVELS, "levels")
        for number, level in enumerate(self.rubric, start=1):
            if level.level != number:
                raise ValueError(
                    f"AssignmentTemplate.rubric must list levels 1 to {RUBRIC_LEVELS} in order "
                    f"(item {number} is level {level.level})"
                )
        require_unique([level.name for level in self.rubric], "AssignmentTemplate.rubric names")
        require_unique([level.descriptor for level in self.rubric], "AssignmentTemplate.rubric descriptors")
        if self.debrief_set_id is not None:
            require_slug(self.debrief_set_id, "AssignmentTemplate.debrief_set_id", "debrief-feedback")
        require_items(self.tags, "AssignmentTemplate.tags", str, 0, TAGS_MAX, "tags")
        for tag in self.tags:
            require_text(tag, "AssignmentTemplate.tags item", TAG_MAX)
            require(tag_problem(tag), "AssignmentTemplate.tags item")
        require_unique(self.tags, "AssignmentTemplate.tags")

    def rubric_level(self, level: int) -> RubricLevel:
        """The rubric level numbered ``level`` (1 to 4); ``KeyError`` otherwise."""
        if isinstance(level, int) and not isinstance(level, bool) and 1 <= level <= len(self.rubric):
            return self.rubric[level - 1]
        raise KeyError(f"assignment '{self.id}' has no rubric level {level!r}")
