"""Creating a micro-assignment: an assigner's offer or someone's self-practice. No Slack here."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from slackapp.db.models import Assignment, AssignmentTransition
from slackapp.domain import analytics, deliveries, team
from slackapp.domain.assignment_checks import (
    NOT_YOUR_REPORT,
    FieldError,
    FieldPermissionDenied,
    check_can_receive,
    check_due,
    check_note,
    check_reviewer,
    clean_text,
    default_due,
)
from slackapp.domain.assignment_deliveries import OFFER_KIND, build_offer_payload, offer_key, schedule_reminders

PERMALINK_MAX = 500


def create_assignment(
    session: Session,
    *,
    team_id: str,
    actor_id: str,
    learner_id: str,
    template: Any,
    reviewer_id: str | None,
    due_at: datetime | None,
    context_note: str | None,
    context_permalink: str | None,
    now: datetime,
    admins: Collection[str] = (),
    content: Any = None,
) -> Assignment:
    """Offer ``template`` to the learner: schedules their card now and the reminders before the due time.

    ``actor_id == learner_id`` is self-practice (``/coach practice``): any reviewer but themselves, the
    note optional. Otherwise the actor must be the learner's manager (an active team link) or an admin,
    and the context note is required. ``due_at`` None: now + the template's timebox in the learner's
    working hours. ``content`` (the library) only supplies competency and skill names for the card.
    """
    self_practice = actor_id == learner_id
    if not self_practice and not team.can_manage(session, team_id=team_id, actor_id=actor_id,
                                                 learner_id=learner_id, admins=admins):
        raise FieldPermissionDenied("learner", NOT_YOUR_REPORT)
    if template is None:
        raise FieldError("template", "Pick a micro-assignment.")
    note = check_note(context_note or "", required=not self_practice)
    reviewer_id = check_reviewer(session, team_id=team_id, learner_id=learner_id, reviewer_id=reviewer_id,
                                 self_practice=self_practice, now=now)
    learner = check_can_receive(session, team_id=team_id, learner_id=learner_id, now=now)
    due_at = check_due(due_at if due_at is not None else default_due(learner, template, now=now), now=now)
    permalink = clean_text(context_permalink) or None
    if permalink is not None and (len(permalink) > PERMALINK_MAX or not permalink.startswith("https://")):
        permalink = None
    assignment = Assignment(
        team_id=team_id, learner_id=learner_id, assigned_by=actor_id, reviewer_id=reviewer_id,
        template_id=template.id, competency_id=template.competency_id, skill_id=template.skill_id,
        context_note=note, context_permalink=permalink, state="offered", due_at=due_at, late=False,
        created_at=now, updated_at=now,
    )
    session.add(assignment)
    session.flush()
    session.add(AssignmentTransition(assignment_id=assignment.id, from_state=None, to_state="offered",
                                     actor_id=actor_id, at=now))
    analytics.record(session, now=now, team_id=team_id, user_id=actor_id, name="assignment.created",
                     object_type="assignment", object_id=assignment.id,
                     properties={"competency_id": template.competency_id, "template_id": template.id,
                                 "self_practice": self_practice, "from_message": permalink is not None})
    deliveries.schedule(session, key=offer_key(assignment.id), team_id=team_id, user_id=learner_id, kind=OFFER_KIND,
                        due_at=now, now=now, payload=build_offer_payload(assignment, template, content))
    schedule_reminders(session, assignment, learner, now=now, title=template.title)
    return assignment
