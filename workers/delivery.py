"""Sending one outbox delivery: re-check the policy, send once, record the ts and the reason.

Slack calls per delivery: none when the policy already says defer or skip from what the database
knows (working hours, pause, cap, back-off, opt-out, a calendar OOO); for a message about to go
out, ``users.info`` (time zone, deactivation and the status that may read as out of office — one
call serves the daily profile refresh too) and ``dnd.info``, then ``chat.postMessage``.
``conversations.open`` only the first time (the DM channel id is kept on the person) and
``conversations.history`` only when retrying after a crash mid-send.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy import update
from sqlalchemy.orm import Session

from slackapp import ids
from slackapp.clock import utcnow
from slackapp.db.models import Delivery, Person
from slackapp.domain import deliveries, people, policy, sent_hooks, workspaces
from slackapp.services import Services
from slackapp.slack_client import WorkspaceUnavailable
from slackapp.views.blocks import Message
from slackapp.views.deliveries import RenderContext, render_delivery
from workers.pacing import channel_posted, hold_channel_for_post, wait_for_workspace_slot

logger = logging.getLogger(__name__)

# Slack errors that mean this person cannot be messaged: stop, don't retry forever.
UNREACHABLE_ERRORS = frozenset({"user_not_found", "user_disabled", "cannot_dm_bot", "channel_not_found",
                                "is_archived", "not_in_channel", "users_not_found", "user_not_visible"})
# A DM channel id kept on the person that Slack no longer knows: open the DM again, once.
STALE_CHANNEL_ERRORS = frozenset({"channel_not_found", "is_archived", "not_in_channel"})
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


def _fetch_user(client: WebClient, user_id: str) -> dict[str, Any]:
    return dict(client.users_info(user=user_id)["user"])


def _apply_user(person: Person, user: dict[str, Any], now: datetime) -> None:
    profile = user.get("profile") or {}
    people.apply_profile(person, now=now, tz=user.get("tz"), email=profile.get("email"),
                         display_name=profile.get("display_name") or user.get("real_name") or user.get("name"),
                         deleted=bool(user.get("deleted")))


def _status(user: dict[str, Any] | None) -> dict[str, Any]:
    if user is None:
        return {}
    profile = user.get("profile") or {}
    expiration = int(profile.get("status_expiration") or 0)
    return {"status_text": str(profile.get("status_text") or ""),
            "status_emoji": str(profile.get("status_emoji") or ""),
            "status_expiration": datetime.fromtimestamp(expiration, UTC) if expiration > 0 else None}


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
        if delivery.due_at > now:  # moved later while its job was queued: the dispatcher queues it again
            return "noop"
        if not workspaces.is_active(session, delivery.team_id):
            deliveries.skip(session, delivery, reason="the workspace uninstalled Flowcoach", now=now)
            return "skipped"
        team_id, user_id = delivery.team_id, delivery.user_id
    try:
        client = services.clients.for_team(team_id)
    except WorkspaceUnavailable:
        with services.db.session() as session:
            deliveries.skip(session, session.get_one(Delivery, delivery_id), reason="no bot token for the workspace",
                            now=now)
        return "skipped"
    try:
        return _decide_and_send(services, client, delivery_id, team_id, user_id, now)
    except SlackApiError as exc:
        return _handle_slack_error(services, delivery_id, str(exc.response.get("error", "unknown_error")), now)


def _decide(session: Session, delivery: Delivery, person: Person, now: datetime, *,
            dnd_until: datetime | None = None, user: dict[str, Any] | None = None) -> policy.Decision:
    """The policy with every fact gathered: the outbox history, and what Slack said (if asked)."""
    capped = policy.recent_capped_sends(session, person, now=now) if policy.is_capped(delivery.kind) else []
    streak = policy.ignored_streak(session, person, kind=delivery.kind, payload=delivery.payload, now=now)
    return policy.decide(person, kind=delivery.kind, now=now, payload=delivery.payload, recent_sends=capped,
                         ignored_streak=streak, dnd_until=dnd_until, **_status(user))


def _record_hold(session: Session, delivery: Delivery, person: Person, decision: policy.Decision,
                 now: datetime) -> str:
    """Record a deferral or a skip (starting a back-off if the decision says so)."""
    if decision.outcome == "defer":
        assert decision.until is not None
        deliveries.defer(session, delivery, until=decision.until, reason=decision.reason, now=now)
        return "deferred"
    deliveries.skip(session, delivery, reason=decision.reason, now=now)
    if decision.starts_backoff:
        start_backoff(session, person, now=now)
    return "skipped"


def backoff_note_key(team_id: str, user_id: str, now: datetime) -> str:
    return f"backoff-note:{team_id}:{user_id}:{now.date().isoformat()}"


def start_backoff(session: Session, person: Person, *, now: datetime) -> None:
    """Send fewer nudges for a week; the first time ever, tell the person (one note, via the outbox)."""
    if person.backoff_until is None or person.backoff_until <= now:
        person.backoff_until = now + policy.BACKOFF_FOR
    if person.backoff_noted_at is None:
        person.backoff_noted_at = now
        deliveries.schedule(session, key=backoff_note_key(person.team_id, person.user_id, now),
                            team_id=person.team_id, user_id=person.user_id, kind="backoff_note", due_at=now,
                            now=now, payload={"backoff_until": person.backoff_until.isoformat()})


def _decide_and_send(services: Services, client: WebClient, delivery_id: int, team_id: str, user_id: str,
                     now: datetime) -> str:
    """Decide without asking Slack first; only a message about to go out costs users.info + dnd.info.

    A stale profile (older than a day) is refreshed before anything else, since its time zone and
    deactivation matter to every rule.
    """
    with services.db.session() as session:
        person, _ = people.get_or_create_person(session, team_id=team_id, user_id=user_id, now=now)
        stale = people.profile_is_stale(person, now=now)
    user = _fetch_user(client, user_id) if stale else None
    with services.db.session() as session:
        delivery = session.get_one(Delivery, delivery_id)
        person, _ = people.get_or_create_person(session, team_id=team_id, user_id=user_id, now=now)
        if user is not None:
            _apply_user(person, user, now)
        decision = _decide(session, delivery, person, now, user=user)
        if decision.outcome != "send":
            return _record_hold(session, delivery, person, decision, now)
    if user is None:
        user = _fetch_user(client, user_id)
    dnd_until = _dnd_until(client, user_id, now)
    with services.db.session() as session:
        delivery = session.get_one(Delivery, delivery_id)
        if delivery.state != "scheduled":
            return "noop"
        person, _ = people.get_or_create_person(session, team_id=team_id, user_id=user_id, now=now)
        _apply_user(person, user, now)
        decision = _decide(session, delivery, person, now, dnd_until=dnd_until, user=user)
        if decision.outcome != "send":
            return _record_hold(session, delivery, person, decision, now)
        context = RenderContext(content=services.content, tz=people.zone_of(person), now=now,
                                delivery_key=delivery.key)
        message = render_delivery(delivery.kind, delivery.payload, context)
        unthreaded = _unthreaded(delivery.kind, delivery.payload, context)
        retrying = delivery.attempts > 0
        known_channel = person.dm_channel_id
    if not _claim(services, delivery_id, now):
        return "noop"
    channel = known_channel or client.conversations_open(users=user_id)["channel"]["id"]
    with services.db.session() as session:
        delivery = session.get_one(Delivery, delivery_id)
        ts = _already_sent_ts(client, channel, delivery) if retrying else None
        if ts is None:
            try:
                ts = _post(services, client, team_id, channel, delivery, message, unthreaded)
            except SlackApiError as exc:
                if not known_channel or exc.response.get("error") not in STALE_CHANNEL_ERRORS:
                    raise
                channel = client.conversations_open(users=user_id)["channel"]["id"]  # the kept id went stale
                ts = _post(services, client, team_id, channel, delivery, message, unthreaded)
        deliveries.mark_sent(session, delivery, channel_id=channel, ts=ts, now=now, reason=decision.reason)
        sent_hooks.on_sent(session, delivery)  # e.g. a card remembers its ts, in the same transaction
        person, _ = people.get_or_create_person(session, team_id=team_id, user_id=user_id, now=now)
        person.dm_channel_id = channel
    return "sent"


def _thread_args(payload: dict[str, Any]) -> dict[str, Any]:
    """A delivery may reply in a thread of the person's DM (e.g. under their assignment card)."""
    if not payload.get("thread_ts"):
        return {}
    return {"thread_ts": str(payload["thread_ts"]), **({"reply_broadcast": True} if payload.get("reply_broadcast")
                                                      else {})}


def _unthreaded(kind: str, payload: dict[str, Any], context: RenderContext) -> Message | None:
    """The same message worded to stand on its own, for when the thread it belongs in is gone."""
    if not payload.get("thread_ts"):
        return None
    plain = {k: v for k, v in payload.items() if k not in ("thread_ts", "reply_broadcast")}
    return render_delivery(kind, plain, context)


def _send(client: WebClient, channel: str, metadata: dict[str, Any], message: Message,
          thread: dict[str, Any], unthreaded: Message | None) -> str:
    try:
        response = client.chat_postMessage(channel=channel, metadata=metadata, unfurl_links=False,
                                           **message.to_kwargs(), **thread)
    except SlackApiError as exc:
        if not thread or exc.response.get("error") != "thread_not_found":
            raise
        # The thread's root was deleted: the message still arrives, as a plain DM.
        response = client.chat_postMessage(channel=channel, metadata=metadata, unfurl_links=False,
                                           **(unthreaded or message).to_kwargs())
    return str(response["ts"])


def _post(services: Services, client: WebClient, team_id: str, channel: str, delivery: Delivery,
          message: Message, unthreaded: Message | None = None) -> str:
    metadata = {"event_type": ids.DELIVERY_EVENT_TYPE, "event_payload": {"delivery_key": delivery.key}}
    thread = _thread_args(delivery.payload or {})
    if services.redis is None:
        return _send(client, channel, metadata, message, thread, unthreaded)
    hold_channel_for_post(services.redis, channel)  # the channel first: a busy channel must not waste a
    try:                                            # workspace slot while it waits
        wait_for_workspace_slot(services.redis, team_id)
        return _send(client, channel, metadata, message, thread, unthreaded)
    finally:
        channel_posted(services.redis, channel)


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
