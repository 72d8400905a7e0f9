"""Sending one outbox delivery: re-check the policy, send once, record the ts and the reason."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy import update

from slackapp import ids
from slackapp.clock import utcnow
from slackapp.db.models import Delivery
from slackapp.domain import deliveries, people, policy, workspaces
from slackapp.services import Services
from slackapp.slack_client import WorkspaceUnavailable
from slackapp.views.deliveries import RenderContext, render_delivery
from workers.pacing import wait_for_channel_slot

logger = logging.getLogger(__name__)

# Slack errors that mean this person cannot be messaged: stop, don't retry forever.
UNREACHABLE_ERRORS = frozenset({"user_not_found", "user_disabled", "cannot_dm_bot", "channel_not_found",
                                "is_archived", "not_in_channel", "users_not_found", "user_not_visible"})
# Slack errors that mean the workspace took our access away.
WORKSPACE_GONE_ERRORS = frozenset({"invalid_auth", "token_revoked", "account_inactive", "not_authed",
                                   "team_access_not_granted", "missing_scope"})


class TransientDeliveryError(Exception):
    """Raised so RQ's Retry tries again later; the delivery itself is back to scheduled."""


def _dnd_until(client: WebClient, user_id: str, now: datetime) -> datetime | None:
    info = client.dnd_info(user=user_id)
    now_ts = now.timestamp()
    if info.get("snooze_enabled") and (info.get("snooze_endtime") or 0) > now_ts:
        return datetime.fromtimestamp(int(info["snooze_endtime"]), UTC)
    start, end = info.get("next_dnd_start_ts") or 0, info.get("next_dnd_end_ts") or 0
    if info.get("dnd_enabled") and start <= now_ts < end:
        return datetime.fromtimestamp(int(end), UTC)
    return None


def _refresh_profile(client: WebClient, person: Any, now: datetime) -> None:
    user = client.users_info(user=person.user_id)["user"]
    profile = user.get("profile") or {}
    people.apply_profile(person, now=now, tz=user.get("tz"), email=profile.get("email"),
                         display_name=profile.get("display_name") or user.get("real_name") or user.get("name"),
                         deleted=bool(user.get("deleted")))


def _already_sent_ts(client: WebClient, channel: str, delivery: Delivery) -> str | None:
    """After a crash mid-send, find the message we may already have posted, by its metadata key."""
    history = client.conversations_history(channel=channel, oldest=str(delivery.created_at.timestamp()),
                                           include_all_metadata=True, limit=200)
    for message in history.get("messages") or []:
        payload = (message.get("metadata") or {}).get("event_payload") or {}
        if payload.get("delivery_key") == delivery.key:
            return str(message["ts"])
    return None


def _claim(services: Services, delivery_id: int, now: datetime) -> bool:
    with services.db.session() as session:
        result = session.execute(
            update(Delivery).where(Delivery.id == delivery_id, Delivery.state == "scheduled")
            .values(state="sending", attempts=Delivery.attempts + 1, updated_at=now)
        )
        return bool(getattr(result, "rowcount", 0))


def deliver(services: Services, delivery_id: int, *, now: datetime | None = None) -> str:
    """Returns the outcome (for logs and tests): sent, deferred, skipped, noop, failed."""
    now = now or utcnow()
    with services.db.session() as session:
        delivery = deliveries.get(session, delivery_id)
        if delivery is None or delivery.state != "scheduled":
            return "noop"
        if not workspaces.is_active(session, delivery.team_id):
            deliveries.skip(session, delivery, reason="the workspace uninstalled Flowcoach", now=now)
            return "skipped"
        team_id, user_id, kind = delivery.team_id, delivery.user_id, delivery.kind
    try:
        client = services.clients.for_team(team_id)
    except WorkspaceUnavailable:
        with services.db.session() as session:
            deliveries.skip(session, session.get_one(Delivery, delivery_id), reason="no bot token for the workspace",
                            now=now)
        return "skipped"
    try:
        return _decide_and_send(services, client, delivery_id, team_id, user_id, kind, now)
    except SlackApiError as exc:
        return _handle_slack_error(services, delivery_id, str(exc.response.get("error", "unknown_error")), now)


def _decide_and_send(services: Services, client: WebClient, delivery_id: int, team_id: str, user_id: str,
                     kind: str, now: datetime) -> str:
    with services.db.session() as session:
        person, _ = people.get_or_create_person(session, team_id=team_id, user_id=user_id, now=now)
        if people.profile_is_stale(person, now=now):
            _refresh_profile(client, person, now)
    dnd_until = _dnd_until(client, user_id, now)
    with services.db.session() as session:
        delivery = session.get_one(Delivery, delivery_id)
        person, _ = people.get_or_create_person(session, team_id=team_id, user_id=user_id, now=now)
        decision = policy.decide(person, kind=kind, now=now, dnd_until=dnd_until)
        if decision.outcome == "defer":
            assert decision.until is not None
            deliveries.defer(session, delivery, until=decision.until, reason=decision.reason, now=now)
            return "deferred"
        if decision.outcome == "skip":
            deliveries.skip(session, delivery, reason=decision.reason, now=now)
            return "skipped"
        context = RenderContext(content=services.content, tz=people.zone_of(person), now=now,
                                delivery_key=delivery.key)
        message = render_delivery(delivery.kind, delivery.payload, context)
        retrying = delivery.attempts > 0
    if not _claim(services, delivery_id, now):
        return "noop"
    channel = client.conversations_open(users=user_id)["channel"]["id"]
    with services.db.session() as session:
        delivery = session.get_one(Delivery, delivery_id)
        ts = _already_sent_ts(client, channel, delivery) if retrying else None
        if ts is None:
            if services.redis is not None:
                wait_for_channel_slot(services.redis, channel)
            metadata = {"event_type": ids.DELIVERY_EVENT_TYPE, "event_payload": {"delivery_key": delivery.key}}
            response = client.chat_postMessage(channel=channel, metadata=metadata, unfurl_links=False,
                                               **message.to_kwargs())
            ts = str(response["ts"])
        deliveries.mark_sent(session, delivery, channel_id=channel, ts=ts, now=now, reason=decision.reason)
        person, _ = people.get_or_create_person(session, team_id=team_id, user_id=user_id, now=now)
        person.dm_channel_id = channel
    return "sent"


def _handle_slack_error(services: Services, delivery_id: int, error: str, now: datetime) -> str:
    with services.db.session() as session:
        delivery = session.get_one(Delivery, delivery_id)
        if error in UNREACHABLE_ERRORS:
            person, _ = people.get_or_create_person(session, team_id=delivery.team_id, user_id=delivery.user_id,
                                                    now=now)
            person.unreachable_reason = error
            deliveries.skip(session, delivery, reason=f"Slack cannot reach the person ({error})", now=now)
            return "skipped"
        if error in WORKSPACE_GONE_ERRORS:
            deliveries.skip(session, delivery, reason=f"the workspace's token no longer works ({error})", now=now)
            if error in ("invalid_auth", "token_revoked"):
                workspaces.deactivate(session, team_id=delivery.team_id, now=now, reason=error)
            return "skipped"
        if error in ("ratelimited", "internal_error", "fatal_error", "service_unavailable", "request_timeout"):
            delivery.state = "scheduled"
            deliveries.record_decision(session, delivery, outcome="retry", reason=f"Slack said {error}", now=now)
        else:
            deliveries.mark_failed(session, delivery, reason=f"Slack rejected the message ({error})", now=now)
            logger.error("delivery %s failed: %s", delivery_id, error)
            return "failed"
    raise TransientDeliveryError(error)
