"""Closing peer debriefs at their deadline (see docs/debriefs.md).

``close_due_debriefs`` runs from ``rq cron`` every 5 minutes (a thread does it in embedded mode): it
enqueues ``close_debrief`` for each debrief past its deadline (job id ``close-debrief-{id}``) and
drops the answers from summaries that will never be sent. ``close_debrief`` is idempotent: the first
run closes (peers still invited expire; the summary is scheduled once) and updates the expired
peers' cards to "This debrief has closed."; any later run does nothing.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from slack_sdk.errors import SlackApiError

from slackapp import ids
from slackapp.clock import utcnow
from slackapp.db.models import Debrief
from slackapp.domain import debriefs, deliveries
from slackapp.services import Services
from slackapp.slack_client import WorkspaceUnavailable
from slackapp.views import debriefs as views
from slackapp.views.blocks import Message
from workers import runtime

logger = logging.getLogger(__name__)
CLOSE_EVERY_SECONDS = 300


def close_due_debriefs() -> int:
    """Cron: enqueue a close for every debrief past its deadline. Returns how many were enqueued."""
    return enqueue_due_closes(runtime.current(), now=utcnow())


def enqueue_due_closes(services: Services, *, now: datetime) -> int:
    with services.db.session() as session:
        due = debriefs.due_for_closing(session, now=now)
        scrubbed = debriefs.scrub_unsent_summaries(session, now=now)
    if scrubbed:
        logger.info("debriefs: answers dropped from %d unsent summaries", scrubbed)
    count = 0
    for debrief_id in due:
        job: Any = services.enqueue("workers.debrief_jobs.close_debrief", debrief_id,
                                    job_id=f"close-debrief-{debrief_id}")
        if job is not None:
            count += 1
    if count:
        logger.info("debriefs: %d close job(s) enqueued", count)
    return count


def close_debrief(debrief_id: int) -> str:
    """RQ entry point (job id ``close-debrief-{debrief_id}``)."""
    return close_now(runtime.current(), debrief_id, now=utcnow())


def close_now(services: Services, debrief_id: int, *, now: datetime) -> str:
    """Close one debrief; returns ``closed`` or ``noop`` (already closed, or no such debrief)."""
    with services.db.session() as session:
        debrief = session.get(Debrief, debrief_id)
        if debrief is None:
            return "noop"
        result = debriefs.close_debrief(session, debrief_id=debrief_id, vault=services.vault, now=now)
        if not result.closed:
            return "noop"
        team_id = debrief.team_id
        updates: list[tuple[debriefs.PeerCard, Message]] = []
        for peer_id in result.expired:
            prompt = deliveries.by_key(session, debriefs.prompt_key(debrief_id, peer_id))
            message = views.closed_card(dict(prompt.payload) if prompt is not None else {})
            updates.extend((card, message) for card in debriefs.peer_cards(session, debrief_id=debrief_id,
                                                                            peer_id=peer_id))
    services.kick_dispatcher()  # the summary goes out now, not at the next tick
    if updates:
        try:
            client = services.clients.for_team(team_id)
        except WorkspaceUnavailable:
            return "closed"
        for card, message in updates:
            metadata = {"event_type": ids.DELIVERY_EVENT_TYPE, "event_payload": {"delivery_key": card.key}}
            try:
                client.chat_update(channel=card.channel, ts=card.ts, metadata=metadata, **message.to_kwargs())
            except SlackApiError as error:  # a deleted message, a closed DM: nothing else to do
                logger.warning("debrief %s: could not update card %s: %s", debrief_id, card.key,
                               error.response.get("error"))
    return "closed"
