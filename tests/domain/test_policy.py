"""The respect-my-time policy, rule by rule and in combination (pure: no database, no Slack)."""

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from slackapp.db import Database
from slackapp.db.models import Delivery, Person
from slackapp.domain import people
from slackapp.domain.policy import (
    BACKED_OFF,
    OOO_RECHECK,
    TOO_LATE,
    Decision,
    cap_frees_at,
    decide,
    ignored_streak,
    next_working_moment,
    recent_capped_sends,
    status_reads_ooo,
)

MONDAY_10_UTC = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)  # 10:00 in London (GMT)
TIP = "tip"  # stands for every capped, non-calendar nudge kind (tips, track steps, …)


def person(**overrides: object) -> Person:
    values: dict[str, object] = dict(team_id="T1", user_id="U1", tz="Europe/London", working_days="0,1,2,3,4",
                                     work_start_minute=540, work_end_minute=1050, opt_in="opted_in",
                                     muted_kinds=[], deactivated=False, paused_until=None, unreachable_reason=None,
                                     weekly_cap=3, ooo_until=None, backoff_until=None, backoff_noted_at=None)
    values.update(overrides)
    return Person(**values)


def meeting(start: datetime) -> dict[str, Any]:
    """A prep payload as the calendar work schedules it: never after the meeting starts."""
    return {"moment_id": "one-on-one", "start": start.isoformat(), "not_after": start.isoformat()}


def test_sends_inside_working_hours() -> None:
    assert decide(person(), kind="prep", now=MONDAY_10_UTC).outcome == "send"
    assert decide(person(), kind=TIP, now=MONDAY_10_UTC).outcome == "send"


# Changed with calendar moments: prep/reflect ignore working hours, so this uses a non-calendar kind.
def test_defers_a_saturday_message_to_monday_nine_local() -> None:
    saturday = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
    decision = decide(person(tz="America/New_York"), kind=TIP, now=saturday)
    assert decision.outcome == "defer"
    assert decision.until == datetime(2026, 11, 30, 14, 0, tzinfo=UTC)  # 09:00 EST
    assert decision.reason == "outside the person's working hours"


def test_working_hours_follow_daylight_saving_by_zone_name() -> None:
    # London moves from BST to GMT on 2026-10-25: 09:00 local is 08:00 UTC before, 09:00 UTC after.
    friday_night = datetime(2026, 10, 23, 22, 0, tzinfo=UTC)
    assert next_working_moment(person(), friday_night) == datetime(2026, 10, 26, 9, 0, tzinfo=UTC)
    thursday_night = datetime(2026, 10, 21, 22, 0, tzinfo=UTC)
    assert next_working_moment(person(), thursday_night) == datetime(2026, 10, 22, 8, 0, tzinfo=UTC)


def test_spring_forward_in_new_york_moves_the_utc_start_of_work() -> None:
    # New York springs forward on 2026-03-08: Friday 09:00 is 14:00 UTC (EST), Monday 09:00 is 13:00 UTC (EDT).
    ny = person(tz="America/New_York")
    friday_evening = datetime(2026, 3, 6, 23, 0, tzinfo=UTC)
    decision = decide(ny, kind=TIP, now=friday_evening)
    assert decision.until == datetime(2026, 3, 9, 13, 0, tzinfo=UTC)
    assert next_working_moment(ny, datetime(2026, 3, 6, 3, 0, tzinfo=UTC)) == datetime(2026, 3, 6, 14, 0, tzinfo=UTC)


def test_nobody_is_nudged_before_opting_in_except_the_one_welcome() -> None:
    newcomer = person(opt_in="unknown")
    assert decide(newcomer, kind="prep", now=MONDAY_10_UTC).outcome == "skip"
    assert decide(newcomer, kind=TIP, now=MONDAY_10_UTC).outcome == "skip"
    assert decide(newcomer, kind="backoff_note", now=MONDAY_10_UTC).outcome == "skip"
    assert decide(newcomer, kind="welcome", now=MONDAY_10_UTC).outcome == "send"
    assert decide(person(opt_in="declined"), kind="welcome", now=MONDAY_10_UTC).outcome == "skip"
    assert decide(person(), kind="welcome", now=MONDAY_10_UTC).outcome == "skip"


def test_a_broken_calendar_notice_needs_no_opt_in_but_respects_a_stop() -> None:
    assert decide(person(opt_in="unknown"), kind="feed_failed", now=MONDAY_10_UTC).outcome == "send"
    assert decide(person(), kind="feed_failed", now=MONDAY_10_UTC).outcome == "send"
    declined = decide(person(opt_in="declined"), kind="feed_failed", now=MONDAY_10_UTC)
    assert declined == Decision("skip", "the person turned off proactive messages")
    # Still an ordinary message in every other way: it waits for working hours.
    saturday = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
    assert decide(person(opt_in="unknown"), kind="feed_failed", now=saturday).outcome == "defer"


# Changed with calendar moments: a paused calendar nudge waits for the pause only (see the next test).
def test_pause_defers_to_the_first_working_moment_after_it() -> None:
    until = datetime(2026, 12, 5, 0, 0, tzinfo=UTC)  # a Saturday
    decision = decide(person(paused_until=until), kind=TIP, now=MONDAY_10_UTC)
    assert decision == Decision("defer", "the person paused Flowcoach", datetime(2026, 12, 7, 9, 0, tzinfo=UTC))


def test_a_pause_holds_calendar_nudges_until_it_ends_or_skips_them_if_the_meeting_comes_first() -> None:
    pause_end = MONDAY_10_UTC + timedelta(hours=2)
    later_meeting = meeting(MONDAY_10_UTC + timedelta(hours=3))
    decision = decide(person(paused_until=pause_end), kind="prep", now=MONDAY_10_UTC, payload=later_meeting)
    assert decision == Decision("defer", "the person paused Flowcoach", pause_end)
    soon = meeting(MONDAY_10_UTC + timedelta(minutes=15))
    decision = decide(person(paused_until=pause_end), kind="prep", now=MONDAY_10_UTC, payload=soon)
    assert decision == Decision("skip", "the pause lasts past the meeting start")


def test_do_not_disturb_defers_until_it_ends() -> None:
    decision = decide(person(), kind="prep", now=MONDAY_10_UTC, dnd_until=MONDAY_10_UTC + timedelta(hours=1))
    assert decision.outcome == "defer" and decision.until == MONDAY_10_UTC + timedelta(hours=1)
    assert decision.reason == "Slack do-not-disturb is on"


def test_do_not_disturb_ending_before_work_starts_defers_non_calendar_nudges_to_the_start_of_work() -> None:
    early = datetime(2026, 11, 23, 7, 30, tzinfo=UTC)  # Monday 07:30 London
    decision = decide(person(), kind=TIP, now=early, dnd_until=early + timedelta(minutes=30))
    assert decision == Decision("defer", "Slack do-not-disturb is on", datetime(2026, 11, 23, 9, 0, tzinfo=UTC))
    # A calendar nudge only waits for do-not-disturb to end: 08:00 for an 08:30 meeting.
    decision = decide(person(), kind="prep", now=early, dnd_until=early + timedelta(minutes=30),
                      payload=meeting(early + timedelta(hours=1)))
    assert decision == Decision("defer", "Slack do-not-disturb is on", early + timedelta(minutes=30))


def test_calendar_nudges_ignore_working_hours_and_days() -> None:
    early_prep = datetime(2026, 11, 23, 7, 45, tzinfo=UTC)  # 07:45 prep for an 08:00 1:1
    assert decide(person(), kind="prep", now=early_prep,
                  payload=meeting(early_prep + timedelta(minutes=15))).outcome == "send"
    saturday_evening = datetime(2026, 11, 28, 19, 0, tzinfo=UTC)
    assert decide(person(), kind="reflect", now=saturday_evening).outcome == "send"
    assert decide(person(), kind=TIP, now=early_prep).outcome == "defer"


def test_nothing_arrives_once_the_moment_has_passed() -> None:
    start = MONDAY_10_UTC + timedelta(minutes=10)
    assert decide(person(), kind="prep", now=start - timedelta(seconds=1), payload=meeting(start)).outcome == "send"
    assert decide(person(), kind="prep", now=start, payload=meeting(start)) == Decision("skip", TOO_LATE)
    assert decide(person(), kind="prep", now=start + timedelta(hours=1), payload=meeting(start)).reason == TOO_LATE
    # Rules are checked in order: a deactivated account is the reason, not the lateness.
    assert decide(person(deactivated=True), kind="prep", now=start, payload=meeting(start)).reason != TOO_LATE


def test_do_not_disturb_past_the_meeting_start_skips_the_prep_with_the_reason() -> None:
    start = MONDAY_10_UTC + timedelta(minutes=15)
    decision = decide(person(), kind="prep", now=MONDAY_10_UTC, payload=meeting(start),
                      dnd_until=start + timedelta(minutes=5))
    assert decision == Decision("skip", "do-not-disturb lasts past the meeting start")
    decision = decide(person(), kind="prep", now=MONDAY_10_UTC, payload=meeting(start), dnd_until=start)
    assert decision.outcome == "skip"  # arriving exactly at the start is arriving too late
    decision = decide(person(), kind="prep", now=MONDAY_10_UTC, payload=meeting(start),
                      dnd_until=start - timedelta(minutes=1))
    assert decision == Decision("defer", "Slack do-not-disturb is on", start - timedelta(minutes=1))


def test_a_non_calendar_deadline_that_working_hours_would_miss_is_skipped() -> None:
    evening = datetime(2026, 11, 23, 19, 0, tzinfo=UTC)
    payload = {"not_after": (evening + timedelta(hours=2)).isoformat()}
    decision = decide(person(), kind=TIP, now=evening, payload=payload)
    assert decision == Decision("skip", "the next working hours start past the time it was meant for")


def test_reflection_prompts_are_skipped_when_the_window_closes_during_a_hold() -> None:
    now = MONDAY_10_UTC
    payload = {"moment_id": "one-on-one", "not_after": (now + timedelta(hours=1)).isoformat()}
    decision = decide(person(), kind="reflect", now=now, payload=payload, dnd_until=now + timedelta(hours=2))
    assert decision == Decision("skip", "do-not-disturb lasts past the end of the reflection window")


@pytest.mark.parametrize(("text", "emoji"), [
    ("OOO", ""), ("ooo until Monday", ""), ("Out of office", ""), ("out of the office this week", ""),
    ("On vacation 🏖", ""), ("Holiday!", ""), ("Annual leave", ""), ("PTO", ""), ("Off sick", ""),
    ("On leave", ""), ("Parental leave until March", ""), ("", ":palm_tree:"), ("Travelling", ":airplane:"),
    ("", ":face_with_thermometer:"),
])
def test_status_that_reads_as_out_of_office(text: str, emoji: str) -> None:
    assert status_reads_ooo(text, emoji)


@pytest.mark.parametrize(("text", "emoji"), [
    ("In a meeting", ":spiral_calendar_pad:"), ("Focusing", ":headphones:"), ("Cooool week", ""),
    ("Leave feedback on the doc", ""), ("Commuting", ":bus:"), ("", ""), ("Booked solid", ":no_entry:"),
])
def test_status_that_does_not(text: str, emoji: str) -> None:
    assert not status_reads_ooo(text, emoji)


def test_out_of_office_status_defers_until_it_expires_then_the_next_working_moment() -> None:
    back = datetime(2026, 11, 27, 18, 0, tzinfo=UTC)  # Friday 18:00: after work
    decision = decide(person(), kind=TIP, now=MONDAY_10_UTC, status_text="Vacation", status_emoji=":palm_tree:",
                      status_expiration=back)
    assert decision == Decision("defer", "the person's Slack status reads as out of office",
                                datetime(2026, 11, 30, 9, 0, tzinfo=UTC))
    expired = decide(person(), kind=TIP, now=MONDAY_10_UTC, status_text="Vacation",
                     status_expiration=MONDAY_10_UTC - timedelta(minutes=1))
    assert expired.outcome == "send"


def test_out_of_office_status_without_an_end_is_looked_at_again_tomorrow() -> None:
    decision = decide(person(), kind=TIP, now=MONDAY_10_UTC, status_text="OOO")
    assert decision.outcome == "defer" and decision.until == MONDAY_10_UTC + OOO_RECHECK
    # A prep for a meeting today cannot wait that long: it is skipped, with the reason.
    decision = decide(person(), kind="prep", now=MONDAY_10_UTC, status_text="OOO",
                      payload=meeting(MONDAY_10_UTC + timedelta(minutes=15)))
    assert decision == Decision("skip", "out of office lasts past the meeting start")


def test_out_of_office_from_the_calendar() -> None:
    back = datetime(2026, 11, 25, 0, 0, tzinfo=UTC)
    decision = decide(person(ooo_until=back), kind=TIP, now=MONDAY_10_UTC)
    assert decision == Decision("defer", "the person is out of office (calendar)",
                                datetime(2026, 11, 25, 9, 0, tzinfo=UTC))
    decision = decide(person(ooo_until=back), kind="prep", now=MONDAY_10_UTC,
                      payload=meeting(MONDAY_10_UTC + timedelta(minutes=15)))
    assert decision.outcome == "skip" and "out of office" in decision.reason
    assert decide(person(ooo_until=MONDAY_10_UTC), kind=TIP, now=MONDAY_10_UTC).outcome == "send"


def test_the_weekly_cap_defers_until_the_oldest_send_turns_seven_days_old() -> None:
    sends = [MONDAY_10_UTC - timedelta(days=5, hours=1), MONDAY_10_UTC - timedelta(days=3),
             MONDAY_10_UTC - timedelta(days=1)]
    assert decide(person(), kind=TIP, now=MONDAY_10_UTC, recent_sends=sends[1:]).outcome == "send"
    decision = decide(person(), kind=TIP, now=MONDAY_10_UTC, recent_sends=sends)
    assert decision == Decision("defer", "the weekly limit of 3 nudges is reached",
                                datetime(2026, 11, 25, 9, 0, tzinfo=UTC))  # Wed 09:00 = oldest + 7 days
    # A higher cap lets it through; with more sends than the cap it is the (n - cap + 1)-th oldest that counts.
    assert decide(person(weekly_cap=4), kind=TIP, now=MONDAY_10_UTC, recent_sends=sends).outcome == "send"
    assert cap_frees_at(sends, 2) == sends[1] + timedelta(days=7)


def test_the_cap_frees_during_the_weekend_so_the_nudge_waits_for_monday() -> None:
    now = datetime(2026, 11, 27, 10, 0, tzinfo=UTC)  # Friday
    sends = [datetime(2026, 11, 21, 11, 0, tzinfo=UTC)] * 3  # the Saturday before
    decision = decide(person(), kind=TIP, now=now, recent_sends=sends)
    assert decision.until == datetime(2026, 11, 30, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize("kind", ["prep", "reflect", "welcome", "feed_failed", "backoff_note"])
def test_calendar_welcome_and_operational_messages_are_not_capped(kind: str) -> None:
    sends = [MONDAY_10_UTC - timedelta(hours=h) for h in (1, 2, 3, 4)]
    who = person(opt_in="unknown") if kind == "welcome" else person()
    assert decide(who, kind=kind, now=MONDAY_10_UTC, recent_sends=sends).outcome == "send"


def test_three_ignored_nudges_start_a_back_off() -> None:
    decision = decide(person(), kind=TIP, now=MONDAY_10_UTC, ignored_streak=3)
    assert decision == Decision("skip", BACKED_OFF, starts_backoff=True)
    assert decide(person(), kind=TIP, now=MONDAY_10_UTC, ignored_streak=2).outcome == "send"


def test_during_a_back_off_non_calendar_nudges_are_skipped_but_useful_calendar_ones_still_arrive() -> None:
    backing_off = person(backoff_until=MONDAY_10_UTC + timedelta(days=3))
    assert decide(backing_off, kind=TIP, now=MONDAY_10_UTC) == Decision("skip", BACKED_OFF)
    assert decide(backing_off, kind="prep", now=MONDAY_10_UTC).outcome == "send"
    # …unless that moment's own nudges were ignored too; the back-off is already running.
    assert decide(backing_off, kind="prep", now=MONDAY_10_UTC, ignored_streak=3) == Decision("skip", BACKED_OFF)
    ended = person(backoff_until=MONDAY_10_UTC - timedelta(seconds=1))
    assert decide(ended, kind=TIP, now=MONDAY_10_UTC).outcome == "send"


def test_three_ignored_preps_for_the_same_moment_back_off() -> None:
    decision = decide(person(), kind="prep", now=MONDAY_10_UTC, ignored_streak=3,
                      payload=meeting(MONDAY_10_UTC + timedelta(minutes=15)))
    assert decision == Decision("skip", BACKED_OFF, starts_backoff=True)


@pytest.mark.parametrize("kind", ["feed_failed", "backoff_note"])
def test_operational_notes_are_never_backed_off(kind: str) -> None:
    backing_off = person(backoff_until=MONDAY_10_UTC + timedelta(days=3))
    assert decide(backing_off, kind=kind, now=MONDAY_10_UTC, ignored_streak=5).outcome == "send"


@pytest.mark.parametrize(("overrides", "reason"), [
    ({"deactivated": True}, "deactivated"),
    ({"unreachable_reason": "user_disabled"}, "user_disabled"),
    ({"muted_kinds": ["prep"]}, "turned off prep"),
])
def test_skips_with_a_recorded_reason(overrides: dict[str, object], reason: str) -> None:
    decision = decide(person(**overrides), kind="prep", now=MONDAY_10_UTC)
    assert decision.outcome == "skip" and reason in decision.reason


def test_a_muted_kind_does_not_mute_others() -> None:
    assert decide(person(muted_kinds=["prep"]), kind="reflect", now=MONDAY_10_UTC).outcome == "send"


def test_skips_win_over_holds_and_holds_combine_to_the_latest_end() -> None:
    # Opted out while paused: the skip is the answer (no pointless deferrals first).
    assert decide(person(opt_in="declined", paused_until=MONDAY_10_UTC + timedelta(days=1)), kind=TIP,
                  now=MONDAY_10_UTC).outcome == "skip"
    # Pause until Tuesday 10:00, out of office until Wednesday 12:00, DND for an hour: Wednesday 12:00,
    # recorded as the pause (the first hold) …
    decision = decide(person(paused_until=MONDAY_10_UTC + timedelta(days=1),
                             ooo_until=MONDAY_10_UTC + timedelta(days=2, hours=2)),
                      kind=TIP, now=MONDAY_10_UTC, dnd_until=MONDAY_10_UTC + timedelta(hours=1))
    assert decision == Decision("defer", "the person paused Flowcoach", MONDAY_10_UTC + timedelta(days=2, hours=2))
    # … and the same holds skip a prep for a meeting on Tuesday because the out-of-office runs past it.
    decision = decide(person(paused_until=MONDAY_10_UTC + timedelta(days=1),
                             ooo_until=MONDAY_10_UTC + timedelta(days=2, hours=2)),
                      kind="prep", now=MONDAY_10_UTC, payload=meeting(MONDAY_10_UTC + timedelta(days=1, hours=1)))
    assert decision == Decision("skip", "out of office lasts past the meeting start")


def test_a_decision_must_be_coherent() -> None:
    with pytest.raises(ValueError):
        Decision("defer", "no time given")
    with pytest.raises(ValueError):
        Decision("send", "")
    with pytest.raises(ValueError):
        Decision("send", "fine", starts_backoff=True)


# ---- the facts the delivery job gathers from the outbox --------------------------------------------


def _sent(session: Any, key: str, kind: str, sent_at: datetime, *, touched: bool = False,
          moment: str = "one-on-one") -> None:
    session.add(Delivery(key=key, team_id="T1", user_id="U1", kind=kind, due_at=sent_at, state="sent",
                         payload={"moment_id": moment} if kind in ("prep", "reflect") else {}, sent_at=sent_at,
                         interacted_at=sent_at + timedelta(minutes=5) if touched else None,
                         created_at=sent_at, updated_at=sent_at))


def test_recent_capped_sends_count_only_capped_kinds_in_the_last_seven_days(db: Database) -> None:
    now = MONDAY_10_UTC
    with db.session() as session:
        who, _ = people.get_or_create_person(session, team_id="T1", user_id="U1", now=now)
        _sent(session, "a", TIP, now - timedelta(days=8))
        _sent(session, "b", TIP, now - timedelta(days=6))
        _sent(session, "c", "track_tip", now - timedelta(hours=2))
        for i, kind in enumerate(("prep", "reflect", "welcome", "feed_failed", "backoff_note")):
            _sent(session, f"x{i}", kind, now - timedelta(hours=1))
        session.flush()
        assert recent_capped_sends(session, who, now=now) == [now - timedelta(days=6), now - timedelta(hours=2)]


def test_the_ignored_streak(db: Database) -> None:
    now = MONDAY_10_UTC
    with db.session() as session:
        who, _ = people.get_or_create_person(session, team_id="T1", user_id="U1", now=now)
        _sent(session, "old-touched", TIP, now - timedelta(days=6), touched=True)
        _sent(session, "i1", TIP, now - timedelta(days=5))
        _sent(session, "i2", "track_tip", now - timedelta(days=4))
        _sent(session, "op", "feed_failed", now - timedelta(days=3))  # operational: not a nudge
        _sent(session, "cal", "prep", now - timedelta(days=3))  # calendar: its own scope
        _sent(session, "i3", TIP, now - timedelta(days=2))
        _sent(session, "fresh", TIP, now - timedelta(hours=3))  # not judged yet: passed over
        session.flush()
        assert ignored_streak(session, who, kind=TIP, payload={}, now=now) == 3
        assert ignored_streak(session, who, kind="feed_failed", payload={}, now=now) == 0
        # Touching any of them ends the streak there.
        session.scalars(select(Delivery).where(Delivery.key == "i2")).one().interacted_at = now - timedelta(days=3)
        session.flush()
        assert ignored_streak(session, who, kind=TIP, payload={}, now=now) == 1


def test_the_calendar_streak_counts_the_same_kind_for_the_same_moment(db: Database) -> None:
    now = MONDAY_10_UTC
    with db.session() as session:
        who, _ = people.get_or_create_person(session, team_id="T1", user_id="U1", now=now)
        for day in (1, 2, 3):
            _sent(session, f"p{day}", "prep", now - timedelta(days=day))
        _sent(session, "review", "prep", now - timedelta(hours=30), moment="feedback-conversation", touched=True)
        _sent(session, "r", "reflect", now - timedelta(hours=40), touched=True)
        session.flush()
        assert ignored_streak(session, who, kind="prep", payload={"moment_id": "one-on-one"}, now=now) == 3
        assert ignored_streak(session, who, kind="prep", payload={"moment_id": "feedback-conversation"}, now=now) == 0
        assert ignored_streak(session, who, kind="reflect", payload={"moment_id": "one-on-one"}, now=now) == 0


def test_a_finished_back_off_starts_the_count_afresh(db: Database) -> None:
    now = MONDAY_10_UTC
    with db.session() as session:
        who, _ = people.get_or_create_person(session, team_id="T1", user_id="U1", now=now)
        for day in (12, 11, 10):
            _sent(session, f"before{day}", TIP, now - timedelta(days=day))
        who.backoff_until = now - timedelta(days=2)
        _sent(session, "after", TIP, now - timedelta(days=1, hours=1))
        session.flush()
        assert ignored_streak(session, who, kind=TIP, payload={}, now=now) == 1
        who.backoff_until = now + timedelta(days=1)  # still running: everything in the last 30 days counts
        assert ignored_streak(session, who, kind=TIP, payload={}, now=now) == 4


# ---- explaining recorded decisions to the person -----------------------------------------------------


def test_explaining_a_message_held_back_twice_then_sent(db: Database) -> None:
    from zoneinfo import ZoneInfo

    from slackapp.domain import deliveries, explain

    zone = ZoneInfo("America/New_York")
    monday_0730_local = datetime(2026, 11, 23, 12, 30, tzinfo=UTC)
    with db.session() as session:
        d = deliveries.schedule(session, key="tip:1", team_id="T1", user_id="U1", kind="track_tip",
                                due_at=monday_0730_local, now=monday_0730_local)
        session.flush()
        deliveries.defer(session, d, until=monday_0730_local + timedelta(minutes=30),
                         reason="Slack do-not-disturb is on", now=monday_0730_local)
        deliveries.defer(session, d, until=datetime(2026, 11, 24, 14, 0, tzinfo=UTC),
                         reason="the weekly limit of 3 nudges is reached",
                         now=monday_0730_local + timedelta(minutes=30))
        deliveries.record_decision(session, d, outcome="retry", reason="Slack said ratelimited",
                                   now=datetime(2026, 11, 24, 14, 0, tzinfo=UTC))
        deliveries.mark_sent(session, d, channel_id="D1", ts="1.0", reason="fine",
                             now=datetime(2026, 11, 24, 14, 1, tzinfo=UTC))
        assert explain.explain_delivery(session, delivery=d, tz=zone) == [
            "Scheduled for 07:30 your time.",
            "Held back at 07:30 because of do-not-disturb; moved to 08:00.",
            "Held back at 08:00 because the weekly limit of 3 nudges is reached; moved to Tue 24 Nov 09:00.",
            "Slack was busy at Tue 24 Nov 09:00 (Slack said ratelimited); I tried again.",
            "Sent at Tue 24 Nov 09:01.",
        ]
        assert explain.headline(d, zone) == "Track tip · Tue 24 Nov · sent"


def test_explaining_skips_cancellations_and_what_is_still_waiting(db: Database) -> None:
    from zoneinfo import ZoneInfo

    from slackapp.domain import deliveries, explain

    zone = ZoneInfo("Europe/London")
    now = MONDAY_10_UTC
    with db.session() as session:
        welcome = deliveries.schedule(session, key="welcome:T1:U1", team_id="T1", user_id="U1", kind="welcome",
                                      due_at=now, now=now)
        reflect = deliveries.schedule(session, key="reflect:1", team_id="T1", user_id="U1", kind="reflect",
                                      due_at=now, now=now, payload={"title": "Retro <team>",
                                                                    "end": (now - timedelta(minutes=15)).isoformat()})
        later = deliveries.schedule(session, key="prep:later", team_id="T1", user_id="U1", kind="prep",
                                    due_at=now + timedelta(days=1), now=now, payload=meeting(now + timedelta(days=1)))
        session.flush()
        deliveries.skip(session, welcome, reason="the person already answered the invitation", now=now)
        deliveries.cancel(session, key="reflect:1", reason="the meeting was cancelled", now=now)
        deliveries.record_decision(session, reflect, outcome="rescheduled", reason="the meeting is back on", now=now)
        assert explain.explain_delivery(session, delivery=welcome, tz=zone) == [
            "Scheduled for 10:00 your time because you opened Flowcoach for the first time.",
            "Not sent (10:00) because you already answered the invitation.",
        ]
        assert explain.explain_delivery(session, delivery=reflect, tz=zone) == [
            "Scheduled for 10:00 your time because your meeting “Retro <team>” ended at 09:45.",
            "Cancelled at 10:00: the meeting was cancelled.",
            "Put back on at 10:00: the meeting is back on.",
        ]
        assert explain.explain_delivery(session, delivery=later, tz=zone) == [
            "Scheduled for 10:00 your time because your meeting starts at 10:00.",  # the headline has the date
            "Not sent yet.",
        ]
        assert [d.key for d in explain.recent_for(session, team_id="T1", user_id="U1")] == \
            ["reflect:1", "welcome:T1:U1"]  # newest decision first; nothing decided yet is left out
        assert [d.key for d in explain.recent_for(session, team_id="T1", user_id="U1", limit=1)] == ["reflect:1"]
        assert explain.recent_for(session, team_id="T1", user_id="U2") == []


@pytest.mark.parametrize(("recorded", "told"), [
    ("the person paused Flowcoach", "you had paused Flowcoach"),
    ("outside the person's working hours", "it was outside your working hours"),
    ("the person has not opted in to proactive messages", "you have not opted in to proactive messages"),
    ("the person turned off prep messages", "you turned off prep messages"),
    ("Slack cannot reach the person (user_disabled)", "Slack cannot reach you (user_disabled)"),
    ("backed off after 3 ignored nudges", "backed off after 3 ignored nudges"),
    ("you snoozed the earlier message for 30 minutes", "you snoozed the earlier message for 30 minutes"),
])
def test_reasons_are_retold_to_the_person(recorded: str, told: str) -> None:
    from slackapp.domain.explain import for_person

    assert for_person(recorded) == told


def test_a_colleagues_request_arrives_without_opt_in_but_waits_for_working_hours() -> None:
    from slackapp.domain.policy import TRANSACTIONAL_KINDS

    assert {"assignment_offer", "review_request", "debrief_prompt", "team_invite"} <= TRANSACTIONAL_KINDS
    newcomer = person(opt_in="declined")
    assert decide(newcomer, kind="assignment_offer", now=MONDAY_10_UTC).outcome == "send"
    late_evening = datetime(2026, 11, 23, 21, 0, tzinfo=UTC)
    deferred = decide(newcomer, kind="review_request", now=late_evening)
    assert deferred.outcome == "defer" and deferred.until == datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
    many = [MONDAY_10_UTC - timedelta(hours=h) for h in range(1, 10)]
    assert decide(person(), kind="debrief_prompt", now=MONDAY_10_UTC, recent_sends=many,
                  ignored_streak=5).outcome == "send"  # never capped or backed off
