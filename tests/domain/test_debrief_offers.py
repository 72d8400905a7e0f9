"""Peer debriefs are offered after accepted work whose template has a debrief set, and after moments
whose rule says so."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from slackapp.content import ContentLibrary
from slackapp.db.models import Delivery
from slackapp.domain import debriefs, deliveries
from slackapp.services import Services

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


def _reflect_delivery(services: Services, moment_id: str) -> Delivery:
    with services.db.session() as session:
        delivery = deliveries.schedule(session, key=f"reflect:T0001:UREPORT1:uid:{moment_id}", team_id="T0001",
                                       user_id="UREPORT1", kind="reflect", due_at=NOW, now=NOW,
                                       payload={"moment_id": moment_id, "title": "Ravi / Maria feedback",
                                                "occurrence_id": 7})
        session.flush()
        return delivery


def test_a_feedback_conversation_reflection_offers_a_feedback_debrief(
    services: Services, content_library: ContentLibrary
) -> None:
    assert content_library.moment("feedback-conversation").offer_debrief
    delivery = _reflect_delivery(services, "feedback-conversation")
    with services.db.session() as session:
        offer = debriefs.offer_after_moment(session, delivery=delivery, content=content_library, now=NOW)
        assert offer is not None and offer.kind == "debrief_offer"
        assert offer.payload["question_set_id"] == "debrief-feedback"


def test_a_plain_one_on_one_offers_nothing(services: Services, content_library: ContentLibrary) -> None:
    assert not content_library.moment("one-on-one").offer_debrief
    delivery = _reflect_delivery(services, "one-on-one")
    with services.db.session() as session:
        assert debriefs.offer_after_moment(session, delivery=delivery, content=content_library, now=NOW) is None
        assert session.scalars(select(Delivery).where(Delivery.kind == "debrief_offer")).all() == []
