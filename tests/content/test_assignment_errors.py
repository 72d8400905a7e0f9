"""Bad micro-assignment templates are reported as the exact ``path:line: message``."""

from __future__ import annotations

from pathlib import Path

import pytest

from slackapp.content import RubricLevel, load_content
from tests.content import library_files
from tests.content.library_files import problems, replaced

COMPETENCIES = """\
kind: competencies
items:
  - id: giving-feedback
    name: Giving feedback
    summary: Give specific, timely feedback.
    skills:
      - id: giving-feedback.sbi
        name: Use Situation-Behaviour-Impact
        description: Describe situation, behaviour and impact.
        indicators: [Names a specific situation.]
  - id: coaching-others
    name: Coaching others
    summary: Help people find their own solutions.
    skills:
      - id: coaching-others.grow
        name: Structure the conversation (GROW)
        description: Goal, Reality, Options, Will.
        indicators: [Agrees the goal first.]
"""

QUESTION_SETS = """\
kind: question_sets
items:
  - id: debrief-feedback
    title: Peer debrief
    questions:
      - id: how-it-landed
        text: What do you notice about how it landed?
        required: true
"""

ASSIGNMENTS = """\
kind: assignments
items:
  - id: give-sbi-feedback
    title: Give one piece of SBI feedback and note the response
    competency_id: giving-feedback
    skill_id: giving-feedback.sbi
    timebox_hours: 72
    effort_minutes: 30
    why: Specific feedback is easier to act on.
    instructions:
      - Write the SBI down first.
      - Say it and ask for their view.
    deliverable: Your SBI and their response.
    success_criteria:
      - The behaviour is observable.
      - Their response is recorded.
    rubric:
      - level: 1
        name: Not yet
        descriptor: No feedback was given.
      - level: 2
        name: Developing
        descriptor: The behaviour is a label.
      - level: 3
        name: Proficient
        descriptor: Specific, observable, response recorded.
      - level: 4
        name: Role model
        descriptor: As Proficient, and a next step is agreed.
    debrief_set_id: debrief-feedback
    tags: [feedback, sbi]
"""

FILES = {
    "competencies": ("competencies.yml", COMPETENCIES),
    "question_sets": ("question_sets.yml", QUESTION_SETS),
    "assignments": ("assignments/giving-feedback.yml", ASSIGNMENTS),
}

LABEL = "assignment 'give-sbi-feedback'"


def write_library(directory: Path, **texts: str) -> dict[str, Path]:
    """The valid library above, with some files' text replaced; returns the paths by kind."""
    return library_files.write_library(directory, FILES, **texts)


def assignment_problems(tmp_path: Path, text: str) -> tuple[Path, list[str]]:
    """Write the library with ``text`` as the assignments file; its path and the problems."""
    path = write_library(tmp_path, assignments=text)["assignments"]
    return path, problems(tmp_path)


def test_the_baseline_library_is_valid(tmp_path: Path) -> None:
    write_library(tmp_path)
    library = load_content(tmp_path)
    template = library.assignment("give-sbi-feedback")
    assert (template.competency_id, template.skill_id) == ("giving-feedback", "giving-feedback.sbi")
    assert (template.timebox_hours, template.effort_minutes) == (72, 30)
    assert template.instructions == ("Write the SBI down first.", "Say it and ask for their view.")
    assert template.rubric[3] == RubricLevel(4, "Role model", "As Proficient, and a next step is agreed.")
    assert (template.debrief_set_id, template.tags) == ("debrief-feedback", ("feedback", "sbi"))
    assert library.assignments == (template,)


def test_minimal_template_gets_the_defaults(tmp_path: Path) -> None:
    text = replaced(ASSIGNMENTS, "    debrief_set_id: debrief-feedback\n    tags: [feedback, sbi]\n", "")
    write_library(tmp_path, assignments=text)
    template = load_content(tmp_path).assignment("give-sbi-feedback")
    assert template.debrief_set_id is None
    assert template.tags == ()


def test_empty_tags_are_allowed(tmp_path: Path) -> None:
    write_library(tmp_path, assignments=replaced(ASSIGNMENTS, "tags: [feedback, sbi]", "tags: []"))
    assert load_content(tmp_path).assignment("give-sbi-feedback").tags == ()


# -- references -------------------------------------------------------------------------------


def test_unknown_skill(tmp_path: Path) -> None:
    path, found = assignment_problems(
        tmp_path, replaced(ASSIGNMENTS, "skill_id: giving-feedback.sbi", "skill_id: giving-feedback.nope")
    )
    assert found == [f"{path}:6: {LABEL}: 'skill_id' refers to unknown skill 'giving-feedback.nope'"]


def test_skill_of_another_competency(tmp_path: Path) -> None:
    path, found = assignment_problems(
        tmp_path, replaced(ASSIGNMENTS, "skill_id: giving-feedback.sbi", "skill_id: coaching-others.grow")
    )
    assert found == [
        f"{path}:6: {LABEL}: 'skill_id' 'coaching-others.grow' belongs to competency 'coaching-others', "
        "not to this assignment's 'giving-feedback'"
    ]


def test_unknown_competency_and_its_skill(tmp_path: Path) -> None:
    text = replaced(ASSIGNMENTS, "competency_id: giving-feedback", "competency_id: mentoring")
    path, found = assignment_problems(tmp_path, replaced(text, "giving-feedback.sbi", "mentoring.listening"))
    assert found == [
        f"{path}:5: {LABEL}: 'competency_id' refers to unknown competency 'mentoring'",
        f"{path}:6: {LABEL}: 'skill_id' refers to unknown skill 'mentoring.listening'",
    ]


def test_skill_id_that_is_not_a_skill_id(tmp_path: Path) -> None:
    path, found = assignment_problems(tmp_path, replaced(ASSIGNMENTS, "skill_id: giving-feedback.sbi", "skill_id: sbi"))
    assert found == [
        f"{path}:6: {LABEL}: 'skill_id' must be the competency id, a dot and a lowercase kebab-case name, "
        "e.g. 'giving-feedback.sbi' (got 'sbi')"
    ]


def test_competency_id_that_is_not_an_id(tmp_path: Path) -> None:
    path, found = assignment_problems(
        tmp_path, replaced(ASSIGNMENTS, "competency_id: giving-feedback", "competency_id: Giving Feedback")
    )
    assert found == [
        f"{path}:5: {LABEL}: 'competency_id' must be lowercase kebab-case, e.g. 'giving-feedback' "
        "(got 'Giving Feedback')"
    ]


def test_unknown_debrief_set(tmp_path: Path) -> None:
    path, found = assignment_problems(
        tmp_path, replaced(ASSIGNMENTS, "debrief_set_id: debrief-feedback", "debrief_set_id: debrief-nope")
    )
    assert found == [f"{path}:30: {LABEL}: 'debrief_set_id' refers to unknown question set 'debrief-nope'"]


def test_debrief_set_that_is_not_an_id(tmp_path: Path) -> None:
    path, found = assignment_problems(
        tmp_path, replaced(ASSIGNMENTS, "debrief_set_id: debrief-feedback", "debrief_set_id: ''")
    )
    assert found == [
        f"{path}:30: {LABEL}: 'debrief_set_id' must be lowercase kebab-case, e.g. 'debrief-feedback' (got '')"
    ]


def test_duplicate_assignment_id_across_files(tmp_path: Path) -> None:
    paths = write_library(tmp_path)
    again = tmp_path / "assignments" / "more.yml"
    again.write_text("# copy\n" + ASSIGNMENTS, encoding="utf-8")
    assert problems(tmp_path) == [
        f"{again}:4: duplicate assignment id 'give-sbi-feedback' (first defined at {paths['assignments']}:3)"
    ]


def test_an_assignment_may_share_its_id_with_another_kind(tmp_path: Path) -> None:
    # Ids are unique within their kind: a question set called like an assignment is fine.
    write_library(tmp_path, question_sets=QUESTION_SETS.replace("debrief-feedback", "give-sbi-feedback"))
    assert problems(tmp_path) == [
        f"{tmp_path / 'assignments' / 'giving-feedback.yml'}:30: {LABEL}: 'debrief_set_id' refers to unknown "
        "question set 'debrief-feedback'"
    ]


# -- ids and text -----------------------------------------------------------------------------


def test_bad_and_too_long_ids(tmp_path: Path) -> None:
    path, found = assignment_problems(tmp_path, replaced(ASSIGNMENTS, "id: give-sbi-feedback", "id: Give_SBI"))
    assert found == [
        f"{path}:3: assignment 'Give_SBI': 'id' must be lowercase kebab-case, e.g. 'give-sbi-feedback' (got 'Give_SBI')"
    ]
    long_id = "a-" * 32 + "b"  # 65 characters: one more than the template_id column holds
    path, found = assignment_problems(tmp_path, replaced(ASSIGNMENTS, "id: give-sbi-feedback", f"id: {long_id}"))
    assert found == [f"{path}:3: assignment '{long_id}': 'id' is too long (65 characters; at most 64)"]


def test_title_too_long(tmp_path: Path) -> None:
    title = "Give one piece of SBI feedback and note the response, then note the reaction"  # 76
    text = replaced(ASSIGNMENTS, "title: Give one piece of SBI feedback and note the response", f"title: {title}")
    path, found = assignment_problems(tmp_path, text)
    assert found == [f"{path}:4: {LABEL}: 'title' is too long (76 characters; at most 75)"]


def test_text_fields_too_long_or_empty(tmp_path: Path) -> None:
    text = replaced(ASSIGNMENTS, "why: Specific feedback is easier to act on.", "why: " + "w" * 501)
    text = replaced(text, "deliverable: Your SBI and their response.", "deliverable:")
    text = replaced(text, "      - The behaviour is observable.", "      - " + "c" * 201)
    path, found = assignment_problems(tmp_path, text)
    assert found == [
        f"{path}:9: {LABEL}: 'why' is too long (501 characters; at most 500)",
        f"{path}:13: {LABEL}: 'deliverable' must not be empty",
        f"{path}:15: {LABEL}: 'success_criteria' item 1 is too long (201 characters; at most 200)",
    ]


def test_unknown_and_missing_keys(tmp_path: Path) -> None:
    text = replaced(ASSIGNMENTS, "    deliverable: Your SBI and their response.\n", "    colour: blue\n")
    path, found = assignment_problems(tmp_path, text)
    assert found == [
        f"{path}:3: {LABEL} is missing required key 'deliverable'",
        f"{path}:13: {LABEL} has unknown key 'colour' (allowed: id, title, competency_id, skill_id, timebox_hours, "
        "effort_minutes, why, instructions, deliverable, success_criteria, rubric, debrief_set_id, tags)",
    ]


def test_assignment_that_is_not_a_mapping(tmp_path: Path) -> None:
    path, found = assignment_problems(tmp_path, "kind: assignments\nitems:\n  - give-sbi-feedback\n")
    assert found == [f"{path}:3: assignment must be a mapping, got string"]


# -- numbers ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("timebox_hours", "0", "'timebox_hours' must be between 1 and 336 (got 0)"),
        ("timebox_hours", "337", "'timebox_hours' must be between 1 and 336 (got 337)"),
        ("timebox_hours", '"72"', "'timebox_hours' must be a whole number, got string"),
        ("timebox_hours", "1.5", "'timebox_hours' must be a whole number, got number"),
        ("effort_minutes", "5", "'effort_minutes' must be between 10 and 240 (got 5)"),
        ("effort_minutes", "241", "'effort_minutes' must be between 10 and 240 (got 241)"),
        ("effort_minutes", "true", "'effort_minutes' must be a whole number, got boolean"),
    ],
)
def test_numbers_out_of_range_or_of_the_wrong_type(tmp_path: Path, field: str, value: str, message: str) -> None:
    line = {"timebox_hours": 7, "effort_minutes": 8}[field]
    text = "\n".join(
        f"    {field}: {value}" if raw.startswith(f"    {field}:") else raw for raw in ASSIGNMENTS.splitlines()
    )
    path, found = assignment_problems(tmp_path, text + "\n")
    assert found == [f"{path}:{line}: {LABEL}: {message}"]


def test_effort_must_fit_in_the_timebox(tmp_path: Path) -> None:
    text = replaced(ASSIGNMENTS, "timebox_hours: 72", "timebox_hours: 1")
    path, found = assignment_problems(tmp_path, replaced(text, "effort_minutes: 30", "effort_minutes: 90"))
    assert found == [f"{path}:8: {LABEL}: 'effort_minutes' (90 minutes) must fit in the timebox (1 hour)"]


def test_effort_equal_to_the_timebox_is_accepted(tmp_path: Path) -> None:
    text = replaced(ASSIGNMENTS, "timebox_hours: 72", "timebox_hours: 1")
    write_library(tmp_path, assignments=replaced(text, "effort_minutes: 30", "effort_minutes: 60"))
    assert load_content(tmp_path).assignment("give-sbi-feedback").effort_minutes == 60


# -- instructions and success criteria --------------------------------------------------------


def test_too_few_instructions(tmp_path: Path) -> None:
    path, found = assignment_problems(tmp_path, replaced(ASSIGNMENTS, "      - Say it and ask for their view.\n", ""))
    assert found == [f"{path}:11: {LABEL}: 'instructions' has 1 step; at least 2 needed"]


def test_too_many_instructions(tmp_path: Path) -> None:
    extra = "".join(f"      - Step {number}.\n" for number in range(3, 8))
    path, found = assignment_problems(tmp_path, replaced(ASSIGNMENTS, "    deliverable:", extra + "    deliverable:"))
    assert found == [f"{path}:11: {LABEL}: 'instructions' has 7 steps; at most 6 allowed"]


def test_instruction_too_long_and_repeated(tmp_path: Path) -> None:
    text = replaced(ASSIGNMENTS, "      - Write the SBI down first.", "      - " + "i" * 301)
    text = replaced(text, "    deliverable:", "      - Say it and ask for their view.\n    deliverable:")
    path, found = assignment_problems(tmp_path, text)
    assert found == [
        f"{path}:11: {LABEL}: 'instructions' item 1 is too long (301 characters; at most 300)",
        f"{path}:13: {LABEL}: 'instructions' item 3 repeats item 2",
    ]


def test_success_criteria_count(tmp_path: Path) -> None:
    path, found = assignment_problems(tmp_path, replaced(ASSIGNMENTS, "      - Their response is recorded.\n", ""))
    assert found == [f"{path}:15: {LABEL}: 'success_criteria' has 1 criterion; at least 2 needed"]
    extra = "".join(f"      - Criterion {number}.\n" for number in range(3, 7))
    path, found = assignment_problems(tmp_path, replaced(ASSIGNMENTS, "    rubric:", extra + "    rubric:"))
    assert found == [f"{path}:15: {LABEL}: 'success_criteria' has 6 criteria; at most 5 allowed"]


def test_instructions_must_be_a_list(tmp_path: Path) -> None:
    text = replaced(ASSIGNMENTS, "      - Write the SBI down first.\n      - Say it and ask for their view.\n", "")
    path, found = assignment_problems(tmp_path, replaced(text, "    instructions:", "    instructions: Just do it."))
    assert found == [f"{path}:10: {LABEL}: 'instructions' must be a list, got string"]


# -- the rubric -------------------------------------------------------------------------------

LEVEL_4 = "      - level: 4\n        name: Role model\n        descriptor: As Proficient, and a next step is agreed.\n"


def test_rubric_with_three_levels(tmp_path: Path) -> None:
    path, found = assignment_problems(tmp_path, replaced(ASSIGNMENTS, LEVEL_4, ""))
    assert found == [f"{path}:18: {LABEL}: 'rubric' has 3 levels; exactly 4 needed (levels 1, 2, 3, 4, in that order)"]


def test_rubric_with_five_levels(tmp_path: Path) -> None:
    level_5 = "      - level: 5\n        name: Beyond\n        descriptor: Teaches it to others.\n"
    path, found = assignment_problems(tmp_path, replaced(ASSIGNMENTS, LEVEL_4, LEVEL_4 + level_5))
    assert found == [
        f"{path}:18: {LABEL}: 'rubric' has 5 levels; exactly 4 needed (levels 1, 2, 3, 4, in that order)",
        f"{path}:30: {LABEL}: 'rubric' item 5: 'level' must be between 1 and 4 (got 5)",
    ]


def test_rubric_levels_out_of_order(tmp_path: Path) -> None:
    text = replaced(ASSIGNMENTS, "      - level: 2\n", "      - level: 3\n")
    text = replaced(text, "a label.\n      - level: 3\n", "a label.\n      - level: 2\n")
    path, found = assignment_problems(tmp_path, text)
    assert found == [
        f"{path}:21: {LABEL}: 'rubric' item 2: 'level' is 3; list levels 1, 2, 3, 4 in that order, one each",
        f"{path}:24: {LABEL}: 'rubric' item 3: 'level' is 2; list levels 1, 2, 3, 4 in that order, one each",
    ]


def test_rubric_level_repeated(tmp_path: Path) -> None:
    path, found = assignment_problems(tmp_path, replaced(ASSIGNMENTS, "      - level: 4\n", "      - level: 3\n"))
    assert found == [
        f"{path}:27: {LABEL}: 'rubric' item 4: 'level' is 3; list levels 1, 2, 3, 4 in that order, one each"
    ]


def test_rubric_level_fields(tmp_path: Path) -> None:
    text = replaced(ASSIGNMENTS, "name: Not yet", "name: " + "n" * 31)
    text = replaced(text, "descriptor: No feedback was given.", "descriptor: " + "d" * 281)
    text = replaced(text, "      - level: 3\n", "      - level: three\n")
    path, found = assignment_problems(tmp_path, text)
    assert found == [
        f"{path}:19: {LABEL}: 'rubric' item 1: 'name' is too long (31 characters; at most 30)",
        f"{path}:20: {LABEL}: 'rubric' item 1: 'descriptor' is too long (281 characters; at most 280)",
        f"{path}:24: {LABEL}: 'rubric' item 3: 'level' must be a whole number, got string",
    ]


def test_rubric_names_and_descriptors_must_differ(tmp_path: Path) -> None:
    text = replaced(ASSIGNMENTS, "name: Developing", "name: Not yet")
    text = replaced(text, "As Proficient, and a next step is agreed.", "The behaviour is a label.")
    path, found = assignment_problems(tmp_path, text)
    assert found == [
        f"{path}:22: {LABEL}: 'rubric' item 2: 'name' repeats item 1",
        f"{path}:29: {LABEL}: 'rubric' item 4: 'descriptor' repeats item 2",
    ]


def test_rubric_level_missing_a_key(tmp_path: Path) -> None:
    text = replaced(ASSIGNMENTS, "        descriptor: The behaviour is a label.\n", "")
    path, found = assignment_problems(tmp_path, text)
    assert found == [f"{path}:21: {LABEL}: 'rubric' item 2 is missing required key 'descriptor'"]


def test_rubric_that_is_not_a_list_of_levels(tmp_path: Path) -> None:
    rubric = ASSIGNMENTS[ASSIGNMENTS.index("    rubric:\n") : ASSIGNMENTS.index("    debrief_set_id:")]
    path, found = assignment_problems(tmp_path, replaced(ASSIGNMENTS, rubric, "    rubric:\n      1: Not yet\n"))
    assert found == [f"{path}:18: {LABEL}: 'rubric' must be a list, got mapping"]
    path, found = assignment_problems(
        tmp_path, replaced(ASSIGNMENTS, rubric, "    rubric: [Not yet, Developing, Proficient, Role model]\n")
    )
    assert found == [f"{path}:17: {LABEL}: 'rubric' item {n} must be a mapping, got string" for n in range(1, 5)]


# -- tags -------------------------------------------------------------------------------------


def test_bad_tags(tmp_path: Path) -> None:
    path, found = assignment_problems(
        tmp_path, replaced(ASSIGNMENTS, "tags: [feedback, sbi]", "tags: [Feedback, sbi, sbi, " + "t" * 33 + "]")
    )
    assert found == [
        f"{path}:31: {LABEL}: 'tags' item 1 must be lowercase kebab-case, e.g. 'one-on-one' (got 'Feedback')",
        f"{path}:31: {LABEL}: 'tags' item 3 repeats 'sbi'",
        f"{path}:31: {LABEL}: 'tags' item 4 is too long (33 characters; at most 32)",
    ]


def test_too_many_tags(tmp_path: Path) -> None:
    tags = ", ".join(f"tag-{number}" for number in range(9))
    path, found = assignment_problems(tmp_path, replaced(ASSIGNMENTS, "tags: [feedback, sbi]", f"tags: [{tags}]"))
    assert found == [f"{path}:31: {LABEL}: 'tags' has 9 tags; at most 8 allowed"]


# -- several problems at once -----------------------------------------------------------------


def test_every_problem_in_a_template_is_reported_in_one_run(tmp_path: Path) -> None:
    text = replaced(ASSIGNMENTS, "title: Give one piece of SBI feedback and note the response", "title: 7")
    text = replaced(text, "skill_id: giving-feedback.sbi", "skill_id: giving-feedback.nope")
    text = replaced(text, "timebox_hours: 72", "timebox_hours: 400")
    text = replaced(text, LEVEL_4, "")
    text = replaced(text, "debrief_set_id: debrief-feedback", "debrief_set_id: debrief-nope")
    path, found = assignment_problems(tmp_path, text)
    assert found == [
        f"{path}:4: {LABEL}: 'title' must be a string, got integer",
        f"{path}:6: {LABEL}: 'skill_id' refers to unknown skill 'giving-feedback.nope'",
        f"{path}:7: {LABEL}: 'timebox_hours' must be between 1 and 336 (got 400)",
        f"{path}:18: {LABEL}: 'rubric' has 3 levels; exactly 4 needed (levels 1, 2, 3, 4, in that order)",
        f"{path}:27: {LABEL}: 'debrief_set_id' refers to unknown question set 'debrief-nope'",
    ]
