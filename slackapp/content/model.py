"""Content value objects: frozen dataclasses that validate themselves on construction.

The loader checks every field against the YAML node it came from (so it can report
``path:line``) using the same ``*_problem`` functions the dataclasses use, then builds these
objects. Constructing one directly with bad values raises ``ValueError``.

This module holds the problems the loader reports (``ContentProblem``, ``ContentError``) and
re-exports the rest, so callers keep importing from here or from ``slackapp.content``:

- ``model_fields`` — shared text limits, id patterns and the field rules;
- ``model_competencies`` — ``Competency``, ``Skill``;
- ``model_question_sets`` — ``QuestionSet``, ``Question``;
- ``model_guides`` — ``Guide``, ``GuideSection``;
- ``model_moments`` — ``MomentRule``;
- ``model_assignments`` — ``AssignmentTemplate``, ``RubricLevel``;
- ``library`` — ``ContentLibrary``, everything loaded, indexed by id.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from slackapp.content.library import ContentLibrary
from slackapp.content.model_assignments import (
    ASSIGNMENT_TITLE_MAX,
    DELIVERABLE_MAX,
    EFFORT_MINUTES,
    INSTRUCTION_MAX,
    INSTRUCTIONS_MAX,
    INSTRUCTIONS_MIN,
    RUBRIC_DESCRIPTOR_MAX,
    RUBRIC_LEVEL_NAME_MAX,
    RUBRIC_LEVELS,
    SUCCESS_CRITERIA_MAX,
    SUCCESS_CRITERIA_MIN,
    SUCCESS_CRITERION_MAX,
    TAGS_MAX,
    TIMEBOX_HOURS,
    WHY_MAX,
    AssignmentTemplate,
    RubricLevel,
)
from slackapp.content.model_competencies import DESCRIPTION_MAX, INDICATOR_MAX, Competency, Skill
from slackapp.content.model_fields import (
    COMPETENCY_ID_RE,
    ID_MAX,
    NAME_MAX,
    SKILL_ID_RE,
    SUMMARY_MAX,
    TAG_MAX,
    body_problem,
    competency_id_problem,
    count_problem,
    effort_problem,
    range_problem,
    skill_id_problem,
    slug_problem,
    tag_problem,
    text_problem,
)
from slackapp.content.model_guides import (
    CHECKLIST_ITEM_MAX,
    CHECKLIST_MAX,
    CHECKLIST_MIN,
    GUIDE_TITLE_MAX,
    HEADING_MAX,
    READING_WORDS_PER_MINUTE,
    SECTION_BODY_MAX,
    SECTIONS_MAX,
    SECTIONS_MIN,
    Guide,
    GuideSection,
)
from slackapp.content.model_moments import (
    ATTENDEES_MAX,
    PREP_LEAD_MINUTES,
    PRIORITY_RANGE,
    REFLECT_DELAY_MINUTES,
    MomentRule,
)
from slackapp.content.model_question_sets import (
    QUESTION_HINT_MAX,
    QUESTION_SET_TITLE_MAX,
    QUESTION_TEXT_MAX,
    QUESTIONS_MAX,
    QUESTIONS_MIN,
    Question,
    QuestionSet,
)


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


__all__ = [
    "ASSIGNMENT_TITLE_MAX", "ATTENDEES_MAX", "CHECKLIST_ITEM_MAX", "CHECKLIST_MAX", "CHECKLIST_MIN",
    "COMPETENCY_ID_RE", "DELIVERABLE_MAX", "DESCRIPTION_MAX", "EFFORT_MINUTES", "GUIDE_TITLE_MAX", "HEADING_MAX",
    "ID_MAX", "INDICATOR_MAX", "INSTRUCTIONS_MAX", "INSTRUCTIONS_MIN", "INSTRUCTION_MAX", "NAME_MAX",
    "PREP_LEAD_MINUTES", "PRIORITY_RANGE", "QUESTIONS_MAX", "QUESTIONS_MIN", "QUESTION_HINT_MAX",
    "QUESTION_SET_TITLE_MAX", "QUESTION_TEXT_MAX", "READING_WORDS_PER_MINUTE", "REFLECT_DELAY_MINUTES",
    "RUBRIC_DESCRIPTOR_MAX", "RUBRIC_LEVELS", "RUBRIC_LEVEL_NAME_MAX", "SECTIONS_MAX", "SECTIONS_MIN",
    "SECTION_BODY_MAX", "SKILL_ID_RE", "SUCCESS_CRITERIA_MAX", "SUCCESS_CRITERIA_MIN", "SUCCESS_CRITERION_MAX",
    "SUMMARY_MAX", "TAGS_MAX", "TAG_MAX", "TIMEBOX_HOURS", "WHY_MAX", "AssignmentTemplate", "Competency",
    "ContentError", "ContentLibrary", "ContentProblem", "Guide", "GuideSection", "MomentRule", "Question",
    "QuestionSet", "RubricLevel", "Skill", "body_problem", "competency_id_problem", "count_problem",
    "effort_problem", "range_problem", "skill_id_problem", "slug_problem", "tag_problem", "text_problem",
]
