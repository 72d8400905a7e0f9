"""The delivery job against the fake Slack: policy at send time, crash safety, Slack's real errors."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from sqlalchemy import select

from slackapp.clock import utcnow
from slackapp.db.models import Delivery, Person
from slackapp.domain import deliveries, people, workspaces
from slackapp.emulator.web_api import FakeSlack
from slackapp.services import Services
from tests.conftest import JobRunner
from workers.delivery import TransientDeliveryError, deliver


def _schedule(services: Services, user_id: str = "UREPORT1", *, kind: str = "welcome", opt_in: str = "unknown") -> int:
    now = utcnow()
    with services.db.session() as session:
        person, _ = people.get_or_create_person(session, team_id="T0001", user_id=user_id, now=now)
        person.opt_in = opt_in
        delivery = deliveries.schedule(session, key=f"{kind}:T0001:{user_id}", team_id="T0001", user_id=user_id,
                                       kind=kind, due_at=now, now=now)
        session.flush()
        return delivery.id


def _delivery(services: Services, delivery_id: int) -> Delivery:
    with services.db.session() as session:
        return session.get_one(Delivery, delivery_id)


def test_rescheduling_by_key_is_idempotent(services: Services, frozen_time: time_machine.Traveller) -> None:
    first = _schedule(services)
    second = _schedule(services)
    assert first == second
    with services.db.session() as session:
        assert len(session.scalars(select(Delivery)).all()) == 1


def test_dispatcher_and_worker_send_once_with_metadata(
    services: Services, fake_slack: FakeSlack, job_runner: JobRunner, frozen_time: time_machine.Traveller
) -> None:
    delivery_id = _schedule(services)
    assert job_runner.dispatch_and_run() == 1
    assert job_runner.dispatch_and_run() == 0
    posts = fake_slack.calls_to("chat.postMessage")
    assert len(posts) == 1
    assert posts[0].args["metadata"]["event_payload"]["delivery_key"] == "welcome:T0001:UREPORT1"
    assert _delivery(services, delivery_id).state == "sent"


def test_a_worker_killed_after_posting_never_sends_twice(
    services: Services, fake_slack: FakeSlack, frozen_time: time_machine.Traveller
) -> None:
    delivery_id = _schedule(services)
    assert deliver(services, delivery_id) == "sent"
    # Simulate the crash: the message reached Slack but the "sent" commit was lost.
    with services.db.session() as session:
        delivery = session.get_one(Delivery, delivery_id)
        delivery.state, delivery.ts = "scheduled", None
    assert deliver(services, delivery_id) == "sent"
    assert len(fake_slack.calls_to("chat.postMessage")) == 1
    assert _delivery(services, delivery_id).ts == fake_slack.messages(fake_slack.dm_channel("UREPORT1"))[0]["ts"]


def test_a_deactivated_person_is_not_retried_forever(
    services: Services, fake_slack: FakeSlack, frozen_time: time_machine.Traveller
) -> None:
    fake_slack.add_user("UGONE", name="gone", deleted=True)
    delivery_id = _schedule(services, "UGONE")
    assert deliver(services, delivery_id) == "skipped"
    assert "deactivated" in (_delivery(services, delivery_id).last_reason or "")
    assert fake_slack.calls_to("chat.postMessage") == []


def test_an_unreachable_person_is_marked_and_skipped(
    services: Services, fake_slack: FakeSlack, frozen_time: time_machine.Traveller
) -> None:
    fake_slack.fail("conversations.open", "user_not_found")
    delivery_id = _schedule(services)
    assert deliver(services, delivery_id) == "skipped"
    with services.db.session() as session:
        assert session.scalars(select(Person)).one().unreachable_reason == "user_not_found"


def test_rate_limits_are_retried_with_retry_after(
    services: Services, fake_slack: FakeSlack, frozen_time: time_machine.Traveller
) -> None:
    fake_slack.rate_limit("chat.postMessage", retry_after=1, times=1)
    delivery_id = _schedule(services)
    assert deliver(services, delivery_id) == "sent"
    assert len(fake_slack.calls_to("chat.postMessage")) == 2  # the 429, then the success


def test_slack_outage_leaves_the_delivery_to_retry(
    services: Services, fake_slack: FakeSlack, frozen_time: time_machine.Traveller
) -> None:
    fake_slack.fail("chat.postMessage", "ratelimited", times=1)
    delivery_id = _schedule(services)
    with pytest.raises(TransientDeliveryError):
        deliver(services, delivery_id)
    assert _delivery(services, delivery_id).state == "scheduled"
    assert deliver(services, delivery_id) == "sent"
    assert len(fake_slack.messages(fake_slack.dm_channel("UREPORT1"))) == 1


def test_do_not_disturb_defers_the_message(
    services: Services, fake_slack: FakeSlack, frozen_time: time_machine.Traveller
) -> None:
    end = utcnow() + timedelta(minutes=45)
    fake_slack.set_dnd("UREPORT1", snooze_enabled=True, snooze_endtime=int(end.timestamp()))
    delivery_id = _schedule(services)
    assert deliver(services, delivery_id) == "deferred"
    delivery = _delivery(services, delivery_id)
    assert delivery.state == "scheduled" and delivery.last_reason == "Slack do-not-disturb is on"
    assert abs((delivery.due_at - end).total_seconds()) < 1


def test_uninstalling_cancels_pending_work(
    services: Services, fake_slack: FakeSlack, frozen_time: time_machine.Traveller
) -> None:
    delivery_id = _schedule(services)
    with services.db.session() as session:
        assert workspaces.deactivate(session, team_id="T0001", now=utcnow(), reason="app_uninstalled") == 1
    assert _delivery(services, delivery_id).state == "cancelled"
    assert deliver(services, delivery_id) == "noop"
    assert fake_slack.calls_to("chat.postMessage") == []


def test_a_revoked_token_stops_the_workspace(
    services: Services, fake_slack: FakeSlack, frozen_time: time_machine.Traveller
) -> None:
    fake_slack.fail("users.info", "token_revoked")
    delivery_id = _schedule(services)
    assert deliver(services, delivery_id) == "skipped"
    with services.db.session() as session:
        assert not workspaces.is_active(session, "T0001")


# ---- the respect-my-time policy at send time ------------------------------------------------------

TIP = "tip"  # any capped non-calendar nudge; rendered by a stand-in until those features exist


@pytest.fixture
def tip_renderer(monkeypatch: pytest.MonkeyPatch) -> None:
    from slackapp.views import notes
    from slackapp.views.blocks import Message

    monkeypatch.setitem(notes.RENDERERS, TIP, lambda payload, ctx: Message(text=f"Tip {payload.get('n', '')}"))


def _opted_in(services: Services, user_id: str = "UREPORT1", **fields: object) -> None:
    now = utcnow()
    with services.db.session() as session:
        person, _ = people.get_or_create_person(session, team_id="T0001", user_id=user_id, now=now)
        person.opt_in = "opted_in"
        for name, value in fields.items():
            setattr(person, name, value)


def _add(services: Services, key: str, *, kind: str = TIP, user_id: str = "UREPORT1", payload: dict | None = None,
         due: datetime | None = None) -> int:
    now = utcnow()
    with services.db.session() as session:
        delivery = deliveries.schedule(session, key=key, team_id="T0001", user_id=user_id, kind=kind,
                                       due_at=due or now, now=now, payload=payload or {})
        session.flush()
        return delivery.id


def _already_sent(services: Services, key: str, sent_at: datetime, *, kind: str = TIP, touched: bool = False,
                  payload: dict | None = None) -> None:
    with services.db.session() as session:
        session.add(Delivery(key=key, team_id="T0001", user_id="UREPORT1", kind=kind, due_at=sent_at, state="sent",
                             payload=payload or {}, sent_at=sent_at, channel_id="DUREPORT1", ts="1.0",
                             interacted_at=sent_at + timedelta(minutes=3) if touched else None,
                             created_at=sent_at, updated_at=sent_at))


def _decisions(services: Services, delivery_id: int) -> list[tuple[str, str]]:
    with services.db.session() as session:
        return [(d.outcome, d.reason) for d in
                deliveries.decisions(session, session.get_one(Delivery, delivery_id))]


def _prep(start: datetime) -> dict:
    return {"moment_id": "one-on-one", "guide_id": "one-on-one", "event_uid": "evt-1", "title": "Ravi / Maria",
            "start": start.isoformat(),
            "end": (start + timedelta(minutes=30)).isoformat(), "not_after": start.isoformat()}


def test_a_prep_nudge_arrives_before_working_hours_and_never_after_the_meeting_starts(
    services: Services, fake_slack: FakeSlack
) -> None:
    with time_machine.travel(datetime(2026, 11, 23, 7, 45, tzinfo=UTC), tick=True):  # Monday 07:45 London
        _opted_in(services)
        start = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
        early = _add(services, "prep:early", kind="prep", payload=_prep(start))
        assert deliver(services, early) == "sent"
        assert _decisions(services, early) == [("sent", "timed to the meeting; not paused, away or in do-not-disturb")]
        after_start = int((start + timedelta(minutes=5)).timestamp())
        fake_slack.set_dnd("UREPORT1", snooze_enabled=True, snooze_endtime=after_start)
        blocked = _add(services, "prep:blocked", kind="prep", payload=_prep(start))
        assert deliver(services, blocked) == "skipped"
        assert _decisions(services, blocked) == [("skipped", "do-not-disturb lasts past the meeting start")]
    assert len(fake_slack.calls_to("chat.postMessage")) == 1


def test_a_prep_held_by_do_not_disturb_goes_when_it_ends_if_the_meeting_has_not_started(
    services: Services, fake_slack: FakeSlack
) -> None:
    with time_machine.travel(datetime(2026, 11, 23, 9, 45, tzinfo=UTC), tick=True):
        _opted_in(services)
        start = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
        dnd_end = start - timedelta(minutes=5)
        fake_slack.set_dnd("UREPORT1", snooze_enabled=True, snooze_endtime=int(dnd_end.timestamp()))
        delivery_id = _add(services, "prep:dnd", kind="prep", payload=_prep(start))
        assert deliver(services, delivery_id) == "deferred"
        assert _delivery(services, delivery_id).due_at == dnd_end
    with time_machine.travel(dnd_end + timedelta(seconds=1), tick=True):
        outcome = deliver(services, delivery_id)
        assert outcome == "sent", fake_slack.validation_errors
    assert [o for o, _ in _decisions(services, delivery_id)] == ["deferred", "sent"]


def test_an_out_of_office_status_holds_the_nudge_until_it_expires(
    services: Services, fake_slack: FakeSlack, frozen_time: time_machine.Traveller, tip_renderer: None
) -> None:
    _opted_in(services)
    back = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)  # Wednesday noon
    fake_slack.set_status("UREPORT1", text="On vacation", emoji=":palm_tree:", expiration=int(back.timestamp()))
    delivery_id = _add(services, "tip:1")
    assert deliver(services, delivery_id) == "deferred"
    delivery = _delivery(services, delivery_id)
    assert delivery.due_at == back
    assert delivery.last_reason == "the person's Slack status reads as out of office"
    assert fake_slack.calls_to("chat.postMessage") == []


def test_a_deferral_the_database_can_decide_costs_no_slack_calls(
    services: Services, fake_slack: FakeSlack, tip_renderer: None
) -> None:
    with time_machine.travel(datetime(2026, 11, 23, 22, 0, tzinfo=UTC), tick=True):  # Monday 22:00 London
        _opted_in(services, tz_refreshed_at=utcnow(), tz="Europe/London")
        delivery_id = _add(services, "tip:night")
        assert deliver(services, delivery_id) == "deferred"
    assert _delivery(services, delivery_id).due_at == datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
    assert fake_slack.calls == []


def test_one_users_info_call_serves_the_profile_refresh_and_the_status(
    services: Services, fake_slack: FakeSlack, frozen_time: time_machine.Traveller, tip_renderer: None
) -> None:
    _opted_in(services)
    assert deliver(services, _add(services, "tip:1")) == "sent"
    assert deliver(services, _add(services, "tip:2")) == "sent"
    counts = {m: len(fake_slack.calls_to(m)) for m in ("users.info", "dnd.info", "conversations.open",
                                                       "chat.postMessage")}
    assert counts == {"users.info": 2, "dnd.info": 2, "conversations.open": 1, "chat.postMessage": 2}


def test_the_weekly_cap_defers_to_when_the_oldest_send_is_a_week_old(
    services: Services, fake_slack: FakeSlack, frozen_time: time_machine.Traveller, tip_renderer: None
) -> None:
    _opted_in(services)
    now = utcnow()
    oldest = now - timedelta(days=5)
    for n, sent_at in enumerate((oldest, now - timedelta(days=3), now - timedelta(days=1))):
        _already_sent(services, f"tip:old{n}", sent_at, touched=True)
    _already_sent(services, "prep:old", now - timedelta(hours=2), kind="prep")  # calendar: not capped
    delivery_id = _add(services, "tip:4")
    assert deliver(services, delivery_id) == "deferred"
    delivery = _delivery(services, delivery_id)
    assert delivery.last_reason == "the weekly limit of 3 nudges is reached"
    assert abs((delivery.due_at - (oldest + timedelta(days=7))).total_seconds()) < 1  # Wednesday ~10:00, a work day


def test_three_ignored_nudges_back_off_for_a_week_and_say_so_exactly_once(
    services: Services, fake_slack: FakeSlack, frozen_time: time_machine.Traveller, tip_renderer: None
) -> None:
    _opted_in(services, weekly_cap=10)
    now = utcnow()
    for n, days in enumerate((6, 4, 2)):
        _already_sent(services, f"tip:ignored{n}", now - timedelta(days=days))
    delivery_id = _add(services, "tip:next")
    assert deliver(services, delivery_id) == "skipped"
    assert _decisions(services, delivery_id) == [("skipped", "backed off after 3 ignored nudges")]
    with services.db.session() as session:
        person = session.scalars(select(Person)).one()
        assert person.backoff_until is not None and person.backoff_noted_at is not None
        assert abs((person.backoff_until - (now + timedelta(days=7))).total_seconds()) < 5
        notes = session.scalars(select(Delivery).where(Delivery.kind == "backoff_note")).all()
        assert [n.key for n in notes] == [f"backoff-note:T0001:UREPORT1:{now.date().isoformat()}"]
        note_id = notes[0].id
    assert deliver(services, note_id) == "sent"
    note = fake_slack.messages(fake_slack.dm_channel("UREPORT1"))[-1]
    assert "I've noticed my last few nudges weren't useful, so I'll send fewer for a week" in str(note["blocks"])
    assert {e["action_id"] for b in note["blocks"] if b["type"] == "actions" for e in b["elements"]} == \
        {"fc_resume", "fc_pause_week"}
    # During the week, other nudges are skipped with the same reason (and no second note).
    during = _add(services, "tip:during")
    assert deliver(services, during) == "skipped"
    # The week passes; three more go unanswered: a new back-off, but the note is never repeated.
    frozen_time.shift(timedelta(days=12))  # the back-off ended 5 days ago
    later = utcnow()
    for n, days in enumerate((4, 3, 2)):
        _already_sent(services, f"tip:later{n}", later - timedelta(days=days))
    again = _add(services, "tip:again")
    assert deliver(services, again) == "skipped"
    with services.db.session() as session:
        assert len(session.scalars(select(Delivery).where(Delivery.kind == "backoff_note")).all()) == 1
        assert session.scalars(select(Person)).one().backoff_until > later


def test_an_interaction_resets_the_streak(
    services: Services, fake_slack: FakeSlack, frozen_time: time_machine.Traveller, tip_renderer: None
) -> None:
    _opted_in(services, weekly_cap=10)
    now = utcnow()
    _already_sent(services, "tip:a", now - timedelta(days=6))
    _already_sent(services, "tip:b", now - timedelta(days=4))
    _already_sent(services, "tip:c", now - timedelta(days=2), touched=True)
    assert deliver(services, _add(services, "tip:d")) == "sent"


def test_preps_ignored_three_times_for_the_same_moment_back_off(
    services: Services, fake_slack: FakeSlack, frozen_time: time_machine.Traveller
) -> None:
    _opted_in(services)
    now = utcnow()
    for n, days in enumerate((21, 14, 7)):
        _already_sent(services, f"prep:old{n}", now - timedelta(days=days), kind="prep",
                      payload={"moment_id": "one-on-one"})
    start = now + timedelta(minutes=15)
    delivery_id = _add(services, "prep:next", kind="prep", payload=_prep(start))
    assert deliver(services, delivery_id) == "skipped"
    other = _add(services, "prep:review", kind="prep", payload={**_prep(start), "moment_id": "feedback-conversation"})
    assert deliver(services, other) == "sent"


def test_chat_post_message_is_paced_per_workspace(
    services: Services, fake_slack: FakeSlack, frozen_time: time_machine.Traveller,
    monkeypatch: pytest.MonkeyPatch, redis_conn: object
) -> None:
    from workers import pacing

    monkeypatch.setattr(pacing, "WORKSPACE_RATE_PER_S", 20.0)  # one every 50 ms …
    monkeypatch.setattr(pacing, "WORKSPACE_BURST", 1)  # … and no burst
    ids = [_schedule(services, user) for user in ("UMANAGER", "UREPORT1", "UREPORT2")]
    for delivery_id in ids:
        assert deliver(services, delivery_id) == "sent"
    assert len(fake_slack.calls_to("chat.postMessage")) == 3
    # Each send reserved a slot on the workspace's shared schedule (the spacing itself is covered
    # deterministically in tests/workers/test_pacing.py, with an injected clock).
    assert redis_conn.exists("flowcoach:pace:team:T0001")  # type: ignore[attr-defined]


def test_uninstall_events_deactivate_once_without_a_false_reinstall(
    services: Services, frozen_time: time_machine.Traveller
) -> None:
    from slackapp.db.models import AnalyticsEvent

    with services.db.session() as session:
        workspaces.ensure_active(session, team_id="T0001", now=utcnow())
    for reason in ("tokens_revoked", "app_uninstalled"):  # Slack sends both on an uninstall
        with services.db.session() as session:
            workspaces.deactivate(session, team_id="T0001", now=utcnow(), reason=reason)
    with services.db.session() as session:
        names = [e.name for e in session.scalars(select(AnalyticsEvent).order_by(AnalyticsEvent.id))]
        assert not workspaces.is_active(session, "T0001")
    assert names == ["workspace.installed", "workspace.deactivated"]


def test_a_stale_kept_dm_channel_is_opened_again(
    services: Services, fake_slack: FakeSlack, frozen_time: time_machine.Traveller, tip_renderer: None
) -> None:
    _opted_in(services, dm_channel_id="DGONE")
    assert deliver(services, _add(services, "tip:1")) == "sent"
    assert [c.error for c in fake_slack.calls_to("chat.postMessage")] == ["channel_not_found", None]
    assert len(fake_slack.messages(fake_slack.dm_channel("UREPORT1"))) == 1
    with services.db.session() as session:
        person = session.scalars(select(Person)).one()
        assert person.dm_channel_id == fake_slack.dm_channel("UREPORT1") and person.unreachable_reason is None


def test_sent_hooks_run_in_the_transaction_that_marks_the_delivery_sent(
    services: Services, fake_slack: FakeSlack, frozen_time: time_machine.Traveller, tip_renderer: None,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from slackapp.domain import assignments

    seen: list[tuple[str, str | None]] = []
    monkeypatch.setitem(assignments.ON_SENT, TIP, lambda session, d: seen.append((d.state, d.ts)))
    _opted_in(services)
    assert deliver(services, _add(services, "tip:1")) == "sent"
    assert seen == [("sent", fake_slack.messages(fake_slack.dm_channel("UREPORT1"))[0]["ts"])]
