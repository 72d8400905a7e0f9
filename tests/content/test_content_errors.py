"""Every kind of bad input is reported as the exact ``path:line: message`` an author sees."""

from __future__ import annotations

from pathlib import Path

import pytest

from slackapp.content import ContentError, load_content
from tests.content.library_files import problems

VALID_COMPETENCY = """\
  - id: giving-feedback
    name: Giving feedback
    summary: Give specific, timely feedback.
    skills:
      - id: giving-feedback.sbi
        name: Use Situation-Behaviour-Impact
        description: Describe situation, behaviour and impact.
        indicators:
          - Names a specific situation.
          - States the concrete impact.
"""


def write(directory: Path, name: str, text: str | bytes) -> Path:
    path = directory / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path



def test_invalid_yaml_syntax_reports_the_line_of_the_problem(tmp_path: Path) -> None:
    path = write(
        tmp_path, "c.yml", "kind: competencies\nitems:\n  - id: x\n    name: [unclosed\n    summary: s\n"
    )
    assert problems(tmp_path) == [
        f"{path}:5: invalid YAML: expected ',' or ']', but got ':' (while parsing a flow sequence at line 4)"
    ]


def test_unterminated_quote_is_invalid_yaml(tmp_path: Path) -> None:
    path = write(tmp_path, "c.yml", 'kind: competencies\nitems:\n  - id: "x\n')
    assert problems(tmp_path) == [
        f"{path}:4: invalid YAML: found unexpected end of stream (while scanning a quoted scalar at line 3)"
    ]


def test_several_documents_in_one_file_are_invalid(tmp_path: Path) -> None:
    path = write(tmp_path, "c.yml", "kind: competencies\nitems: []\n---\nkind: competencies\n")
    assert problems(tmp_path) == [
        f"{path}:3: invalid YAML: expected a single document in the stream but found another document"
    ]


def test_crlf_and_byte_order_mark_keep_line_numbers(tmp_path: Path) -> None:
    text = "kind: competencies\r\nitems:\r\n" + VALID_COMPETENCY.replace("\n", "\r\n")
    path = write(
        tmp_path, "c.yml", b"\xef\xbb\xbf" + text.replace("name: Giving feedback", "name: 1").encode()
    )
    assert problems(tmp_path) == [
        f"{path}:4: competency 'giving-feedback': 'name' must be a string, got integer"
    ]


def test_duplicate_mapping_key(tmp_path: Path) -> None:
    text = "kind: competencies\nitems:\n" + VALID_COMPETENCY.replace(
        "    summary:", "    name: Feedback again\n    summary:"
    )
    path = write(tmp_path, "c.yml", text)
    assert problems(tmp_path) == [f"{path}:5: duplicate key 'name' (first at line 4)"]


def test_duplicate_top_level_key(tmp_path: Path) -> None:
    path = write(tmp_path, "c.yml", "kind: competencies\nkind: competencies\nitems:\n" + VALID_COMPETENCY)
    assert problems(tmp_path) == [f"{path}:2: duplicate key 'kind' (first at line 1)"]


def test_unknown_key(tmp_path: Path) -> None:
    text = "kind: competencies\nitems:\n" + VALID_COMPETENCY.replace(
        "    skills:", "    colour: red\n    skills:"
    )
    path = write(tmp_path, "c.yml", text)
    assert problems(tmp_path) == [
        f"{path}:6: competency 'giving-feedback' has unknown key 'colour' "
        "(allowed: id, name, summary, skills, related)"
    ]


def test_unknown_top_level_key(tmp_path: Path) -> None:
    path = write(tmp_path, "c.yml", "kind: competencies\nversion: 2\nitems:\n" + VALID_COMPETENCY)
    assert problems(tmp_path) == [f"{path}:2: file has unknown key 'version' (allowed: kind, items)"]


def test_missing_key_is_reported_at_the_mapping(tmp_path: Path) -> None:
    text = "kind: competencies\nitems:\n" + VALID_COMPETENCY.replace(
        "        description: Describe situation, behaviour and impact.\n", ""
    )
    path = write(tmp_path, "c.yml", text)
    assert problems(tmp_path) == [
        f"{path}:7: skill 'giving-feedback.sbi' is missing required key 'description'"
    ]


def test_missing_kind_and_items(tmp_path: Path) -> None:
    path = write(tmp_path, "c.yml", "# a comment\nname: stray\n")
    assert problems(tmp_path) == [
        f"{path}:2: file has unknown key 'name' (allowed: kind, items)",
        f"{path}:2: file is missing required keys 'kind', 'items'",
    ]


def test_wrong_type(tmp_path: Path) -> None:
    text = "kind: competencies\nitems:\n" + VALID_COMPETENCY.replace("name: Giving feedback", "name: 42")
    path = write(tmp_path, "c.yml", text)
    assert problems(tmp_path) == [
        f"{path}:4: competency 'giving-feedback': 'name' must be a string, got integer"
    ]


def test_wrong_type_for_a_list_and_a_list_item(tmp_path: Path) -> None:
    text = "kind: competencies\nitems:\n" + VALID_COMPETENCY.replace(
        "          - States the concrete impact.", "          - yes"
    ).replace("    skills:", "    related: giving-feedback\n    skills:")
    path = write(tmp_path, "c.yml", text)
    assert problems(tmp_path) == [
        f"{path}:6: competency 'giving-feedback': 'related' must be a list, got string",
        f"{path}:13: skill 'giving-feedback.sbi': 'indicators' item 2 must be a string, got boolean",
    ]


def test_empty_and_null_strings(tmp_path: Path) -> None:
    text = "kind: competencies\nitems:\n" + VALID_COMPETENCY.replace(
        "summary: Give specific, timely feedback.", 'summary: "  "'
    ).replace("description: Describe situation, behaviour and impact.", "description:")
    path = write(tmp_path, "c.yml", text)
    assert problems(tmp_path) == [
        f"{path}:5: competency 'giving-feedback': 'summary' must not be empty",
        f"{path}:9: skill 'giving-feedback.sbi': 'description' must not be empty",
    ]


def test_empty_items_list(tmp_path: Path) -> None:
    path = write(tmp_path, "c.yml", "kind: competencies\nitems: []\n")
    assert problems(tmp_path) == [f"{path}:2: 'items' must not be empty"]


def test_duplicate_competency_id_across_files(tmp_path: Path) -> None:
    first = write(tmp_path, "a.yml", "kind: competencies\nitems:\n" + VALID_COMPETENCY)
    second = write(tmp_path, "b/b.yml", "# again\nkind: competencies\nitems:\n" + VALID_COMPETENCY)
    assert problems(tmp_path) == [
        f"{second}:4: duplicate competency id 'giving-feedback' (first defined at {first}:3)"
    ]


def test_duplicate_skill_id(tmp_path: Path) -> None:
    skill = VALID_COMPETENCY[VALID_COMPETENCY.index("      - id: giving-feedback.sbi") :]
    path = write(tmp_path, "c.yml", "kind: competencies\nitems:\n" + VALID_COMPETENCY + skill)
    assert problems(tmp_path) == [
        f"{path}:13: duplicate skill id 'giving-feedback.sbi' (first defined at {path}:7)"
    ]


def test_bad_ids(tmp_path: Path) -> None:
    text = "kind: competencies\nitems:\n" + VALID_COMPETENCY.replace(
        "id: giving-feedback.sbi", "id: coaching.sbi"
    ).replace("  - id: giving-feedback\n", "  - id: Giving_Feedback\n")
    path = write(tmp_path, "c.yml", text)
    assert problems(tmp_path) == [
        f"{path}:3: competency 'Giving_Feedback': 'id' must be lowercase kebab-case, "
        "e.g. 'giving-feedback' (got 'Giving_Feedback')"
    ]
    text = "kind: competencies\nitems:\n" + VALID_COMPETENCY.replace(
        "id: giving-feedback.sbi", "id: coaching.sbi"
    )
    write(tmp_path, "c.yml", text)
    assert problems(tmp_path) == [
        f"{path}:7: skill 'coaching.sbi': 'id' must start with its competency id 'giving-feedback.' "
        "(got 'coaching.sbi')"
    ]


def test_reference_to_unknown_id(tmp_path: Path) -> None:
    text = "kind: competencies\nitems:\n" + VALID_COMPETENCY.replace(
        "    skills:", "    related:\n      - delegating\n    skills:"
    )
    path = write(tmp_path, "c.yml", text)
    assert problems(tmp_path) == [
        f"{path}:7: competency 'giving-feedback': 'related' refers to unknown competency 'delegating'"
    ]


def test_reference_resolves_across_files(tmp_path: Path) -> None:
    other = VALID_COMPETENCY.replace("giving-feedback", "coaching-others")
    write(
        tmp_path,
        "a.yml",
        "kind: competencies\nitems:\n"
        + other.replace("    skills:", "    related: [giving-feedback]\n    skills:"),
    )
    write(tmp_path, "b.yml", "kind: competencies\nitems:\n" + VALID_COMPETENCY)
    library = load_content(tmp_path)
    assert library.competency("coaching-others").related == ("giving-feedback",)


def test_unknown_kind(tmp_path: Path) -> None:
    path = write(tmp_path, "tips.yml", "kind: tipz\nitems:\n  - id: one\n")
    assert problems(tmp_path) == [
        f"{path}:1: unknown kind 'tipz' (known kinds: assignments, competencies, guides, moments, question_sets)"
    ]


def test_file_that_is_not_a_mapping(tmp_path: Path) -> None:
    path = write(tmp_path, "c.yml", "- kind: competencies\n")
    assert problems(tmp_path) == [f"{path}:1: file must be a mapping with 'kind' and 'items', got list"]


def test_empty_file(tmp_path: Path) -> None:
    path = write(tmp_path, "c.yml", "# nothing yet\n")
    assert problems(tmp_path) == [f"{path}:1: file is empty; expected a mapping with 'kind' and 'items'"]


def test_non_utf8_file(tmp_path: Path) -> None:
    path = write(tmp_path, "c.yml", b"kind: competencies\n# caf\xe9 notes\nitems: []\n")
    assert problems(tmp_path) == [
        f"{path}:2: file is not valid UTF-8 (byte 0xe9 at column 6); save it with UTF-8 encoding"
    ]


def test_control_character_is_invalid_yaml(tmp_path: Path) -> None:
    path = write(tmp_path, "c.yml", "kind: competencies\nitems: [\x07]\n")
    assert problems(tmp_path) == [
        f"{path}:2: invalid YAML: unacceptable character #x0007: special characters are not allowed"
    ]


def test_python_tags_are_never_constructed(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    path = write(
        tmp_path,
        "c.yml",
        f"kind: competencies\nitems:\n  - !!python/object/apply:os.system ['touch {marker}']\n",
    )
    assert problems(tmp_path) == [
        f"{path}:3: competency must be a mapping, got a value tagged '!!python/object/apply:os.system'"
    ]
    assert not marker.exists()


def test_merge_keys_are_rejected(tmp_path: Path) -> None:
    path = write(tmp_path, "c.yml", "kind: competencies\nitems:\n  - <<: {id: x}\n    name: X\n")
    assert problems(tmp_path) == [
        f"{path}:3: competency uses a merge key ('<<'), which is not supported; write the keys out",
        f"{path}:3: competency is missing required keys 'id', 'summary', 'skills'",
    ]


def test_empty_directory(tmp_path: Path) -> None:
    write(tmp_path, "README.md", "# not content\n")
    write(tmp_path, ".hidden/skipped.yml", "kind: nonsense\n")
    assert problems(tmp_path) == [f"{tmp_path}:0: no content files found (expected *.yml or *.yaml files)"]


def test_missing_directory(tmp_path: Path) -> None:
    assert problems(tmp_path / "nope") == [f"{tmp_path / 'nope'}:0: content directory not found"]


def test_all_problems_in_all_files_are_collected_in_path_and_line_order(tmp_path: Path) -> None:
    write(
        tmp_path,
        "b.yml",
        "kind: competencies\nitems:\n" + VALID_COMPETENCY.replace("name: Giving feedback", "name: 7"),
    )
    write(tmp_path, "a.yml", "kind: lessons\nitems: [1]\nextra: true\n")
    write(tmp_path, "c.yaml", "kind: [\n")
    lines = problems(tmp_path)
    assert [line.split(":", 2)[0] + ":" + line.split(":", 2)[1] for line in lines] == [
        f"{tmp_path / 'a.yml'}:1",
        f"{tmp_path / 'a.yml'}:3",
        f"{tmp_path / 'b.yml'}:4",
        f"{tmp_path / 'c.yaml'}:2",
    ]


def test_paths_are_shown_relative_when_the_directory_is_relative(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(tmp_path, "lib/sub/bad.yml", "kind: competencies\nitems: {}\n")
    monkeypatch.chdir(tmp_path)
    assert problems(Path("lib")) == ["lib/sub/bad.yml:2: 'items' must be a list, got mapping"]


def test_content_error_message_lists_every_problem(tmp_path: Path) -> None:
    write(tmp_path, "a.yml", "kind: x\nitems: [1]\n")
    write(tmp_path, "b.yml", "")
    with pytest.raises(ContentError) as caught:
        load_content(tmp_path)
    assert str(caught.value) == (
        f"{tmp_path / 'a.yml'}:1: unknown kind 'x' "
        "(known kinds: assignments, competencies, guides, moments, question_sets)\n"
        f"{tmp_path / 'b.yml'}:1: file is empty; expected a mapping with 'kind' and 'items'"
    )
