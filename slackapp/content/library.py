"""The content library: every loaded value object, indexed by id and checked for dangling references."""

from __future__ import annotations

import itertools
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TypeVar

from slackapp.content.model_assignments import AssignmentTemplate
from slackapp.content.model_competencies import Competency, Skill
from slackapp.content.model_fields import require_tuple
from slackapp.content.model_guides import Guide
from slackapp.content.model_moments import MomentRule
from slackapp.content.model_question_sets import QuestionSet


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
        require_tuple(self.competencies, "ContentLibrary.competencies")
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
