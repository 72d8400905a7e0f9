"""What a review shows from the content library: the template, its rubric levels, the reviewer card's snapshot."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from slackapp.db.models import Assignment, Submission
from slackapp.domain.review_rules import FALLBACK_LEVEL_NAMES, LEVELS


@dataclass(frozen=True, slots=True)
class LevelChoice:
    level: int
    name: str
    descriptor: str


def template_of(content: Any, template_id: str | None) -> Any | None:
    """The assignment template (``content.assignment(id)``), or None when the library has no such item."""
    finder = getattr(content, "assignment", None)
    if not template_id or finder is None:
        return None
    try:
        return finder(str(template_id))
    except (LookupError, ValueError):
        return None


def rubric(template: Any | None) -> tuple[LevelChoice, ...]:
    """The template's four rubric levels; generic names when the template is gone."""
    levels = {int(getattr(level, "level", 0)): level for level in (getattr(template, "rubric", None) or ())}
    return tuple(
        LevelChoice(n, str(getattr(levels.get(n), "name", "") or FALLBACK_LEVEL_NAMES[n]),
                    str(getattr(levels.get(n), "descriptor", "") or ""))
        for n in LEVELS)


def level_name(template: Any | None, level: int | None) -> str:
    if level is None:
        return ""
    for choice in rubric(template):
        if choice.level == level:
            return choice.name
    return f"Level {level}"


def _name(finder: Callable[[str], Any] | None, item_id: str) -> str:
    if finder is None:
        return item_id
    try:
        return str(getattr(finder(item_id), "name", "") or item_id)
    except (LookupError, ValueError):
        return item_id


def snapshot(assignment: Assignment, submission: Submission, *, content: Any, review_due_at: datetime,
             hours: float) -> dict[str, Any]:
    """What the reviewer's card shows, frozen at request time (the content may change later)."""
    template = template_of(content, assignment.template_id)
    return {
        "assignment_id": assignment.id, "submission_id": submission.id, "version": submission.version,
        "learner_id": assignment.learner_id, "reviewer_id": assignment.reviewer_id,
        "template_id": assignment.template_id,
        "title": str(getattr(template, "title", "") or assignment.template_id),
        "competency_id": assignment.competency_id, "skill_id": assignment.skill_id,
        "competency_name": _name(getattr(content, "competency", None), assignment.competency_id),
        "skill_name": _name(getattr(content, "skill", None), assignment.skill_id),
        "deliverable": str(getattr(template, "deliverable", "") or ""),
        "success_criteria": [str(c) for c in (getattr(template, "success_criteria", None) or ())],
        "summary": submission.summary, "link": submission.link,
        "self_level": submission.self_level, "self_level_name": level_name(template, submission.self_level),
        "late": bool(submission.late or assignment.late),
        "review_due_at": review_due_at.isoformat(), "review_hours": hours,
    }
