"""SQLAlchemy 2 ORM models. Every datetime is stored as UTC (``UtcDateTime``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar

from sqlalchemy import JSON, BigInteger, DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

from slackapp.clock import ensure_utc


class UtcDateTime(TypeDecorator[datetime]):
    """tz-aware on the way in and out, on SQLite (naive storage) and PostgreSQL alike."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored; pass a tz-aware value")
        value = ensure_utc(value)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return None if value is None else ensure_utc(value)


# BigInteger ids that still autoincrement on SQLite.
BigId = BigInteger().with_variant(Integer(), "sqlite")


class Base(DeclarativeBase):
    type_annotation_map: ClassVar[dict[Any, Any]] = {datetime: UtcDateTime(), dict[str, Any]: JSON(), list[str]: JSON()}


class Workspace(Base):
    __tablename__ = "workspaces"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32), unique=True)
    enterprise_id: Mapped[str | None] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(255), default="")
    active: Mapped[bool] = mapped_column(default=True)
    installed_at: Mapped[datetime]
    uninstalled_at: Mapped[datetime | None]


class SlackInstallation(Base):
    """One OAuth installation; the whole slack_sdk Installation is kept encrypted."""

    __tablename__ = "slack_installations"
    __table_args__ = (Index("ix_slack_installations_lookup", "client_id", "enterprise_id", "team_id", "user_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    client_id: Mapped[str] = mapped_column(String(32))
    enterprise_id: Mapped[str | None] = mapped_column(String(32))
    team_id: Mapped[str | None] = mapped_column(String(32))
    user_id: Mapped[str] = mapped_column(String(32))
    is_enterprise_install: Mapped[bool] = mapped_column(default=False)
    has_bot: Mapped[bool] = mapped_column(default=True)
    installed_at: Mapped[datetime]
    encrypted_installation: Mapped[str] = mapped_column(Text)


class OAuthState(Base):
    __tablename__ = "oauth_states"

    state: Mapped[str] = mapped_column(String(64), primary_key=True)
    expire_at: Mapped[datetime]


class Person(Base):
    """A Slack member Flowcoach knows about, with their respect-my-time preferences."""

    __tablename__ = "people"
    __table_args__ = (UniqueConstraint("team_id", "user_id", name="uq_people_team_user"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    user_id: Mapped[str] = mapped_column(String(32))
    display_name: Mapped[str] = mapped_column(String(255), default="")
    email: Mapped[str | None] = mapped_column(String(320))
    tz: Mapped[str] = mapped_column(String(64), default="UTC")
    tz_refreshed_at: Mapped[datetime | None]
    working_days: Mapped[str] = mapped_column(String(16), default="0,1,2,3,4")
    work_start_minute: Mapped[int] = mapped_column(default=9 * 60)
    work_end_minute: Mapped[int] = mapped_column(default=17 * 60 + 30)
    opt_in: Mapped[str] = mapped_column(String(16), default="unknown")
    opt_in_changed_at: Mapped[datetime | None]
    paused_until: Mapped[datetime | None]
    muted_kinds: Mapped[list[str]] = mapped_column(default=list)
    deactivated: Mapped[bool] = mapped_column(default=False)
    unreachable_reason: Mapped[str | None] = mapped_column(String(64))
    dm_channel_id: Mapped[str | None] = mapped_column(String(32))
    weekly_cap: Mapped[int] = mapped_column(default=3)  # non-calendar nudges per 7 days
    ooo_until: Mapped[datetime | None]  # out of office (Slack status or an all-day OOO event)
    backoff_until: Mapped[datetime | None]  # set after repeated ignored nudges
    backoff_noted_at: Mapped[datetime | None]  # the one-time "I'll send fewer" note
    created_at: Mapped[datetime]


class Delivery(Base):
    """The outbox: every proactive message, keyed so re-scheduling is idempotent."""

    __tablename__ = "deliveries"
    __table_args__ = (Index("ix_deliveries_state_due", "state", "due_at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    key: Mapped[str] = mapped_column(String(255), unique=True)
    team_id: Mapped[str] = mapped_column(String(32), index=True)
    user_id: Mapped[str] = mapped_column(String(32))
    kind: Mapped[str] = mapped_column(String(32))
    due_at: Mapped[datetime]
    state: Mapped[str] = mapped_column(String(16), default="scheduled")
    attempts: Mapped[int] = mapped_column(default=0)
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)
    channel_id: Mapped[str | None] = mapped_column(String(32))
    ts: Mapped[str | None] = mapped_column(String(32))
    enqueued_at: Mapped[datetime | None]
    sent_at: Mapped[datetime | None]
    interacted_at: Mapped[datetime | None]  # a button on it was used: not ignored
    last_reason: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class DeliveryDecision(Base):
    """Why a delivery was sent, deferred, skipped or cancelled: answers "why did I get this"."""

    __tablename__ = "delivery_decisions"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    delivery_id: Mapped[int] = mapped_column(ForeignKey("deliveries.id", ondelete="CASCADE"), index=True)
    decided_at: Mapped[datetime]
    outcome: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(String(255))
    deferred_until: Mapped[datetime | None]


class AnalyticsEvent(Base):
    """Append-only: who did what, when, to which object. Metrics are computed from this."""

    __tablename__ = "analytics_events"
    __table_args__ = (Index("ix_analytics_team_name_time", "team_id", "name", "occurred_at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    occurred_at: Mapped[datetime]
    team_id: Mapped[str] = mapped_column(String(32))
    user_id: Mapped[str | None] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(64))
    object_type: Mapped[str | None] = mapped_column(String(32))
    object_id: Mapped[str | None] = mapped_column(String(255))
    properties: Mapped[dict[str, Any]] = mapped_column(default=dict)


class ProcessedEvent(Base):
    """Events API event_ids already handled, so a Slack retry has its effect once."""

    __tablename__ = "processed_events"

    event_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    team_id: Mapped[str | None] = mapped_column(String(32))
    received_at: Mapped[datetime] = mapped_column(index=True)


class CalendarFeed(Base):
    """A person's private ICS address (encrypted: it is a secret) and its sync state."""

    __tablename__ = "calendar_feeds"
    __table_args__ = (UniqueConstraint("team_id", "user_id", name="uq_calendar_feeds_person"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    user_id: Mapped[str] = mapped_column(String(32))
    encrypted_url: Mapped[str] = mapped_column(Text)
    url_hint: Mapped[str] = mapped_column(String(255))  # safe to show: scheme://host/…last-4
    status: Mapped[str] = mapped_column(String(16), default="active")  # active | failing | disconnected
    etag: Mapped[str | None] = mapped_column(String(255))
    last_modified: Mapped[str | None] = mapped_column(String(64))
    last_synced_at: Mapped[datetime | None]
    last_success_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(String(255))  # a reason for the owner; never the URL
    consecutive_failures: Mapped[int] = mapped_column(default=0)
    failure_notified_at: Mapped[datetime | None]
    skipped_series: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class CalendarOccurrence(Base):
    """One occurrence of a calendar event for one person, upserted by (event uid, occurrence id)."""

    __tablename__ = "calendar_occurrences"
    __table_args__ = (
        UniqueConstraint("team_id", "user_id", "event_uid", "occurrence_id", name="uq_occurrences_identity"),
        Index("ix_occurrences_person_start", "team_id", "user_id", "start"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    user_id: Mapped[str] = mapped_column(String(32))
    source: Mapped[str] = mapped_column(String(16))  # ics | webhook
    feed_id: Mapped[int | None] = mapped_column(ForeignKey("calendar_feeds.id", ondelete="SET NULL"))
    event_uid: Mapped[str] = mapped_column(String(255))
    occurrence_id: Mapped[str] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(String(500), default="")
    start: Mapped[datetime]
    end: Mapped[datetime]
    all_day: Mapped[bool] = mapped_column(default=False)
    status: Mapped[str] = mapped_column(String(16), default="CONFIRMED")
    attendee_count: Mapped[int] = mapped_column(default=0)
    organizer: Mapped[str | None] = mapped_column(String(320))
    moment_id: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class MutedSeries(Base):
    """"Stop these for this meeting series": no more nudges for one event uid."""

    __tablename__ = "muted_series"
    __table_args__ = (UniqueConstraint("team_id", "user_id", "event_uid", name="uq_muted_series"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    user_id: Mapped[str] = mapped_column(String(32))
    event_uid: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime]


class Reflection(Base):
    """A private journal entry. The answers are encrypted; only the author (and, if shared, their
    manager) ever sees them."""

    __tablename__ = "reflections"
    __table_args__ = (Index("ix_reflections_author", "team_id", "user_id", "created_at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    user_id: Mapped[str] = mapped_column(String(32))
    occurrence_id: Mapped[int | None] = mapped_column(ForeignKey("calendar_occurrences.id", ondelete="SET NULL"))
    moment_id: Mapped[str | None] = mapped_column(String(64))
    prompt_key: Mapped[str | None] = mapped_column(String(255), unique=True)  # one reflection per prompt
    encrypted_answers: Mapped[str] = mapped_column(Text)
    shared_with_manager: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime]


class TeamLink(Base):
    """Flowcoach's own org chart: who manages whom. A link is only active once the report accepts."""

    __tablename__ = "team_links"
    __table_args__ = (
        UniqueConstraint("team_id", "manager_id", "report_id", name="uq_team_links_pair"),
        Index("ix_team_links_report", "team_id", "report_id", "state"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    manager_id: Mapped[str] = mapped_column(String(32))
    report_id: Mapped[str] = mapped_column(String(32))
    state: Mapped[str] = mapped_column(String(16))  # invited | active | declined | removed
    source: Mapped[str] = mapped_column(String(16), default="invite")  # invite | import
    invited_by: Mapped[str | None] = mapped_column(String(32))
    card_channel: Mapped[str | None] = mapped_column(String(32))  # the report's invitation DM
    card_ts: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime]
    responded_at: Mapped[datetime | None]
    updated_at: Mapped[datetime]


class Assignment(Base):
    """A micro-assignment: one timeboxed practice task for one skill, reviewed against a rubric."""

    __tablename__ = "assignments"
    __table_args__ = (
        Index("ix_assignments_learner", "team_id", "learner_id", "state"),
        Index("ix_assignments_reviewer", "team_id", "reviewer_id", "state"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    learner_id: Mapped[str] = mapped_column(String(32))
    assigned_by: Mapped[str] = mapped_column(String(32))
    reviewer_id: Mapped[str] = mapped_column(String(32))
    template_id: Mapped[str] = mapped_column(String(64))
    competency_id: Mapped[str] = mapped_column(String(64))
    skill_id: Mapped[str] = mapped_column(String(128))
    context_note: Mapped[str] = mapped_column(Text, default="")
    context_permalink: Mapped[str | None] = mapped_column(String(500))
    # offered → accepted | declined; accepted → submitted → changes_requested → submitted … → reviewed;
    # any open state → cancelled
    state: Mapped[str] = mapped_column(String(24), default="offered")
    due_at: Mapped[datetime]
    review_due_at: Mapped[datetime | None]
    decline_reason: Mapped[str | None] = mapped_column(String(500))
    late: Mapped[bool] = mapped_column(default=False)
    card_channel: Mapped[str | None] = mapped_column(String(32))  # the learner's DM card (the thread root)
    card_ts: Mapped[str | None] = mapped_column(String(32))
    reviewer_card_channel: Mapped[str | None] = mapped_column(String(32))
    reviewer_card_ts: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime]
    accepted_at: Mapped[datetime | None]
    submitted_at: Mapped[datetime | None]
    reviewed_at: Mapped[datetime | None]
    updated_at: Mapped[datetime]


class AssignmentTransition(Base):
    """Every state change of an assignment: who, when, from, to, and an optional note."""

    __tablename__ = "assignment_transitions"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    assignment_id: Mapped[int] = mapped_column(ForeignKey("assignments.id", ondelete="CASCADE"), index=True)
    from_state: Mapped[str | None] = mapped_column(String(24))
    to_state: Mapped[str] = mapped_column(String(24))
    actor_id: Mapped[str] = mapped_column(String(32))
    note: Mapped[str | None] = mapped_column(String(500))
    at: Mapped[datetime]


class Submission(Base):
    __tablename__ = "submissions"
    __table_args__ = (UniqueConstraint("assignment_id", "version", name="uq_submissions_version"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    assignment_id: Mapped[int] = mapped_column(ForeignKey("assignments.id", ondelete="CASCADE"), index=True)
    version: Mapped[int]
    summary: Mapped[str] = mapped_column(Text)  # what was done
    link: Mapped[str | None] = mapped_column(String(1000))  # a link or file reference
    self_level: Mapped[int | None]  # self-assessment on the 1–4 rubric
    late: Mapped[bool] = mapped_column(default=False)
    submitted_at: Mapped[datetime]


class Review(Base):
    __tablename__ = "reviews"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    assignment_id: Mapped[int] = mapped_column(ForeignKey("assignments.id", ondelete="CASCADE"), index=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submissions.id", ondelete="CASCADE"))
    reviewer_id: Mapped[str] = mapped_column(String(32))
    outcome: Mapped[str] = mapped_column(String(24))  # changes_requested | accepted
    level: Mapped[int | None]  # rubric level 1–4
    feedback: Mapped[str] = mapped_column(Text)
    counts_as_evidence: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime]


class Evidence(Base):
    """Reviewed work that counts toward a competency."""

    __tablename__ = "evidence"
    __table_args__ = (Index("ix_evidence_learner", "team_id", "learner_id", "competency_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    learner_id: Mapped[str] = mapped_column(String(32))
    competency_id: Mapped[str] = mapped_column(String(64))
    skill_id: Mapped[str] = mapped_column(String(128))
    assignment_id: Mapped[int] = mapped_column(ForeignKey("assignments.id", ondelete="CASCADE"), unique=True)
    level: Mapped[int]
    confirmed_by: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime]


class CompetencyProgress(Base):
    """Per learner and competency: when practice started and when competence was confirmed."""

    __tablename__ = "competency_progress"
    __table_args__ = (UniqueConstraint("team_id", "learner_id", "competency_id", name="uq_progress"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    learner_id: Mapped[str] = mapped_column(String(32))
    competency_id: Mapped[str] = mapped_column(String(64))
    first_assignment_at: Mapped[datetime]
    evidence_count: Mapped[int] = mapped_column(default=0)
    competent_at: Mapped[datetime | None]  # time to competency = competent_at − first_assignment_at
    updated_at: Mapped[datetime]


class Debrief(Base):
    """A learner's request for short peer answers after an experience (an assignment or a moment)."""

    __tablename__ = "debriefs"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    learner_id: Mapped[str] = mapped_column(String(32))
    assignment_id: Mapped[int | None] = mapped_column(ForeignKey("assignments.id", ondelete="SET NULL"))
    occurrence_id: Mapped[int | None] = mapped_column(ForeignKey("calendar_occurrences.id", ondelete="SET NULL"))
    question_set_id: Mapped[str] = mapped_column(String(64))
    competency_id: Mapped[str | None] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(16), default="collecting")  # collecting | closed
    deadline_at: Mapped[datetime]
    summary_sent_at: Mapped[datetime | None]
    created_at: Mapped[datetime]


class DebriefPeer(Base):
    __tablename__ = "debrief_peers"
    __table_args__ = (UniqueConstraint("debrief_id", "peer_id", name="uq_debrief_peer"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    debrief_id: Mapped[int] = mapped_column(ForeignKey("debriefs.id", ondelete="CASCADE"), index=True)
    peer_id: Mapped[str] = mapped_column(String(32))
    state: Mapped[str] = mapped_column(String(16), default="invited")  # invited | answered | declined | expired
    encrypted_answers: Mapped[str | None] = mapped_column(Text)  # visible only to the learner
    card_channel: Mapped[str | None] = mapped_column(String(32))
    card_ts: Mapped[str | None] = mapped_column(String(32))
    invited_at: Mapped[datetime]
    answered_at: Mapped[datetime | None]
