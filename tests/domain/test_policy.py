from datetime import UTC, datetime, timedelta

import pytest

from slackapp.db.models import Person
from slackapp.domain.policy import Decision, decide, next_working_moment

MONDAY_10_UTC = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


def person(**overrides: object) -> Person:
    values: dict[str, object] = dict(team_id="T1", user_id="U1", tz="Europe/London", working_days="0,1,2,3,4",
                                     work_start_minute=540, work_end_minute=1050, opt_in="opted_in",
                                     muted_kinds=[], deactivated=False, paused_until=None, unreachable_reason=None)
    values.update(overrides)
    return Person(**values)


def test_sends_inside_working_hours() -> None:
    assert decide(person(), kind="prep", now=MONDAY_10_UTC).outcome == "send"


def test_defers_a_saturday_message_to_monday_nine_local() -> None:
    saturday = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
    decision = decide(person(tz="America/New_York"), kind="prep", now=saturday)
    assert decision.outcome == "defer"
    assert decision.until == datetime(2026, 11, 30, 14, 0, tzinfo=UTC)  # 09:00 EST
    assert decision.reason == "outside the person's working hours"


def test_working_hours_follow_daylight_saving_by_zone_name() -> None:
    # London moves from BST to GMT on 2026-10-25: 09:00 local is 08:00 UTC before, 09:00 UTC after.
    friday_night = datetime(2026, 10, 23, 22, 0, tzinfo=UTC)
    assert next_working_moment(person(), friday_night) == datetime(2026, 10, 26, 9, 0, tzinfo=UTC)
    thursday_night = datetime(2026, 10, 21, 22, 0, tzinfo=UTC)
    assert next_working_moment(person(), thursday_night) == datetime(2026, 10, 22, 8, 0, tzinfo=UTC)


def test_nobody_is_nudged_before_opting_in_except_the_one_welcome() -> None:
    newcomer = person(opt_in="unknown")
    assert decide(newcomer, kind="prep", now=MONDAY_10_UTC).outcome == "skip"
    assert decide(newcomer, kind="welcome", now=MONDAY_10_UTC).outcome == "send"
    assert decide(person(opt_in="declined"), kind="welcome", now=MONDAY_10_UTC).outcome == "skip"


def test_pause_defers_to_the_first_working_moment_after_it() -> None:
    until = datetime(2026, 12, 5, 0, 0, tzinfo=UTC)  # a Saturday
    decision = decide(person(paused_until=until), kind="prep", now=MONDAY_10_UTC)
    assert decision == Decision("defer", "the person paused Flowcoach", datetime(2026, 12, 7, 9, 0, tzinfo=UTC))


def test_do_not_disturb_defers_until_it_ends() -> None:
    decision = decide(person(), kind="prep", now=MONDAY_10_UTC, dnd_until=MONDAY_10_UTC + timedelta(hours=1))
    assert decision.outcome == "defer" and decision.until == MONDAY_10_UTC + timedelta(hours=1)


@pytest.mark.parametrize(("overrides", "reason"), [
    ({"deactivated": True}, "deactivated"),
    ({"unreachable_reason": "user_disabled"}, "user_disabled"),
    ({"muted_kinds": ["prep"]}, "turned off prep"),
])
def test_skips_with_a_recorded_reason(overrides: dict[str, object], reason: str) -> None:
    decision = decide(person(**overrides), kind="prep", now=MONDAY_10_UTC)
    assert decision.outcome == "skip" and reason in decision.reason


def test_a_decision_must_be_coherent() -> None:
    with pytest.raises(ValueError):
        Decision("defer", "no time given")
    with pytest.raises(ValueError):
        Decision("send", "")
