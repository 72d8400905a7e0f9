"""A person's private calendar address (ICS feed): connect, replace, disconnect.

The address is a secret — whoever has it can read the calendar — so it is encrypted at rest with
the vault, never logged, never put into analytics or error messages, and only ever shown as its
``url_hint`` (``scheme://host/…last-4``). Here the address is checked for syntax only; the
network checks (DNS, private addresses, redirects, size) happen when it is fetched.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable
from datetime import datetime
from urllib.parse import urlsplit

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from slackapp.calendar import FetchPolicy, describe_url
from slackapp.crypto import SecretsUnavailable, Vault
from slackapp.db.models import CalendarFeed, CalendarOccurrence, Delivery
from slackapp.domain import analytics, deliveries
from slackapp.domain.errors import InvalidInput

MAX_URL_LENGTH = 2048
SCHEMES = ("https", "webcal", "webcals")
DISCONNECT_REASON = "you disconnected your calendar"
_LABEL = re.compile(r"^[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?$")

EMPTY = "Paste your calendar's private address (it starts with https:// or webcal://)."
TOO_LONG = f"That address is too long to be a calendar link (at most {MAX_URL_LENGTH} characters)."
NOT_A_LINK = "That doesn't look like a web address. Copy the whole private ICS link from your calendar's settings."
BAD_SCHEME = "The calendar address must start with https:// or webcal://."
BAD_HOST = "The server name in that address isn't valid. Copy the whole private ICS link again."
NO_SECRETS = ("Calendar connections are switched off: the administrator has not set FLOWCOACH_SECRET_KEY, "
              "which Flowcoach needs to store the address encrypted.")


def _host(url: str) -> str | None:
    try:
        return urlsplit(url.strip()).hostname
    except ValueError:
        return None


def http_allowed(url: str, allowed_hosts: Iterable[str]) -> bool:
    """Plain http is allowed only for hosts on the operator's allow-list (intranets, tests)."""
    host = _host(url)
    return host is not None and host.lower() in {h.strip().lower() for h in allowed_hosts}


def fetch_policy(url: str, allowed_hosts: Iterable[str]) -> FetchPolicy:
    """How a feed is fetched: HTTPS only and public addresses only, except for allow-listed hosts,
    which may resolve to private addresses and (for that feed) use plain http."""
    hosts = frozenset(h.strip().lower() for h in allowed_hosts if h.strip())
    return FetchPolicy(allowed_hosts=hosts, allow_http=http_allowed(url, hosts))


def _valid_host(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
        return True
    except ValueError:
        pass
    try:
        ascii_host = host.encode("idna").decode("ascii").lower()
    except UnicodeError:
        return False
    labels = ascii_host.rstrip(".").split(".")
    return 0 < len(ascii_host) <= 253 and all(_LABEL.match(label) for label in labels)


def validate_url(url: str, *, allowed_hosts: Iterable[str] | None = None) -> str:
    """The stripped address, or InvalidInput with a sentence that never repeats the address.

    ``allowed_hosts`` None: plain http:// is accepted here and judged when the feed is fetched
    (where the allow-list setting applies); otherwise http:// only for those hosts.
    """
    url = url.strip()
    if not url:
        raise InvalidInput(EMPTY)
    if len(url) > MAX_URL_LENGTH:
        raise InvalidInput(TOO_LONG)
    if any(ch.isspace() or ord(ch) < 32 or ord(ch) == 127 for ch in url):
        raise InvalidInput(NOT_A_LINK)
    try:
        parts = urlsplit(url)
        host = parts.hostname
        _ = parts.port  # ValueError for a malformed port
    except ValueError:
        raise InvalidInput(NOT_A_LINK) from None
    scheme = parts.scheme.lower()
    if not scheme or not parts.netloc:
        raise InvalidInput(NOT_A_LINK)
    if scheme == "http":
        if allowed_hosts is not None and not http_allowed(url, allowed_hosts):
            raise InvalidInput(BAD_SCHEME)
    elif scheme not in SCHEMES:
        raise InvalidInput(BAD_SCHEME)
    if not host or not _valid_host(host):
        raise InvalidInput(BAD_HOST)
    return url


def feed_for(session: Session, *, team_id: str, user_id: str) -> CalendarFeed | None:
    return session.scalar(select(CalendarFeed).where(CalendarFeed.team_id == team_id, CalendarFeed.user_id == user_id))


def feed_url(feed: CalendarFeed, vault: Vault) -> str:
    """The decrypted address. Keep it in memory only: never log it or store it elsewhere."""
    return vault.decrypt(feed.encrypted_url)


def connect_feed(
    session: Session,
    *,
    team_id: str,
    user_id: str,
    url: str,
    vault: Vault,
    now: datetime,
    allowed_hosts: Iterable[str] | None = None,
) -> CalendarFeed:
    """Store (or replace: one feed per person) the person's calendar address, encrypted.

    A replacement keeps the row (and its id, so occurrences no longer in the new calendar are
    cancelled at the next sync) but starts afresh: status active, no validators, no failures,
    ``created_at`` = now (the connection time, part of the one-time failure notice key).
    """
    url = validate_url(url, allowed_hosts=allowed_hosts)
    try:
        encrypted = vault.encrypt(url)
    except SecretsUnavailable:
        raise InvalidInput(NO_SECRETS) from None
    hint = describe_url(url)[:255]
    feed = feed_for(session, team_id=team_id, user_id=user_id)
    replaced = feed is not None
    if feed is None:
        try:
            with session.begin_nested():
                feed = CalendarFeed(team_id=team_id, user_id=user_id, encrypted_url=encrypted, url_hint=hint,
                                    status="active", consecutive_failures=0, skipped_series=0, created_at=now,
                                    updated_at=now)
                session.add(feed)
        except IntegrityError:  # connected twice at once: the other insert won, replace it
            feed = feed_for(session, team_id=team_id, user_id=user_id)
            if feed is None:
                raise
            replaced = True
    if replaced:
        feed.encrypted_url = encrypted
        feed.url_hint = hint
        feed.status = "active"
        feed.etag = None
        feed.last_modified = None
        feed.last_synced_at = None
        feed.last_success_at = None
        feed.last_error = None
        feed.consecutive_failures = 0
        feed.failure_notified_at = None
        feed.skipped_series = 0
        feed.created_at = now
        feed.updated_at = now
    session.flush()
    analytics.record(session, now=now, team_id=team_id, user_id=user_id, name="calendar.connected",
                     object_type="calendar_feed", object_id=feed.id,
                     properties={"replaced": replaced, "scheme": urlsplit(url).scheme.lower()})
    return feed


def disconnect_feed(session: Session, *, team_id: str, user_id: str, now: datetime) -> bool:
    """Forget the person's feed: cancel the still-scheduled prep/reflect nudges that came from their
    ICS occurrences and delete the occurrences that have not started. False if there was none."""
    feed = feed_for(session, team_id=team_id, user_id=user_id)
    if feed is None:
        return False
    feed_id = feed.id
    ics_ids = set(session.scalars(
        select(CalendarOccurrence.id).where(CalendarOccurrence.team_id == team_id,
                                            CalendarOccurrence.user_id == user_id,
                                            CalendarOccurrence.source == "ics")
    ).all())
    scheduled = session.scalars(
        select(Delivery).where(Delivery.team_id == team_id, Delivery.user_id == user_id,
                               Delivery.kind.in_(("prep", "reflect")), Delivery.state == "scheduled")
    ).all()
    cancelled = 0
    for delivery in scheduled:
        if (delivery.payload or {}).get("occurrence_id") in ics_ids:
            delivery.state = "cancelled"
            deliveries.record_decision(session, delivery, outcome="cancelled", reason=DISCONNECT_REASON, now=now)
            cancelled += 1
    result = session.execute(
        delete(CalendarOccurrence).where(CalendarOccurrence.team_id == team_id, CalendarOccurrence.user_id == user_id,
                                         CalendarOccurrence.source == "ics", CalendarOccurrence.start > now)
    )
    removed = int(getattr(result, "rowcount", 0) or 0)
    session.delete(feed)
    session.flush()
    analytics.record(session, now=now, team_id=team_id, user_id=user_id, name="calendar.disconnected",
                     object_type="calendar_feed", object_id=feed_id,
                     properties={"cancelled": cancelled, "removed_occurrences": removed})
    return True
