"""Moment rules: the shipped library recognises real calendar events, and matching behaves as documented."""

from __future__ import annotations

import dataclasses
import time
from pathlib import Path

import pytest

from slackapp.content import ContentLibrary, MomentRule, load_content
from slackapp.content.patterns import DESCRIPTION_MATCH_MAX, TITLE_MATCH_MAX

CONTENT = Path(__file__).resolve().parents[2] / "content"


@pytest.fixture(scope="module")
def library() -> ContentLibrary:
    return load_content(CONTENT)


# -- the shipped rules -------------------------------------------------------------------------


# id: (prep guide, lead minutes, reflection set, delay minutes, offer debrief, organiser only)
SHIPPED_RULES = {
    "one-on-one": ("one-on-one", 15, "one-on-one-reflection", 10, False, False),
    "feedback-conversation": ("feedback-conversation", 60, "feedback-reflection", 15, True, False),
    "difficult-conversation": ("difficult-conversation", 60, "difficult-conversation-reflection", 30, True, False),
    "presentation": ("presentation", 30, "presentation-reflection", 15, False, True),
    "project-kickoff": ("project-kickoff", 30, "kickoff-reflection", 30, False, False),
    "project-retro": ("project-retro", 20, "retro-reflection", 15, False, False),
    "interview": ("interview", 15, "interview-reflection", 5, False, False),
}


def test_shipped_rules_send_the_right_guide_and_reflection_at_the_right_time(library: ContentLibrary) -> None:
    assert [moment.id for moment in library.moments] == list(SHIPPED_RULES)
    for moment_id, expected in SHIPPED_RULES.items():
        moment = library.moment(moment_id)
        actual = (
            moment.prep_guide_id,
            moment.prep_lead_minutes,
            moment.reflection_set_id,
            moment.reflect_delay_minutes,
            moment.offer_debrief,
            moment.organizer_only,
        )
        assert actual == expected, moment_id


def test_attendee_bounds_of_the_shipped_rules(library: ContentLibrary) -> None:
    assert library.moment("one-on-one").max_attendees == 2
    assert library.moment("project-kickoff").min_attendees == 3
    assert library.moment("project-retro").min_attendees == 3


def test_specific_moments_outrank_general_ones(library: ContentLibrary) -> None:
    priority = {moment.id: moment.priority for moment in library.moments}
    assert (
        priority["interview"]
        > priority["difficult-conversation"]
        > priority["feedback-conversation"]
        > priority["project-kickoff"]
        > priority["presentation"]
        > priority["one-on-one"]
    )
    assert priority["project-retro"] == priority["project-kickoff"]


# -- classification table ------------------------------------------------------------------------

# (title, attendee count, the person organises it, description, expected moment id or None)
CLASSIFICATION = [
    # 1:1s in their many spellings
    ("1:1 Maria / Ravi", 2, False, "", "one-on-one"),
    ("Weekly 1-1 with Sam", 2, False, "", "one-on-one"),
    ("1 on 1: Priya", 2, False, "", "one-on-one"),
    ("Jordan 1-on-1", 2, True, "", "one-on-one"),
    ("One-on-one (Jordan)", 2, False, "", "one-on-one"),
    ("Ravi 1–1", 2, False, "", "one-on-one"),  # en dash from autocorrect
    ("1-2-1 Kwame / Lena", 2, False, "", "one-on-one"),
    ("Maria / Ravi", 2, False, "", "one-on-one"),
    ("Ravi <> Maria", 2, False, "", "one-on-one"),
    ("sahaja <> frashed", 1, False, "", "one-on-one"),  # a real title from the .ics corpus
    ("Ana María & Sam – weekly", 2, False, "", "one-on-one"),
    ("Catch up with Kwame", 2, False, "", "one-on-one"),
    ("Check-in: Lena", 2, False, "", "one-on-one"),
    ("Ravi/Maria sync", 2, False, "", "one-on-one"),
    ("Maria / Ravi", 0, False, "", "one-on-one"),  # feed lists no attendees: bounds not applied
    ("Pip / Sam", 2, False, "", "one-on-one"),  # Pip is a name; PIP is a performance plan
    ("Ravi / Maria retro", 2, False, "", "one-on-one"),  # two people: not a team retro
    # performance reviews and feedback
    ("Ravi/Maria feedback 1:1", 2, False, "", "feedback-conversation"),
    ("Mid-year review – Ravi", 2, False, "", "feedback-conversation"),
    ("Perf review: Maria", 2, False, "", "feedback-conversation"),
    ("Performance review – Jordan Lee", 3, False, "", "feedback-conversation"),
    ("Annual appraisal", 2, False, "", "feedback-conversation"),
    ("Year-end review with Priya", 2, False, "", "feedback-conversation"),
    # difficult conversations
    ("PIP check-in with Jordan", 3, False, "", "difficult-conversation"),
    ("Performance improvement plan review", 3, False, "", "difficult-conversation"),
    ("Difficult conversation – Alex", 2, False, "", "difficult-conversation"),
    ("Hard conversation re: workload", 2, False, "", "difficult-conversation"),
    ("Escalation with Ravi re: on-call load", 2, False, "", "difficult-conversation"),
    # presentations: only when the person presents (organises)
    ("Q3 all hands", 150, True, "", "presentation"),
    ("Q3 all hands", 150, False, "", None),
    ("Sprint 14 demo", 9, True, "", "presentation"),
    ("Sprint 14 demo", 9, False, "", None),
    ("Pitch to the leadership team", 6, True, "", "presentation"),
    ("Talk: scaling Postgres", 40, True, "", "presentation"),
    ("Lunch & learn: accessibility basics", 30, True, "", "presentation"),
    ("Presentation dry run", 3, True, "", None),  # a rehearsal, not the real thing
    # project kickoffs and retros: teams, not pairs
    ("Project Atlas kickoff", 8, False, "", "project-kickoff"),
    ("Billing revamp kick-off", 5, True, "", "project-kickoff"),
    ("Inception: billing revamp", 6, False, "", "project-kickoff"),
    ("Project Atlas kick-off", 2, False, "", None),
    ("All hands: project Atlas kick off", 120, True, "", "project-kickoff"),  # kickoff outranks presentation
    ("Sprint 14 retro", 7, False, "", "project-retro"),
    ("Q3 retrospective", 12, False, "", "project-retro"),
    ("Post-mortem: checkout outage", 10, False, "", "project-retro"),
    ("Lessons learned – data migration", 6, False, "", "project-retro"),
    ("Sprint 14 wrap-up", 6, False, "Board: https://easyretro.io/board/abc", "project-retro"),
    ("Retro", 2, False, "", None),
    # interviews
    ("Interview: Senior Engineer 1:1 with hiring manager", 2, False, "", "interview"),
    ("Phone screen – Backend Engineer", 2, False, "", "interview"),
    ("Onsite interview loop: Priya Patel", 5, False, "", "interview"),
    ("Hiring panel: Staff Designer", 4, False, "", "interview"),
    ("Candidate debrief", 5, False, "", "interview"),
    ("Meeting with Alex", 2, False, "Interview kit: https://app.greenhouse.io/interview_kits/123", "interview"),
    ("User interview with Acme", 3, False, "", None),
    ("Exit interview", 2, False, "", None),
    ("Team onsite – Lisbon", 25, False, "", None),
    ("Interviewer training", 12, False, "", None),
    # everyday events that are not moments
    ("Lunch", 0, False, "", None),
    ("Focus time", 0, False, "", None),
    ("OOO", 0, False, "", None),
    ("Team standup", 8, False, "", None),
    ("Daily Sync", 0, False, "", None),  # from the .ics corpus
    ("Sprint 25 Daily Standup", 0, False, "", None),  # from the .ics corpus
    ("Team sync", 0, False, "", None),
    ("Catch up on emails", 0, False, "", None),
    ("Flight check-in", 0, False, "", None),
    ("Lunch / Gym", 0, False, "", None),
    ("Architecture review", 5, False, "", None),
    ("Async review", 2, False, "", None),
    ("Meeting 1:15pm", 2, False, "", None),
    ("Sprint 1-10 planning", 2, False, "", None),
    ("New Year 1/1/2027", 0, False, "", None),
    ("Screen share session", 2, False, "", None),
    ("Customer feedback review", 5, False, "", None),
    ("Performance review calibration", 6, False, "", None),
    ("Escalation: payments outage", 12, False, "", None),
    ("P1 escalation", 3, False, "", None),
    # attendee counts matter
    ("Ravi / Maria", 6, False, "", None),
    ("Design / Engineering sync", 12, False, "", None),
    ("Weekly 1:1", 3, False, "", None),
    # personal prep blocks are not the moment itself
    ("Prep for 1:1 with Ravi", 0, False, "", None),
    ("Interview prep", 1, False, "", None),
    ("Prepare mid-year review", 1, True, "", None),
]


def test_the_table_is_big_enough_and_covers_every_moment() -> None:
    assert len(CLASSIFICATION) >= 25
    assert {row[4] for row in CLASSIFICATION} == {*SHIPPED_RULES, None}


@pytest.mark.parametrize(
    ("title", "attendees", "organizer", "description", "expected"),
    CLASSIFICATION,
    ids=[f"{row[0]}|{row[1]}{'|organiser' if row[2] else ''}" for row in CLASSIFICATION],
)
def test_classification(
    library: ContentLibrary, title: str, attendees: int, organizer: bool, description: str, expected: str | None
) -> None:
    moment = library.classify(
        title=title, description=description, attendee_count=attendees, organizer_is_person=organizer
    )
    assert (moment.id if moment else None) == expected


def test_classify_defaults_to_no_description_unknown_attendees_and_not_organiser(library: ContentLibrary) -> None:
    assert library.classify(title="Project Atlas kickoff") is library.moment("project-kickoff")
    assert library.classify(title="Q3 all hands") is None


def test_crafted_titles_are_classified_quickly(library: ContentLibrary) -> None:
    crafted = [
        "1" + " " * 10_000,
        ("1 " + "on " * 50) * 100,
        "a" * 20_000,
        "Ravi / " * 3_000,
        "catch-" * 3_000,
        "one-" * 5_000,
        "\u00e9" * 10_000 + " / x",
    ]
    started = time.perf_counter()
    for text in crafted:
        for organizer in (False, True):
            library.classify(title=text, description=text, attendee_count=2, organizer_is_person=organizer)
    assert time.perf_counter() - started < 2.0


# -- matching rules, on hand-built rules -----------------------------------------------------------


def rule(rule_id: str = "one-on-one", **changes: object) -> MomentRule:
    values: dict[str, object] = {"id": rule_id, "name": "1:1", "title_patterns": (r"\b1:1\b",)}
    values.update(changes)
    return MomentRule(**values)  # type: ignore[arg-type]


def matches(
    moment: MomentRule, title: str, *, description: str = "", attendees: int = 2, organizer: bool = False
) -> bool:
    return moment.matches(title=title, description=description, attendee_count=attendees, organizer_is_person=organizer)


def test_patterns_are_searched_case_insensitively() -> None:
    moment = rule(title_patterns=(r"\bcatch[ -]?up\b",))
    assert matches(moment, "Quick CATCH-UP with Sam")
    assert not matches(moment, "Ketchup tasting")


def test_attendee_bounds_are_inclusive_and_zero_means_unknown() -> None:
    moment = rule(min_attendees=3, max_attendees=5)
    assert [matches(moment, "1:1", attendees=count) for count in (0, 1, 2, 3, 5, 6)] == [
        True,
        False,
        False,
        True,
        True,
        False,
    ]
    with pytest.raises(ValueError, match="attendee_count cannot be negative"):
        matches(moment, "1:1", attendees=-1)


def test_organizer_only_rules_need_the_person_to_organise() -> None:
    moment = rule(organizer_only=True)
    assert matches(moment, "1:1", organizer=True)
    assert not matches(moment, "1:1", organizer=False)


def test_description_patterns_match_and_exclusions_apply_to_the_title_only() -> None:
    moment = rule(description_patterns=(r"interview kit",), exclude_patterns=(r"\bprep\b",))
    assert matches(moment, "Meeting", description="Your Interview Kit is ready")
    assert not matches(moment, "Meeting", description="Agenda: 1:1 topics")  # title patterns not used there
    assert not matches(moment, "1:1 prep")
    assert not matches(moment, "Prep", description="interview kit")
    assert matches(moment, "1:1", description="bring your prep notes")


def test_only_the_start_of_long_texts_is_searched() -> None:
    moment = rule(description_patterns=(r"\bkit\b",))
    assert matches(moment, "x" * (TITLE_MATCH_MAX - 4) + " 1:1")
    assert not matches(moment, "x" * TITLE_MATCH_MAX + " 1:1")
    assert matches(moment, "x", description="y" * (DESCRIPTION_MATCH_MAX - 4) + " kit")
    assert not matches(moment, "x", description="y" * DESCRIPTION_MATCH_MAX + " kit")


def test_classify_picks_the_highest_priority_then_file_order() -> None:
    general = rule("general", title_patterns=("sync",), priority=1)
    first = rule("first", title_patterns=("design",), priority=5)
    second = rule("second", title_patterns=("review",), priority=5)
    library = ContentLibrary(moments=(general, first, second))
    assert library.classify(title="design review sync") is first
    assert library.classify(title="review sync") is second
    assert library.classify(title="sync") is general
    assert library.classify(title="standup") is None
    reordered = ContentLibrary(moments=(general, second, first))
    assert reordered.classify(title="design review sync") is second


def test_compiled_patterns_do_not_affect_equality_or_hashing() -> None:
    assert rule() == rule() and hash(rule()) == hash(rule())
    assert rule() != rule(title_patterns=(r"\b1-1\b",))
    assert "_title_res" not in repr(rule())
    changed = dataclasses.replace(rule(), title_patterns=(r"\bcheck-?in\b",))
    assert matches(changed, "Check-in") and not matches(changed, "1:1")
