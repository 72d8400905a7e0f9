"""The ``question_sets`` kind: short sets of reflection or debrief questions.

Defines the id namespace ``question set`` that moment rules (and later debriefs) refer to.
Question ids only need to be unique within their set.
"""

from __future__ import annotations

import yaml

from slackapp.content.model import (
    QUESTION_HINT_MAX,
    QUESTION_SET_TITLE_MAX,
    QUESTION_TEXT_MAX,
    QUESTIONS_MAX,
    QUESTIONS_MIN,
    Question,
    QuestionSet,
    slug_problem,
)
from slackapp.content.reader import FileReader
from slackapp.content.source import node_line


def parse_question_set(reader: FileReader, node: yaml.Node) -> QuestionSet | None:
    """One item of a ``kind: question_sets`` file."""
    label = reader.label("question set", node)
    fields = reader.mapping(node, label, required=("id", "title", "questions"))
    if fields is None:
        return None
    set_id = reader.identifier(
        fields.get("id"), f"{label}: 'id'", lambda value: slug_problem(value, "one-on-one-reflection")
    )
    if set_id is not None and not reader.define("question set", set_id, fields["id"]):
        set_id = None
    title = reader.text(fields.get("title"), f"{label}: 'title'", max_length=QUESTION_SET_TITLE_MAX)
    questions_label = f"{label}: 'questions'"
    question_nodes = reader.sequence(fields.get("questions"), questions_label)
    counted = reader.count(
        fields.get("questions"),
        question_nodes,
        questions_label,
        minimum=QUESTIONS_MIN,
        maximum=QUESTIONS_MAX,
        noun="questions",
    )
    seen: dict[str, int] = {}  # question id -> line, to report ids used twice in the set
    parsed = [_parse_question(reader, item, label, seen) for item in question_nodes or ()]
    questions = tuple(question for question in parsed if question is not None)
    if set_id is None or title is None or not counted or len(questions) != len(parsed):
        return None
    return reader.build(node, label, lambda: QuestionSet(set_id, title, questions))


def _parse_question(reader: FileReader, node: yaml.Node, set_label: str, seen: dict[str, int]) -> Question | None:
    label = f"{set_label}: {reader.label('question', node)}"
    fields = reader.mapping(node, label, required=("id", "text"), optional=("hint", "required"))
    if fields is None:
        return None
    question_id = reader.identifier(
        fields.get("id"), f"{label}: 'id'", lambda value: slug_problem(value, "what-went-well")
    )
    if question_id is not None:
        id_node = fields["id"]
        if question_id in seen:
            first = seen[question_id]
            reader.report(id_node, f"{set_label}: duplicate question id '{question_id}' (first at line {first})")
            question_id = None
        else:
            seen[question_id] = node_line(id_node)
    text = reader.text(fields.get("text"), f"{label}: 'text'", max_length=QUESTION_TEXT_MAX)
    hint = reader.text(fields.get("hint"), f"{label}: 'hint'", max_length=QUESTION_HINT_MAX)
    required = reader.boolean(fields.get("required"), f"{label}: 'required'")
    if (
        question_id is None
        or text is None
        or ("hint" in fields and hint is None)
        or ("required" in fields and required is None)
    ):
        return None
    return reader.build(node, label, lambda: Question(question_id, text, hint or "", bool(required)))
