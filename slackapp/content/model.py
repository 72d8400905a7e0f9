"""Content value objects: frozen dataclasses that validate themselves on construction.

The loader checks every field against the YAML node it came from (so it can report
``path:line``) using the same ``*_problem`` functions the dataclasses use, then builds these
objects. Constructing one directly with bad values raises ``ValueError``.
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TypeVar, cast

from slackapp.content.patterns import DESCRIPTION_MATCH_MAX, TITLE_MATCH_MAX, compile_pattern

# Text limits. Names appear in Slack select options and buttons (75 characters at most).
NAME_MAX = 75
SUMMARY_MAX = 300
DESCRIPTION_MAX = 400
INDICATOR_MAX = 250

# Question sets become Slack modals: the title is the modal title (24 characters at most) and
# each question an input block whose label is the question text.
QUESTION_SET_TITLE_MAX = 24
QUESTION_TEXT_MAX = 150
QUESTION_HINT_MAX = 150
QUESTIONS_MIN, QUESTIONS_MAX = 1, 5

# Guides: a prep checklist shown in the nudge and a full guide readable in about two minutes.
GUIDE_TITLE_MAX = 60
HEADING_MAX = 75
SECTION_BODY_MAX = 2500
CHECKLIST_MIN, CHECKLIST_MAX = 3, 6
CHECKLIST_ITEM_MAX = 200
SECTIONS_MIN, SECTIONS_MAX = 1, 6
READING_WORDS_PER_MINUTE = 230

# Moment rules: how long before the event the prep nudge goes, how long after its end the
# reflection prompt goes, and how many attendees an event may have.
PREP_LEAD_MINUTES = (5, 1440)
REFLECT_DELAY_MINUTES = (0, 1440)
ATTENDEES_MAX = 1000
PRIORITY_RANGE = (-1000, 1000)

# Ids of moments, guides, question sets and questions are stored with deliveries and
# reflections (moment_id is a 64-character column).
ID_MAX = 64

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
TAG_MAX = 32

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


def body_problem(value: object, max_length: int) -> str | None:
    """Why ``value`` is not acceptable as a multi-line (mrkdwn) text field, or None."""
    if isinstance(value, str) and value.strip() and value != value.strip():
        return "must not start or end with blank lines or whitespace"
    return text_problem(value, max_length)


def slug_problem(value: str, example: str) -> str | None:
    """Why ``value`` is not a lowercase kebab-case id (like ``example``), or None."""
    if COMPETENCY_ID_RE.fullmatch(value) is None:
        return f"must be lowercase kebab-case, e.g. '{example}' (got '{value}')"
    if len(value) > ID_MAX:
        return f"is too long ({len(value)} characters; at most {ID_MAX})"
    return None


def count_problem(count: int, minimum: int, maximum: int, noun: str) -> str | None:
    """Why a list of ``count`` items (``noun`` in the plural) is too short or too long, or None."""
    if count < minimum:
        return f"has {count} {noun}; at least {minimum} needed"
    if count > maximum:
        return f"has {count} {noun}; at most {maximum} allowed"
    return None


def range_problem(value: int, minimum: int, maximum: int) -> str | None:
    """Why ``value`` is outside ``minimum..maximum``, or None."""
    if not minimum <= value <= maximum:
        return f"must be between {minimum} and {maximum} (got {value})"
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


def _require_bool(value: object, what: str) -> None:
    if not isinstance(value, bool):
        raise ValueError(f"{what} must be a bool, got {type(value).__name__}")


def _require_int(value: object, what: str, minimum: int | None = None, maximum: int | None = None) -> None:
    if not isinstance(value, int) or isinstance(value, bool):
        raise ValueError(f"{what} must be an int, got {type(value).__name__}")
    if minimum is not None and maximum is not None:
        _require(range_problem(value, minimum, maximum), what)


def _require_slug(value: object, what: str, example: str) -> None:
    _require_text(value, what, ID_MAX)
    if isinstance(value, str):
        _require(slug_problem(value, example), what)


def _require_items(
    values: object, what: str, item_type: type, minimum: int, maximum: int, noun: str
) -> None:
    if not isinstance(values, tuple):
        raise ValueError(f"{what} must be a tuple, got {type(values).__name__}")
    _require(count_problem(len(values), minimum, maximum, noun), what)
    for value in values:
        if not isinstance(value, item_type):
            raise ValueError(f"{what} must contain {item_type.__name__} objects, got {type(value).__name__}")


def _require_texts(
    values: object, what: str, max_length: int, minimum: int, maximum: int, nouns: tuple[str, str]
) -> None:
    """A tuple of ``minimum``..``maximum`` distinct one-line texts (``nouns``: singular, plural)."""
    noun = nouns[0] if isinstance(values, tuple) and len(values) == 1 else nouns[1]
    _require_items(values, what, str, minimum, maximum, noun)
    texts = cast(tuple[str, ...], values)
    for value in texts:
        _require_text(value, f"{what} item", max_length)
    _require_unique(texts, what)


def tag_problem(value: str) -> str | None:
    """Why ``value`` is not a valid tag (a short kebab-case word, like ``one-on-one``), or None."""
    if COMPETENCY_ID_RE.fullmatch(value) is None:
        return f"must be lowercase kebab-case, e.g. 'one-on-one' (got '{value}')"
    if len(value) > TAG_MAX:
        return f"is too long ({len(value)} characters; at most {TAG_MAX})"
    return None


def effort_problem(effort_minutes: int, timebox_hours: int) -> str | None:
    """Why an effort does not fit in the timebox it is done in, or None."""
    if effort_minutes > timebox_hours * 60:
        hours = "hour" if timebox_hours == 1 else "hours"
        return f"({effort_minutes} minutes) must fit in the timebox ({timebox_hours} {hours})"
    return None


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
class Question:
    """One reflection or debrief question; ``text`` becomes the label of a Slack input."""

    id: str
    text: str
    hint: str = ""
    required: bool = False

    def __post_init__(self) -> None:
        _require_slug(self.id, "Question.id", "what-went-well")
        _require_text(self.text, "Question.text", QUESTION_TEXT_MAX)
        if self.hint != "":
            _require_text(self.hint, "Question.hint", QUESTION_HINT_MAX)
        _require_bool(self.required, "Question.required")


@dataclass(frozen=True, slots=True)
class QuestionSet:
    """A short set of questions asked together (a reflection prompt or a debrief)."""

    id: str
    title: str
    questions: tuple[Question, ...]

    def __post_init__(self) -> None:
        _require_slug(self.id, "QuestionSet.id", "one-on-one-reflection")
        _require_text(self.title, "QuestionSet.title", QUESTION_SET_TITLE_MAX)
        _require_items(self.questions, "QuestionSet.questions", Question, QUESTIONS_MIN, QUESTIONS_MAX, "questions")
        _require_unique([question.id for question in self.questions], "QuestionSet.questions")

    def question(self, question_id: str) -> Question:
        for question in self.questions:
            if question.id == question_id:
                return question
        raise KeyError(f"question set '{self.id}' has no question '{question_id}'")


@dataclass(frozen=True, slots=True)
class GuideSection:
    """One part of a full guide: a heading and a body in Slack mrkdwn (may span lines)."""

    heading: str
    body: str

    def __post_init__(self) -> None:
        _require_text(self.heading, "GuideSection.heading", HEADING_MAX)
        _require(body_problem(self.body, SECTION_BODY_MAX), "GuideSection.body")


@dataclass(frozen=True, slots=True)
class Guide:
    """How to handle one moment: a prep checklist for the nudge and a two-minute full guide."""

    id: str
    title: str
    summary: str
    checklist: tuple[str, ...]
    sections: tuple[GuideSection, ...]
    competency_ids: tuple[str, ...]

    def __post_init__(self) -> None:
        _require_slug(self.id, "Guide.id", "one-on-one")
        _require_text(self.title, "Guide.title", GUIDE_TITLE_MAX)
        _require_text(self.summary, "Guide.summary", SUMMARY_MAX)
        _require_items(self.checklist, "Guide.checklist", str, CHECKLIST_MIN, CHECKLIST_MAX, "items")
        for item in self.checklist:
            _require_text(item, "Guide.checklist item", CHECKLIST_ITEM_MAX)
        _require_unique(self.checklist, "Guide.checklist")
        _require_items(self.sections, "Guide.sections", GuideSection, SECTIONS_MIN, SECTIONS_MAX, "sections")
        _require_tuple(self.competency_ids, "Guide.competency_ids")
        if not self.competency_ids:
            raise ValueError("Guide.competency_ids must not be empty")
        for competency_id in self.competency_ids:
            _require_text(competency_id, "Guide.competency_ids item", 200)
            _require(competency_id_problem(competency_id), "Guide.competency_ids item")
        _require_unique(self.competency_ids, "Guide.competency_ids")

    @property
    def word_count(self) -> int:
        """Words in the summary, the checklist and the sections (bullets and other marks not counted)."""
        texts = (self.summary, *self.checklist, *(f"{s.heading} {s.body}" for s in self.sections))
        return sum(1 for text in texts for token in text.split() if any(char.isalnum() for char in token))

    @property
    def reading_minutes(self) -> int:
        """Estimated reading time of the whole guide, rounded up."""
        return max(1, math.ceil(self.word_count / READING_WORDS_PER_MINUTE))


_Patterns = tuple[re.Pattern[str], ...]


@dataclass(frozen=True, slots=True)
class MomentRule:
    """How to recognise a calendar moment (e.g. a 1:1) and what to send before and after it.

    An event matches when one of ``title_patterns`` is found in its title or one of
    ``description_patterns`` in its description, no ``exclude_patterns`` is found in its
    title, its attendee count is within bounds and, for ``organizer_only`` rules, the person
    organises it. Patterns are case-insensitive Python regular expressions, searched (not
    anchored) and checked for safety when the rule is built (see ``slackapp.content.patterns``).
    """

    id: str
    name: str
    title_patterns: tuple[str, ...]
    description_patterns: tuple[str, ...] = ()
    exclude_patterns: tuple[str, ...] = ()
    min_attendees: int | None = None
    max_attendees: int | None = None
    organizer_only: bool = False
    priority: int = 0
    prep_guide_id: str | None = None
    prep_lead_minutes: int = 15
    reflection_set_id: str | None = None
    reflect_delay_minutes: int = 10
    offer_debrief: bool = False
    _title_res: _Patterns = field(init=False, repr=False, compare=False)
    _description_res: _Patterns = field(init=False, repr=False, compare=False)
    _exclude_res: _Patterns = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        _require_slug(self.id, "MomentRule.id", "one-on-one")
        _require_text(self.name, "MomentRule.name", NAME_MAX)
        compiled: dict[str, _Patterns] = {}
        for name in ("title_patterns", "description_patterns", "exclude_patterns"):
            patterns = getattr(self, name)
            what = f"MomentRule.{name}"
            _require_tuple(patterns, what)
            for pattern in patterns:
                if not isinstance(pattern, str):
                    raise ValueError(f"{what} must contain strings, got {type(pattern).__name__}")
            _require_unique(patterns, what)
            try:
                compiled[name] = tuple(compile_pattern(pattern) for pattern in patterns)
            except ValueError as exc:
                raise ValueError(f"{what}: {exc}") from None
        if not self.title_patterns:
            raise ValueError("MomentRule.title_patterns must not be empty")
        for name in ("min_attendees", "max_attendees"):
            value = getattr(self, name)
            if value is not None:
                _require_int(value, f"MomentRule.{name}", 1, ATTENDEES_MAX)
        if (
            self.min_attendees is not None
            and self.max_attendees is not None
            and self.max_attendees < self.min_attendees
        ):
            raise ValueError(
                f"MomentRule.max_attendees ({self.max_attendees}) must not be less than "
                f"min_attendees ({self.min_attendees})"
            )
        _require_bool(self.organizer_only, "MomentRule.organizer_only")
        _require_int(self.priority, "MomentRule.priority", *PRIORITY_RANGE)
        if self.prep_guide_id is not None:
            _require_slug(self.prep_guide_id, "MomentRule.prep_guide_id", "one-on-one")
        _require_int(self.prep_lead_minutes, "MomentRule.prep_lead_minutes", *PREP_LEAD_MINUTES)
        if self.reflection_set_id is not None:
            _require_slug(self.reflection_set_id, "MomentRule.reflection_set_id", "one-on-one-reflection")
        _require_int(self.reflect_delay_minutes, "MomentRule.reflect_delay_minutes", *REFLECT_DELAY_MINUTES)
        _require_bool(self.offer_debrief, "MomentRule.offer_debrief")
        object.__setattr__(self, "_title_res", compiled["title_patterns"])
        object.__setattr__(self, "_description_res", compiled["description_patterns"])
        object.__setattr__(self, "_exclude_res", compiled["exclude_patterns"])

    def matches(self, *, title: str, description: str, attendee_count: int, organizer_is_person: bool) -> bool:
        """Whether an event is this moment.

        ``attendee_count`` is the number of attendees the calendar lists; 0 means the feed
        lists none (many published feeds leave attendees out), and then the attendee bounds
        are not applied. Only the first ``TITLE_MATCH_MAX`` characters of the title and
        ``DESCRIPTION_MATCH_MAX`` of the description are searched.
        """
        if attendee_count < 0:
            raise ValueError(f"attendee_count cannot be negative (got {attendee_count})")
        if self.organizer_only and not organizer_is_person:
            return False
        if attendee_count:
            if self.min_attendees is not None and attendee_count < self.min_attendees:
                return False
            if self.max_attendees is not None and attendee_count > self.max_attendees:
                return False
        title = title[:TITLE_MATCH_MAX]
        if any(pattern.search(title) for pattern in self._exclude_res):
            return False
        if any(pattern.search(title) for pattern in self._title_res):
            return True
        description = description[:DESCRIPTION_MATCH_MAX]
        return any(pattern.search(description) for pattern in self._description_res)


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
        _require_int(self.level, "RubricLevel.level", 1, RUBRIC_LEVELS)
        _require_text(self.name, "RubricLevel.name", RUBRIC_LEVEL_NAME_MAX)
        _require_text(self.descriptor, "RubricLevel.descriptor", RUBRIC_DESCRIPTOR_MAX)


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
        _require_slug(self.id, "AssignmentTemplate.id", "give-sbi-feedback")
        _require_text(self.title, "AssignmentTemplate.title", ASSIGNMENT_TITLE_MAX)
        _require_text(self.competency_id, "AssignmentTemplate.competency_id", 200)
        _require(competency_id_problem(self.competency_id), "AssignmentTemplate.competency_id")
        _require_text(self.skill_id, "AssignmentTemplate.skill_id", 200)
        _require(skill_id_problem(self.skill_id, self.competency_id), "AssignmentTemplate.skill_id")
        _require_int(self.timebox_hours, "AssignmentTemplate.timebox_hours", *TIMEBOX_HOURS)
        _require_int(self.effort_minutes, "AssignmentTemplate.effort_minutes", *EFFORT_MINUTES)
        _require(effort_problem(self.effort_minutes, self.timebox_hours), "AssignmentTemplate.effort_minutes")
        _require_text(self.why, "AssignmentTemplate.why", WHY_MAX)
        _require_texts(
            self.instructions,
            "AssignmentTemplate.instructions",
            INSTRUCTION_MAX,
            INSTRUCTIONS_MIN,
            INSTRUCTIONS_MAX,
            ("step", "steps"),
        )
        _require_text(self.deliverable, "AssignmentTemplate.deliverable", DELIVERABLE_MAX)
        _require_texts(
            self.success_criteria,
            "AssignmentTemplate.success_criteria",
            SUCCESS_CRITERION_MAX,
            SUCCESS_CRITERIA_MIN,
            SUCCESS_CRITERIA_MAX,
            ("criterion", "criteria"),
        )
        _require_items(self.rubric, "AssignmentTemplate.rubric", RubricLevel, RUBRIC_LEVELS, RUBRIC_LEVELS, "levels")
        for number, level in enumerate(self.rubric, start=1):
            if level.level != number:
                raise ValueError(
                    f"AssignmentTemplate.rubric must list levels 1 to {RUBRIC_LEVELS} in order "
                    f"(item {number} is level {level.level})"
                )
        _require_unique([level.name for level in self.rubric], "AssignmentTemplate.rubric names")
        _require_unique([level.descriptor for level in self.rubric], "AssignmentTemplate.rubric descriptors")
        if self.debrief_set_id is not None:
            _require_slug(self.debrief_set_id, "AssignmentTemplate.debrief_set_id", "debrief-feedback")
        _require_items(self.tags, "AssignmentTemplate.tags", str, 0, TAGS_MAX, "tags")
        for tag in self.tags:
            _require_text(tag, "AssignmentTemplate.tags item", TAG_MAX)
            _require(tag_problem(tag), "AssignmentTemplate.tags item")
        _require_unique(self.tags, "AssignmentTemplate.tags")

    def rubric_level(self, level: int) -> RubricLevel:
        """The rubric level numbered ``level`` (1 to 4); ``KeyError`` otherwise."""
        if isinstance(level, int) and not isinstance(level, bool) and 1 <= level <= len(self.rubric):
            return self.rubric[level - 1]
        raise KeyError(f"assignment '{self.id}' has no rubric level {level!r}")


@dataclass(frozen=True, slots=True)
class ContentLibrary:
    """Everything loaded from a content directory, in file order then item order.

    New kinds of content (tips, tracks, ...) become new tuple fields here,
    validated in ``__post_init__`` (see ``slackapp.content.loader.KINDS``).
    """

    competencies: tuple[Competency, ...] = ()
    question_sets: tuple[QuestionSet, ...] = ()
    guides: tuple[Guide, ...] = ()
    moments: tuple[MomentRule, ...] = ()
    assignments: tuple[AssignmentTemplate, ...] = ()
    _competencies_by_id: Mapping[str, Competency] = field(init=False, repr=False, compare=False)
    _skills_by_id: Mapping[str, tuple[Competency, Skill]] = field(init=False, repr=False, compare=False)
    _question_sets_by_id: Mapping[str, QuestionSet] = field(init=False, repr=False, compare=False)
    _guides_by_id: Mapping[str, Guide] = field(init=False, repr=False, compare=False)
    _moments_by_id: Mapping[str, MomentRule] = field(init=False, repr=False, compare=False)
    _moments_by_priority: tuple[MomentRule, ...] = field(init=False, repr=False, compare=False)
    _assignments_by_id: Mapping[str, AssignmentTemplate] = field(init=False, repr=False, compare=False)
    _assignments_by_competency: Mapping[str, tuple[AssignmentTemplate, ...]] = field(
        init=False, repr=False, compare=False
    )

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
        question_sets = _index(self.question_sets, QuestionSet, "question_sets")
        guides = _index(self.guides, Guide, "guides")
        moments = _index(self.moments, MomentRule, "moments")
        for guide in self.guides:
            for competency_id in guide.competency_ids:
                if competency_id not in competencies:
                    raise ValueError(f"guide '{guide.id}' refers to unknown competency '{competency_id}'")
        for moment in self.moments:
            if moment.prep_guide_id is not None and moment.prep_guide_id not in guides:
                raise ValueError(f"moment '{moment.id}' refers to unknown guide '{moment.prep_guide_id}'")
            if moment.reflection_set_id is not None and moment.reflection_set_id not in question_sets:
                raise ValueError(
                    f"moment '{moment.id}' refers to unknown question set '{moment.reflection_set_id}'"
                )
        assignments = _index(self.assignments, AssignmentTemplate, "assignments")
        by_competency: dict[str, list[AssignmentTemplate]] = {competency_id: [] for competency_id in competencies}
        for template in self.assignments:
            what = f"assignment '{template.id}' refers to unknown"
            if template.competency_id not in competencies:
                raise ValueError(f"{what} competency '{template.competency_id}'")
            if template.skill_id not in skills:
                raise ValueError(f"{what} skill '{template.skill_id}'")
            if template.debrief_set_id is not None and template.debrief_set_id not in question_sets:
                raise ValueError(f"{what} question set '{template.debrief_set_id}'")
            by_competency[template.competency_id].append(template)
        object.__setattr__(self, "_assignments_by_id", assignments)
        object.__setattr__(
            self,
            "_assignments_by_competency",
            MappingProxyType({key: tuple(values) for key, values in by_competency.items()}),
        )
        object.__setattr__(self, "_competencies_by_id", MappingProxyType(competencies))
        object.__setattr__(self, "_skills_by_id", MappingProxyType(skills))
        object.__setattr__(self, "_question_sets_by_id", question_sets)
        object.__setattr__(self, "_guides_by_id", guides)
        object.__setattr__(self, "_moments_by_id", moments)
        # sorted() is stable: rules of equal priority keep their file order.
        by_priority = tuple(sorted(self.moments, key=lambda moment: -moment.priority))
        object.__setattr__(self, "_moments_by_priority", by_priority)

    def question_set(self, question_set_id: str) -> QuestionSet:
        """The question set with this id; ``KeyError`` if there is none."""
        try:
            return self._question_sets_by_id[question_set_id]
        except KeyError:
            raise KeyError(f"unknown question set '{question_set_id}'") from None

    def guide(self, guide_id: str) -> Guide:
        """The guide with this id; ``KeyError`` if there is none."""
        try:
            return self._guides_by_id[guide_id]
        except KeyError:
            raise KeyError(f"unknown guide '{guide_id}'") from None

    def moment(self, moment_id: str) -> MomentRule:
        """The moment rule with this id; ``KeyError`` if there is none."""
        try:
            return self._moments_by_id[moment_id]
        except KeyError:
            raise KeyError(f"unknown moment '{moment_id}'") from None

    def classify(
        self, *, title: str, description: str = "", attendee_count: int = 0, organizer_is_person: bool = False
    ) -> MomentRule | None:
        """The moment a calendar event is, or None: the matching rule with the highest
        ``priority``, the first in file order among equals (see ``MomentRule.matches``)."""
        for moment in self._moments_by_priority:
            if moment.matches(
                title=title,
                description=description,
                attendee_count=attendee_count,
                organizer_is_person=organizer_is_person,
            ):
                return moment
        return None

    def assignment(self, template_id: str) -> AssignmentTemplate:
        """The micro-assignment template with this id; ``KeyError`` if there is none."""
        try:
            return self._assignments_by_id[template_id]
        except KeyError:
            raise KeyError(f"unknown assignment '{template_id}'") from None

    def has_assignment(self, template_id: str) -> bool:
        return template_id in self._assignments_by_id

    def assignments_for(self, competency_id: str) -> tuple[AssignmentTemplate, ...]:
        """The templates for one competency, in library order; ``KeyError`` for an unknown competency."""
        try:
            return self._assignments_by_competency[competency_id]
        except KeyError:
            raise KeyError(f"unknown competency '{competency_id}'") from None

    def recommend(
        self, *, focus_competency_ids: Sequence[str], done_template_ids: Collection[str], limit: int = 5
    ) -> list[AssignmentTemplate]:
        """Up to ``limit`` templates to practise next, never one in ``done_template_ids``.

        First the templates of the focus competencies, competency by competency in the order
        given, then those of the other competencies in the order of ``competencies``; within
        a competency, templates keep library order (``assignments_for``). Deterministic for
        the same arguments. Unknown ids (for example a competency retired from the content
        since it was chosen) are ignored.
        """
        if isinstance(limit, bool) or not isinstance(limit, int) or limit < 0:
            raise ValueError(f"limit must be a whole number of at least 0 (got {limit!r})")
        if isinstance(focus_competency_ids, str):  # a lone id would otherwise be read letter by letter
            raise TypeError("focus_competency_ids must be a sequence of competency ids, not a string")
        done = set(done_template_ids)
        by_competency = self._assignments_by_competency
        focus = dict.fromkeys(cid for cid in focus_competency_ids if cid in by_competency)
        order = [*focus, *(competency.id for competency in self.competencies if competency.id not in focus)]
        candidates = (template for cid in order for template in by_competency[cid] if template.id not in done)
        return list(itertools.islice(candidates, limit))

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


_Item = TypeVar("_Item", QuestionSet, Guide, MomentRule, AssignmentTemplate)


def _index(items: object, item_type: type[_Item], name: str) -> Mapping[str, _Item]:
    """Items by id; ``ValueError`` unless ``items`` is a tuple of ``item_type`` with unique ids."""
    what = f"ContentLibrary.{name}"
    if not isinstance(items, tuple):
        raise ValueError(f"{what} must be a tuple, got {type(items).__name__}")
    by_id: dict[str, _Item] = {}
    for item in items:
        if not isinstance(item, item_type):
            raise ValueError(f"{what} must contain {item_type.__name__} objects, got {type(item).__name__}")
        if item.id in by_id:
            raise ValueError(f"{what} has a duplicate id: '{item.id}'")
        by_id[item.id] = item
    return MappingProxyType(by_id)
