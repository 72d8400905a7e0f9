"""Bad moments, guides and question sets are reported as the exact ``path:line: message``."""

from __future__ import annotations

from pathlib import Path

import pytest

from slackapp.content import load_content
from tests.content import library_files
from tests.content.library_files import problems, replaced

COMPETENCIES = """\
kind: competencies
items:
  - id: running-one-on-ones
    name: Running effective 1:1s
    summary: Use a report-owned 1:1 to surface problems early.
    skills:
      - id: running-one-on-ones.shared-agenda
        name: Co-own the agenda
        description: The report sets most of the agenda.
        indicators: [Keeps a shared running agenda.]
"""

QUESTION_SETS = """\
kind: question_sets
items:
  - id: one-on-one-reflection
    title: Reflect on your 1:1
    questions:
      - id: what-they-need
        text: What did you learn about what your report needs?
        required: true
      - id: next-time
        text: What will you do differently next time?
        hint: One concrete change.
"""

GUIDES = """\
kind: guides
items:
  - id: one-on-one
    title: Running a 1:1
    summary: Let your report set the agenda.
    checklist:
      - Re-read your notes from last time.
      - Open the shared agenda.
      - Close chat and email.
    sections:
      - heading: During
        body: |
          • Ask about blockers and energy.
          • Agree next steps.
    competency_ids: [running-one-on-ones]
"""

MOMENTS = """\
kind: moments
items:
  - id: one-on-one
    name: "1:1"
    title_patterns:
      - '\\b1:1\\b'
      - '\\bcatch[\\s-]?up\\b'
    exclude_patterns: ['\\binterview']
    max_attendees: 2
    priority: 10
    prep_guide_id: one-on-one
    prep_lead_minutes: 15
    reflection_set_id: one-on-one-reflection
    reflect_delay_minutes: 10
"""

FILES = {
    "competencies": ("competencies.yml", COMPETENCIES),
    "question_sets": ("question_sets.yml", QUESTION_SETS),
    "guides": ("guides/one-on-one.yml", GUIDES),
    "moments": ("moments.yml", MOMENTS),
}


def write_library(directory: Path, **texts: str) -> dict[str, Path]:
    """The valid library above, with some files' text replaced; returns the paths by kind."""
    return library_files.write_library(directory, FILES, **texts)


def test_the_baseline_library_is_valid(tmp_path: Path) -> None:
    write_library(tmp_path)
    library = load_content(tmp_path)
    assert library.moment("one-on-one").prep_guide_id == "one-on-one"
    assert library.guide("one-on-one").sections[0].body == "• Ask about blockers and energy.\n• Agree next steps."
    assert library.question_set("one-on-one-reflection").questions[1].hint == "One concrete change."


# -- moments ---------------------------------------------------------------------------------


def test_unknown_guide_id(tmp_path: Path) -> None:
    paths = write_library(tmp_path, moments=replaced(MOMENTS, "prep_guide_id: one-on-one", "prep_guide_id: 1on1-guide"))
    assert problems(tmp_path) == [
        f"{paths['moments']}:11: moment 'one-on-one': 'prep_guide_id' refers to unknown guide '1on1-guide'"
    ]


def test_unknown_question_set_id(tmp_path: Path) -> None:
    paths = write_library(
        tmp_path, moments=replaced(MOMENTS, "reflection_set_id: one-on-one-reflection", "reflection_set_id: nope")
    )
    assert problems(tmp_path) == [
        f"{paths['moments']}:13: moment 'one-on-one': 'reflection_set_id' refers to unknown question set 'nope'"
    ]


def test_reference_that_is_not_an_id(tmp_path: Path) -> None:
    paths = write_library(tmp_path, moments=replaced(MOMENTS, "prep_guide_id: one-on-one", "prep_guide_id: One On One"))
    assert problems(tmp_path) == [
        f"{paths['moments']}:11: moment 'one-on-one': 'prep_guide_id' must be lowercase kebab-case, "
        "e.g. 'one-on-one' (got 'One On One')"
    ]


def test_invalid_regex(tmp_path: Path) -> None:
    paths = write_library(tmp_path, moments=replaced(MOMENTS, "'\\b1:1\\b'", "'(1:1'"))
    assert problems(tmp_path) == [
        f"{paths['moments']}:6: moment 'one-on-one': 'title_patterns' item 1 is not a valid regular expression: "
        "missing ), unterminated subpattern at position 0"
    ]


def test_invalid_regex_in_exclude_patterns(tmp_path: Path) -> None:
    paths = write_library(tmp_path, moments=replaced(MOMENTS, "['\\binterview']", "['[interview']"))
    assert problems(tmp_path) == [
        f"{paths['moments']}:8: moment 'one-on-one': 'exclude_patterns' item 1 is not a valid regular expression: "
        "unterminated character set at position 0"
    ]


@pytest.mark.parametrize("pattern", ["(a+)+", "(\\w+\\s?)*$", "(?:catch[ -]*up )+x", "((ab)*c){2,}"])
def test_pathological_regex(tmp_path: Path, pattern: str) -> None:
    paths = write_library(tmp_path, moments=replaced(MOMENTS, "'\\bcatch[\\s-]?up\\b'", f"'{pattern}'"))
    assert problems(tmp_path) == [
        f"{paths['moments']}:7: moment 'one-on-one': 'title_patterns' item 2 has nested quantifiers "
        "(a repeated group that itself contains a repeat, like '(a+)+'), which can make matching extremely slow; "
        "rewrite it without the outer repeat"
    ]


def test_regex_too_long(tmp_path: Path) -> None:
    long_pattern = "a" * 150 + "|" + "b" * 58
    paths = write_library(tmp_path, moments=replaced(MOMENTS, "'\\b1:1\\b'", f"'{long_pattern}'"))
    assert problems(tmp_path) == [
        f"{paths['moments']}:6: moment 'one-on-one': 'title_patterns' item 1 is too long (209 characters; at most 200)"
    ]


def test_regex_that_matches_every_title(tmp_path: Path) -> None:
    paths = write_library(tmp_path, moments=replaced(MOMENTS, "'\\b1:1\\b'", "'1:1|'"))
    assert problems(tmp_path) == [
        f"{paths['moments']}:6: moment 'one-on-one': 'title_patterns' item 1 matches empty text, "
        "so it would match every event"
    ]


def test_repeated_and_non_string_patterns(tmp_path: Path) -> None:
    paths = write_library(
        tmp_path,
        moments=replaced(MOMENTS, "'\\bcatch[\\s-]?up\\b'", "'\\b1:1\\b'\n      - 11"),
    )
    assert problems(tmp_path) == [
        f"{paths['moments']}:7: moment 'one-on-one': 'title_patterns' item 2 repeats item 1",
        f"{paths['moments']}:8: moment 'one-on-one': 'title_patterns' item 3 must be a string, got integer",
    ]


def test_title_patterns_must_not_be_empty(tmp_path: Path) -> None:
    text = replaced(MOMENTS, "    title_patterns:\n      - '\\b1:1\\b'\n      - '\\bcatch[\\s-]?up\\b'\n", "")
    text = replaced(text, '    name: "1:1"\n', '    name: "1:1"\n    title_patterns: []\n')
    paths = write_library(tmp_path, moments=text)
    assert problems(tmp_path) == [f"{paths['moments']}:5: moment 'one-on-one': 'title_patterns' must not be empty"]


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("prep_lead_minutes", "2", "'prep_lead_minutes' must be between 5 and 1440 (got 2)"),
        ("prep_lead_minutes", "1441", "'prep_lead_minutes' must be between 5 and 1440 (got 1441)"),
        ("prep_lead_minutes", "15.5", "'prep_lead_minutes' must be a whole number, got number"),
        ("prep_lead_minutes", '"15"', "'prep_lead_minutes' must be a whole number, got string"),
        ("reflect_delay_minutes", "-1", "'reflect_delay_minutes' must be between 0 and 1440 (got -1)"),
        ("reflect_delay_minutes", "true", "'reflect_delay_minutes' must be a whole number, got boolean"),
        ("max_attendees", "0", "'max_attendees' must be between 1 and 1000 (got 0)"),
        ("priority", "5000", "'priority' must be between -1000 and 1000 (got 5000)"),
    ],
)
def test_numbers_out_of_range_or_of_the_wrong_type(tmp_path: Path, field: str, value: str, message: str) -> None:
    line = {"max_attendees": 9, "priority": 10, "prep_lead_minutes": 12, "reflect_delay_minutes": 14}[field]
    text = "\n".join(
        f"    {field}: {value}" if raw.startswith(f"    {field}:") else raw for raw in MOMENTS.splitlines()
    )
    paths = write_library(tmp_path, moments=text + "\n")
    assert problems(tmp_path) == [f"{paths['moments']}:{line}: moment 'one-on-one': {message}"]


def test_zero_lead_and_delay_bounds_are_accepted(tmp_path: Path) -> None:
    text = replaced(MOMENTS, "prep_lead_minutes: 15", "prep_lead_minutes: 0x5")  # YAML hexadecimal is a number
    text = replaced(text, "reflect_delay_minutes: 10", "reflect_delay_minutes: 0")
    write_library(tmp_path, moments=text)
    moment = load_content(tmp_path).moment("one-on-one")
    assert (moment.prep_lead_minutes, moment.reflect_delay_minutes) == (5, 0)


def test_max_attendees_below_min_attendees(tmp_path: Path) -> None:
    paths = write_library(
        tmp_path, moments=replaced(MOMENTS, "    max_attendees: 2\n", "    min_attendees: 3\n    max_attendees: 2\n")
    )
    assert problems(tmp_path) == [
        f"{paths['moments']}:10: moment 'one-on-one': 'max_attendees' (2) must not be less than 'min_attendees' (3)"
    ]


def test_booleans_must_be_true_or_false(tmp_path: Path) -> None:
    paths = write_library(tmp_path, moments=MOMENTS + "    organizer_only: 1\n    offer_debrief: 'yes'\n")
    assert problems(tmp_path) == [
        f"{paths['moments']}:15: moment 'one-on-one': 'organizer_only' must be true or false, got integer",
        f"{paths['moments']}:16: moment 'one-on-one': 'offer_debrief' must be true or false, got string",
    ]


def test_unknown_and_missing_moment_keys(tmp_path: Path) -> None:
    text = replaced(MOMENTS, '    name: "1:1"\n', "    colour: blue\n")
    paths = write_library(tmp_path, moments=text)
    assert problems(tmp_path) == [
        f"{paths['moments']}:3: moment 'one-on-one' is missing required key 'name'",
        f"{paths['moments']}:4: moment 'one-on-one' has unknown key 'colour' (allowed: id, name, title_patterns, "
        "description_patterns, exclude_patterns, min_attendees, max_attendees, organizer_only, priority, "
        "prep_guide_id, prep_lead_minutes, reflection_set_id, reflect_delay_minutes, offer_debrief)",
    ]


def test_duplicate_moment_id_across_files(tmp_path: Path) -> None:
    paths = write_library(tmp_path)
    again = tmp_path / "more" / "moments.yml"
    again.parent.mkdir()
    again.write_text(MOMENTS, encoding="utf-8")
    assert problems(tmp_path) == [
        f"{again}:3: duplicate moment id 'one-on-one' (first defined at {paths['moments']}:3)"
    ]


def test_minimal_moment_gets_the_defaults(tmp_path: Path) -> None:
    minimal = "kind: moments\nitems:\n  - id: standup\n    name: Standup\n    title_patterns: ['stand-?up']\n"
    write_library(tmp_path, moments=minimal)
    moment = load_content(tmp_path).moment("standup")
    assert moment.description_patterns == moment.exclude_patterns == ()
    assert (moment.min_attendees, moment.max_attendees, moment.prep_guide_id, moment.reflection_set_id) == (
        None,
        None,
        None,
        None,
    )
    assert (moment.prep_lead_minutes, moment.reflect_delay_minutes, moment.priority) == (15, 10, 0)
    assert not moment.organizer_only and not moment.offer_debrief


# -- guides ----------------------------------------------------------------------------------


def test_guide_title_too_long(tmp_path: Path) -> None:
    paths = write_library(tmp_path, guides=replaced(GUIDES, "title: Running a 1:1", "title: " + "x" * 61))
    assert problems(tmp_path) == [
        f"{paths['guides']}:4: guide 'one-on-one': 'title' is too long (61 characters; at most 60)"
    ]


def test_checklist_with_too_many_items(tmp_path: Path) -> None:
    extra = "".join(f"      - Step {number}.\n" for number in range(4, 8))
    paths = write_library(tmp_path, guides=replaced(GUIDES, "    sections:\n", extra + "    sections:\n"))
    assert problems(tmp_path) == [
        f"{paths['guides']}:7: guide 'one-on-one': 'checklist' has 7 items; at most 6 allowed"
    ]


def test_checklist_with_too_few_items(tmp_path: Path) -> None:
    paths = write_library(tmp_path, guides=replaced(GUIDES, "      - Close chat and email.\n", ""))
    assert problems(tmp_path) == [
        f"{paths['guides']}:7: guide 'one-on-one': 'checklist' has 2 items; at least 3 needed"
    ]


def test_checklist_item_too_long(tmp_path: Path) -> None:
    paths = write_library(tmp_path, guides=replaced(GUIDES, "Open the shared agenda.", "Open " + "a" * 196 + "."))
    assert problems(tmp_path) == [
        f"{paths['guides']}:8: guide 'one-on-one': 'checklist' item 2 is too long (202 characters; at most 200)"
    ]


def test_unknown_competency_in_guide(tmp_path: Path) -> None:
    paths = write_library(
        tmp_path,
        guides=replaced(GUIDES, "[running-one-on-ones]", "\n      - running-one-on-ones\n      - mentoring"),
    )
    assert problems(tmp_path) == [
        f"{paths['guides']}:17: guide 'one-on-one': 'competency_ids' refers to unknown competency 'mentoring'"
    ]


def test_guide_sections(tmp_path: Path) -> None:
    body = "          " + "word " * 600 + "\n"  # the body becomes 32 + 1 + 2999 characters
    text = replaced(GUIDES, "          • Agree next steps.\n", body + '      - heading: ""\n        body: x\n')
    paths = write_library(tmp_path, guides=text)
    assert problems(tmp_path) == [
        f"{paths['guides']}:12: guide 'one-on-one': section 1: 'body' is too long (3032 characters; at most 2500)",
        f"{paths['guides']}:15: guide 'one-on-one': section 2: 'heading' must not be empty",
    ]


def test_guide_without_sections(tmp_path: Path) -> None:
    text = GUIDES[: GUIDES.index("    sections:")] + "    sections: []\n    competency_ids: [running-one-on-ones]\n"
    paths = write_library(tmp_path, guides=text)
    assert problems(tmp_path) == [f"{paths['guides']}:10: guide 'one-on-one': 'sections' must not be empty"]


def test_guide_body_keeps_line_breaks_and_trims_blank_lines(tmp_path: Path) -> None:
    text = replaced(GUIDES, "        body: |\n", "        body: |+\n\n")
    write_library(tmp_path, guides=text + "\n\n")
    assert load_content(tmp_path).guide("one-on-one").sections[0].body == (
        "• Ask about blockers and energy.\n• Agree next steps."
    )


# -- question sets ---------------------------------------------------------------------------


def test_question_set_empty(tmp_path: Path) -> None:
    text = QUESTION_SETS[: QUESTION_SETS.index("    questions:")] + "    questions: []\n"
    paths = write_library(tmp_path, question_sets=text)
    assert problems(tmp_path) == [
        f"{paths['question_sets']}:5: question set 'one-on-one-reflection': 'questions' must not be empty"
    ]


def test_question_set_with_too_many_questions(tmp_path: Path) -> None:
    extra = "".join(f"      - id: q{number}\n        text: Question {number}?\n" for number in range(3, 7))
    paths = write_library(tmp_path, question_sets=QUESTION_SETS + extra)
    assert problems(tmp_path) == [
        f"{paths['question_sets']}:6: question set 'one-on-one-reflection': 'questions' has 6 questions; "
        "at most 5 allowed"
    ]


def test_duplicate_question_ids(tmp_path: Path) -> None:
    paths = write_library(tmp_path, question_sets=replaced(QUESTION_SETS, "id: next-time", "id: what-they-need"))
    assert problems(tmp_path) == [
        f"{paths['question_sets']}:9: question set 'one-on-one-reflection': duplicate question id "
        "'what-they-need' (first at line 6)"
    ]


def test_question_set_title_too_long(tmp_path: Path) -> None:
    paths = write_library(
        tmp_path,
        question_sets=replaced(QUESTION_SETS, "title: Reflect on your 1:1", "title: Reflect on your one-on-one"),
    )
    assert problems(tmp_path) == [
        f"{paths['question_sets']}:4: question set 'one-on-one-reflection': 'title' is too long "
        "(26 characters; at most 24)"
    ]


def test_question_fields(tmp_path: Path) -> None:
    text = replaced(QUESTION_SETS, "required: true", "required: maybe")
    text = replaced(text, "hint: One concrete change.", "hint: " + "h" * 151)
    text = replaced(text, "id: next-time", "id: Next_Time")
    paths = write_library(tmp_path, question_sets=text)
    path = paths["question_sets"]
    assert problems(tmp_path) == [
        f"{path}:8: question set 'one-on-one-reflection': question 'what-they-need': 'required' "
        "must be true or false, got string",
        f"{path}:9: question set 'one-on-one-reflection': question 'Next_Time': 'id' must be lowercase "
        "kebab-case, e.g. 'what-went-well' (got 'Next_Time')",
        f"{path}:11: question set 'one-on-one-reflection': question 'Next_Time': 'hint' is too long "
        "(151 characters; at most 150)",
    ]


def test_question_text_too_long(tmp_path: Path) -> None:
    paths = write_library(
        tmp_path, question_sets=replaced(QUESTION_SETS, "What will you do differently next time?", "W" * 151 + "?")
    )
    assert problems(tmp_path) == [
        f"{paths['question_sets']}:10: question set 'one-on-one-reflection': question 'next-time': 'text' "
        "is too long (152 characters; at most 150)"
    ]


def test_duplicate_question_set_id_and_problems_in_several_files(tmp_path: Path) -> None:
    paths = write_library(
        tmp_path,
        question_sets=QUESTION_SETS + QUESTION_SETS[QUESTION_SETS.index("  - id:") :],
        moments=replaced(MOMENTS, "prep_lead_minutes: 15", "prep_lead_minutes: 4"),
    )
    assert problems(tmp_path) == [
        f"{paths['moments']}:12: moment 'one-on-one': 'prep_lead_minutes' must be between 5 and 1440 (got 4)",
        f"{paths['question_sets']}:12: duplicate question set id 'one-on-one-reflection' "
        f"(first defined at {paths['question_sets']}:3)",
    ]


def test_ids_fit_the_database_column(tmp_path: Path) -> None:
    long_id = "a-" * 32 + "b"  # 65 characters
    paths = write_library(tmp_path, moments=replaced(MOMENTS, "  - id: one-on-one", f"  - id: {long_id}"))
    assert problems(tmp_path) == [
        f"{paths['moments']}:3: moment '{long_id}': 'id' is too long (65 characters; at most 64)"
    ]
