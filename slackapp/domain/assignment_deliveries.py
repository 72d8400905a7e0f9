"""A micro-assignment's outbox deliveries: the learner's card and the two reminders before the due time.

* ``assignment_offer`` (key ``assignment-offer:{id}``): the card, payload = a snapshot of the template and
  the assignment (``build_offer_payload``). Once sent, ``remember_card`` (the feature's ``ON_SENT`` hook)
  stores the card's channel and ts on the assignment.
* ``assignment_reminder`` (keys ``assignment-reminder:{id}:1`` and ``:2``): one halfway to the due time,
  one 2 working hours before it; ``not_after`` = the due time.

No Slack here.
"""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime, time, timedelta
from typing import Any

from sqlalchemy.orm import Session

from slackapp.db.models import Assignment, Delivery, Person
from slackapp.domain import deliveries, people, policy
from slackapp.domain.assignment_queries import is_self_practice

OFFER_KIND = "assignment_offer"
REMINDER_KIND = "assignment_reminder"
KINDS = (OFFER_KIND, REMINDER_KIND)

REMINDER_LEAD_HOURS = 2.0  # the second reminder: this many working hours before the due time
REMINDER_MIN_GAP = timedelta(hours=1)  # two reminders closer than this: only the later one


def offer_key(assignment_id: int) -> str:
    return f"assignment-offer:{assignment_id}"


def reminder_key(assignment_id: int, number: int) -> str:
    return f"assignment-reminder:{assignment_id}:{number}"


def offer_payload(session: Session, assignment: Assignment) -> dict[str, Any]:
    """The card's snapshot (as scheduled), or an empty dict if the card was never scheduled."""
    delivery = deliveries.by_key(session, offer_key(assignment.id))
    return dict(delivery.payload) if delivery is not None else {}


# -- the card's snapshot ----------------------------------------------------------------------------


def _names(content: Any, template: Any) -> tuple[str, str]:
    competency_name, skill_name = str(template.competency_id), str(template.skill_id)
    if content is not None:
        with contextlib.suppress(KeyError, AttributeError):
            competency_name = content.competency(template.competency_id).name
        with contextlib.suppress(KeyError, AttributeError):
            skill_name = content.skill(template.skill_id).name
    return competency_name, skill_name


def build_offer_payload(assignment: Assignment, template: Any, content: Any = None) -> dict[str, Any]:
    """The card's snapshot: the card reads the same even if the content changes later."""
    competency_name, skill_name = _names(content, template)
    return {
        "assignment_id": assignment.id,
        "template_id": template.id,
        "title": template.title,
        "competency_id": template.competency_id,
        "competency_name": competency_name,
        "skill_id": template.skill_id,
        "skill_name": skill_name,
        "why": template.why,
        "instructions": list(template.instructions),
        "deliverable": template.deliverable,
        "success_criteria": list(template.success_criteria),
        "timebox_hours": template.timebox_hours,
        "effort_minutes": getattr(template, "effort_minutes", None),
        "due_at": assignment.due_at.isoformat(),
        "learner_id": assignment.learner_id,
        "assigned_by": assignment.assigned_by,
        "reviewer_id": assignment.reviewer_id,
        "self_practice": is_self_practice(assignment),
        "context_note": assignment.context_note,
        "context_permalink": assignment.context_permalink,
    }


# -- reminders -------------------------------------------------------------------------------------


def working_hours_before(person: Person, end: datetime, hours: float) -> datetime:
    """The moment ``hours`` of the person's working time before ``end`` (the mirror of add_working_hours)."""
    zone = people.zone_of(person)
    days = policy.working_days(person) or {0, 1, 2, 3, 4}
    start_minute = person.work_start_minute
    end_minute = min(person.work_end_minute, 24 * 60 - 1)
    remaining = timedelta(hours=hours)
    end_utc = end.astimezone(UTC)
    day = end.astimezone(zone).date()
    for _ in range(3660):
        if day.weekday() in days:
            start = datetime.combine(day, time(start_minute // 60, start_minute % 60), tzinfo=zone).astimezone(UTC)
            stop = datetime.combine(day, time(end_minute // 60, end_minute % 60), tzinfo=zone).astimezone(UTC)
            upper = min(stop, end_utc)
            if upper > start:
                if remaining <= upper - start:
                    return upper - remaining
                remaining -= upper - start
        day -= timedelta(days=1)
    return end_utc - timedelta(hours=hours)


def reminder_times(learner: Person, *, now: datetime, due_at: datetime) -> dict[int, datetime]:
    """Reminder number → when: 1 halfway to the due time, 2 two working hours before it. A reminder in
    the past is dropped; when the two would come within an hour of each other only the later one stays."""
    times: dict[int, datetime] = {}
    second = working_hours_before(learner, due_at, REMINDER_LEAD_HOURS).replace(second=0, microsecond=0)
    if now < second < due_at:
        times[2] = second
    first = (now + (due_at - now) / 2).replace(second=0, microsecond=0)
    if now < first < due_at and (2 not in times or times[2] - first >= REMINDER_MIN_GAP):
        times[1] = first
    return times


def schedule_reminders(session: Session, assignment: Assignment, learner: Person, *, now: datetime,
                       title: str) -> dict[int, datetime]:
    """(Re)schedule both reminders for the assignment's current due time; a reminder no longer wanted
    (the due time moved too close) is cancelled. Sent or cancelled ones are left alone."""
    times = reminder_times(learner, now=now, due_at=assignment.due_at)
    for number in (1, 2):
        key = reminder_key(assignment.id, number)
        if number in times:
            deliveries.schedule(session, key=key, team_id=assignment.team_id, user_id=assignment.learner_id,
                                kind=REMINDER_KIND, due_at=times[number], now=now,
                                payload={"assignment_id": assignment.id, "title": title, "number": number,
                                         "due_at": assignment.due_at.isoformat(),
                                         "not_after": assignment.due_at.isoformat()})
        else:
            deliveries.cancel(session, key=key, reason="the due time moved: this reminder is no longer needed",
                              now=now)
    return times


def cancel_reminders(session: Session, assignment: Assignment, *, reason: str, now: datetime) -> None:
    for number in (1, 2):
        deliveries.cancel(session, key=reminder_key(assignment.id, number), reason=reason, now=now)


# -- after the outbox sends the card ---------------------------------------------------------------


def remember_card(session: Session, delivery: Delivery) -> None:
    """The card is the thread root for questions and review feedback: keep where it is."""
    assignment = session.get(Assignment, int(delivery.payload.get("assignment_id") or 0))
    if assignment is not None and delivery.channel_id and delivery.ts:
        assignment.card_channel = delivery.channel_id
        assignment.card_ts = delivery.ts

