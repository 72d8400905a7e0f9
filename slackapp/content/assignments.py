"""The ``assignments`` kind: micro-assignment templates, each practising one skill.

Defines the id namespace ``assignment`` (stored as ``assignments.template_id``); refers to
competencies, skills (which must belong to the template's competency) and question sets
(``debrief_set_id``, the questions peers answer in a debrief).
"""

from __future__ import annotations

from typing import Any

import yaml

from slackapp.content.model import (
    ASSIGNMENT_TITLE_MAX,
    DELIVERABLE_MAX,
    EFFORT_MINUTES,
    INSTRUCTION_MAX,
    INSTRUCTIONS_MAX,
    INSTRUCTIONS_MIN,
    RUBRIC_DESCRIPTOR_MAX,
    RUBRIC_LEVEL_NAME_MAX,
    RUBRIC_LEVELS,
    SUCCESS_CRITERIA_MAX,
    SUCCESS_CRITERIA_MIN,
    SUCCESS_CRITERION_MAX,
    TAGS_MAX,
    TIMEBOX_HOURS,
    WHY_MAX,
    AssignmentTemplate,
    RubricLevel,
    competency_id_problem,
    effort_problem,
    skill_id_problem,
    slug_problem,
    tag_problem,
)
from slackapp.content.reader import FileReader

_REQUIRED = (
    "id",
    "title",
    "competency_id",
    "skill_id",
    "timebox_hours",
    "effort_minutes",
    "why",
    "instructions",
    "deliverable",
    "success_criteria",
    "rubric",
)
_OPTIONAL = ("debrief_set_id", "tags")
_LEVEL_LIST = ", ".join(str(level) for level in range(1, RUBRIC_LEVELS + 1))


def parse_assignment(reader: FileReader, node: yaml.Node) -> AssignmentTemplate | None:
    """One item of a ``kind: assignments`` file."""
    label = reader.label("assignment", node)
    fields = reader.mapping(node, label, required=_REQUIRED, optional=_OPTIONAL)
    if fields is None:
        return None
    template_id = reader.identifier(
        fields.get("id"), f"{label}: 'id'", lambda value: slug_problem(value, "give-sbi-feedback")
    )
    if template_id is not None and not reader.define("assignment", template_id, fields["id"]):
        template_id = None
    title = reader.text(fields.get("title"), f"{label}: 'title'", max_length=ASSIGNMENT_TITLE_MAX)
    competency_id = reader.identifier(fields.get("competency_id"), f"{label}: 'competency_id'", competency_id_problem)
    if competency_id is not None:
        reader.refer("competency", competency_id, fields["competency_id"], f"{label}: 'competency_id'")
    skill_id = _parse_skill_id(reader, fields.get("skill_id"), f"{label}: 'skill_id'", competency_id)
    timebox_hours = reader.integer(
        fields.get("timebox_hours"), f"{label}: 'timebox_hours'", minimum=TIMEBOX_HOURS[0], maximum=TIMEBOX_HOURS[1]
    )
    effort_label = f"{label}: 'effort_minutes'"
    effort_minutes = reader.integer(
        fields.get("effort_minutes"), effort_label, minimum=EFFORT_MINUTES[0], maximum=EFFORT_MINUTES[1]
    )
    if (
        effort_minutes is not None
        and timebox_hours is not None
        and not reader.check(fields["effort_minutes"], effort_label, effort_problem(effort_minutes, timebox_hours))
    ):
        effort_minutes = None
    why = reader.text(fields.get("why"), f"{label}: 'why'", max_length=WHY_MAX)
    instructions = _parse_texts(
        reader,
        fields.get("instructions"),
        f"{label}: 'instructions'",
        max_length=INSTRUCTION_MAX,
        minimum=INSTRUCTIONS_MIN,
        maximum=INSTRUCTIONS_MAX,
        nouns=("step", "steps"),
    )
    deliverable = reader.text(fields.get("deliverable"), f"{label}: 'deliverable'", max_length=DELIVERABLE_MAX)
    success_criteria = _parse_texts(
        reader,
        fields.get("success_criteria"),
        f"{label}: 'success_criteria'",
        max_length=SUCCESS_CRITERION_MAX,
        minimum=SUCCESS_CRITERIA_MIN,
        maximum=SUCCESS_CRITERIA_MAX,
        nouns=("criterion", "criteria"),
    )
    rubric = _parse_rubric(reader, fields.get("rubric"), f"{label}: 'rubric'")
    debrief_label = f"{label}: 'debrief_set_id'"
    debrief_set_id = reader.identifier(
        fields.get("debrief_set_id"), debrief_label, lambda value: slug_problem(value, "debrief-feedback")
    )
    if debrief_set_id is not None:
        reader.refer("question set", debrief_set_id, fields["debrief_set_id"], debrief_label)
    tags = _parse_tags(reader, fields.get("tags"), f"{label}: 'tags'")
    required: dict[str, Any] = {
        "id": template_id,
        "title": title,
        "competency_id": competency_id,
        "skill_id": skill_id,
        "timebox_hours": timebox_hours,
        "effort_minutes": effort_minutes,
        "why": why,
        "instructions": instructions,
        "deliverable": deliverable,
        "success_criteria": success_criteria,
        "rubric": rubric,
    }
    optional: dict[str, Any] = {"debrief_set_id": debrief_set_id, "tags": tags}
    # A value read as None was missing or invalid (already reported).
    if any(value is None for value in required.values()):
        return None
    if any(value is None and key in fields for key, value in optional.items()):
        return None
    options = {key: value for key, value in optional.items() if key in fields}  # absent: the defaults
    return reader.build(node, label, lambda: AssignmentTemplate(**required, **options))


def _parse_skill_id(reader: FileReader, node: yaml.Node | None, label: str, competency_id: str | None) -> str | None:
    """A skill id that belongs to the template's competency (checked to exist once every file is read)."""
    skill_id = reader.identifier(node, label, skill_id_problem)
    if skill_id is None or node is None:
        return None
    if competency_id is not None and skill_id_problem(skill_id, competency_id) is not None:
        owner = skill_id.split(".", 1)[0]
        reader.report(
            node, f"{label} '{skill_id}' belongs to competency '{owner}', not to this assignment's '{competency_id}'"
        )
        return None
    reader.refer("skill", skill_id, node, label)
    return skill_id


def _parse_texts(
    reader: FileReader,
    node: yaml.Node | None,
    label: str,
    *,
    max_length: int,
    minimum: int,
    maximum: int,
    nouns: tuple[str, str],
) -> tuple[str, ...] | None:
    """A list of ``minimum``..``maximum`` distinct one-line texts (``nouns``: singular, plural)."""
    values = reader.texts(node, label, max_length=max_length)
    noun = nouns[0] if values is not None and len(values) == 1 else nouns[1]
    if not reader.count(node, values, label, minimum=minimum, maximum=maximum, noun=noun):
        return None
    return values


def _parse_rubric(reader: FileReader, node: yaml.Node | None, label: str) -> tuple[RubricLevel, ...] | None:
    """Exactly ``RUBRIC_LEVELS`` levels, numbered 1, 2, 3, 4 in that order, with distinct names and descriptors."""
    items = reader.sequence(node, label)
    if items is None or node is None:
        return None
    counted = reader.check(
        node,
        label,
        None
        if len(items) == RUBRIC_LEVELS
        else f"has {len(items)} {'level' if len(items) == 1 else 'levels'}; exactly {RUBRIC_LEVELS} needed "
        f"(levels {_LEVEL_LIST}, in that order)",
    )
    levels: list[RubricLevel | None] = []
    names: list[str | None] = []
    descriptors: list[str | None] = []
    for position, item in enumerate(items, start=1):
        levels.append(_parse_level(reader, item, f"{label} item {position}", position, names, descriptors))
    if not counted or any(level is None for level in levels):
        return None
    return tuple(level for level in levels if level is not None)


def _parse_level(
    reader: FileReader,
    node: yaml.Node,
    label: str,
    position: int,
    names: list[str | None],
    descriptors: list[str | None],
) -> RubricLevel | None:
    fields = reader.mapping(node, label, required=("level", "name", "descriptor"))
    if fields is None:
        names.append(None)
        descriptors.append(None)
        return None
    level = reader.integer(fields.get("level"), f"{label}: 'level'", minimum=1, maximum=RUBRIC_LEVELS)
    if level is not None and level != position:
        reader.report(
            fields["level"], f"{label}: 'level' is {level}; list levels {_LEVEL_LIST} in that order, one each"
        )
        level = None
    name = reader.text(fields.get("name"), f"{label}: 'name'", max_length=RUBRIC_LEVEL_NAME_MAX)
    name = _distinct(reader, fields.get("name"), f"{label}: 'name'", name, names)
    descriptor = reader.text(fields.get("descriptor"), f"{label}: 'descriptor'", max_length=RUBRIC_DESCRIPTOR_MAX)
    descriptor = _distinct(reader, fields.get("descriptor"), f"{label}: 'descriptor'", descriptor, descriptors)
    if level is None or name is None or descriptor is None:
        return None
    return reader.build(node, label, lambda: RubricLevel(level, name, descriptor))


def _distinct(
    reader: FileReader, node: yaml.Node | None, label: str, value: str | None, seen: list[str | None]
) -> str | None:
    """``value``, unless an earlier rubric level used it already (reported at ``node``).

    Appends exactly one entry to ``seen`` per level, so item numbers in messages stay right.
    """
    if value is not None and node is not None and value in seen:
        reader.report(node, f"{label} repeats item {seen.index(value) + 1}")
        seen.append(None)
        return None
    seen.append(value)
    return value


def _parse_tags(reader: FileReader, node: yaml.Node | None, label: str) -> tuple[str, ...] | None:
    items = reader.sequence(node, label, allow_empty=True)
    if items is None or node is None:
        return None
    tags: list[str] = []
    ok = reader.count(node, items, label, minimum=0, maximum=TAGS_MAX, noun="tags")
    for number, item in enumerate(items, start=1):
        item_label = f"{label} item {number}"
        tag = reader.identifier(item, item_label, tag_problem)
        if tag is None:
            ok = False
        elif tag in tags:
            reader.report(item, f"{item_label} repeats '{tag}'")
            ok = False
        tags.append(tag or "")
    return tuple(tags) if ok else None
