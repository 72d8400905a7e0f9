from datetime import UTC, datetime

from slackapp.db.models import Person
from slackapp.domain.working_time import add_working_hours


def person(tz: str = "Europe/London") -> Person:
    return Person(team_id="T", user_id="U", tz=tz, working_days="0,1,2,3,4", work_start_minute=540,
                  work_end_minute=1050, muted_kinds=[])


def test_hours_inside_one_working_day() -> None:
    monday_10 = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
    assert add_working_hours(person(), monday_10, 4) == datetime(2026, 11, 23, 14, 0, tzinfo=UTC)


def test_hours_roll_over_evenings_and_weekends() -> None:
    friday_16 = datetime(2026, 11, 27, 16, 0, tzinfo=UTC)  # 1.5 h left on Friday (until 17:30)
    assert add_working_hours(person(), friday_16, 4) == datetime(2026, 11, 30, 11, 30, tzinfo=UTC)


def test_twenty_four_working_hours_is_about_three_days() -> None:
    monday_9 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)  # 8.5 working hours a day
    assert add_working_hours(person(), monday_9, 24) == datetime(2026, 11, 25, 16, 0, tzinfo=UTC)


def test_starting_outside_hours_counts_from_the_next_start_in_the_persons_zone() -> None:
    saturday = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
    assert add_working_hours(person("America/New_York"), saturday, 1) == datetime(2026, 11, 30, 15, 0, tzinfo=UTC)
