"""The ``competencies`` kind: one item per competency, with its skills nested inside.

Defines the id namespaces ``competency`` and ``skill`` that other kinds refer to.
"""

from __future__ import annotations

import yaml

from slackapp.content.model import (
    DESCRIPTION_MAX,
    INDICATOR_MAX,
    NAME_MAX,
    SUMMARY_MAX,
    Competency,
    Skill,
    competency_id_problem,
    skill_id_problem,
)
from slackapp.content.reader import FileReader


def parse_competency(reader: FileReader, node: yaml.Node) -> Competency | None:
    """One item of a ``kind: competencies`` file."""
    label = reader.label("competency", node)
    fields = reader.mapping(node, label, required=("id", "name", "summary", "skills"), optional=("related",))
    if fields is None:
        return None
    competency_id = reader.identifier(fields.get("id"), f"{label}: 'id'", competency_id_problem)
    # Skill ids start with the competency id, so only a new competency can define new skills.
    is_new = competency_id is not None and reader.define("competency", competency_id, fields["id"])
    name = reader.text(fields.get("name"), f"{label}: 'name'", max_length=NAME_MAX)
    summary = reader.text(fields.get("summary"), f"{label}: 'summary'", max_length=SUMMARY_MAX)
    skill_nodes = reader.sequence(fields.get("skills"), f"{label}: 'skills'")
    parsed = [_parse_skill(reader, item, competency_id, define=is_new) for item in skill_nodes or ()]
    skills = tuple(skill for skill in parsed if skill is not None)
    related = _parse_related(reader, fields.get("related"), label, competency_id)
    if (
        competency_id is None
        or name is None
        or summary is None
        or skill_nodes is None
        or len(skills) != len(parsed)
        or related is None
    ):
        return None
    return reader.build(node, label, lambda: Competency(competency_id, name, summary, skills, related))


def _parse_skill(
    reader: FileReader, node: yaml.Node, competency_id: str | None, *, define: bool
) -> Skill | None:
    label = reader.label("skill", node)
    fields = reader.mapping(node, label, required=("id", "name", "description", "indicators"))
    if fields is None:
        return None
    skill_id = reader.identifier(
        fields.get("id"), f"{label}: 'id'", lambda value: skill_id_problem(value, competency_id)
    )
    if skill_id is not None and define and not reader.define("skill", skill_id, fields["id"]):
        skill_id = None
    name = reader.text(fields.get("name"), f"{label}: 'name'", max_length=NAME_MAX)
    description = reader.text(
        fields.get("description"), f"{label}: 'description'", max_length=DESCRIPTION_MAX
    )
    indicators = reader.texts(fields.get("indicators"), f"{label}: 'indicators'", max_length=INDICATOR_MAX)
    if skill_id is None or name is None or description is None or indicators is None:
        return None
    return reader.build(node, label, lambda: Skill(skill_id, name, description, indicators))


def _parse_related(
    reader: FileReader, node: yaml.Node | None, label: str, competency_id: str | None
) -> tuple[str, ...] | None:
    if node is None:
        return ()
    items = reader.sequence(node, f"{label}: 'related'", allow_empty=True)
    if items is None:
        return None
    related: list[str] = []
    ok = True
    for number, item in enumerate(items, start=1):
        item_label = f"{label}: 'related' item {number}"
        other = reader.identifier(item, item_label, competency_id_problem)
        if other is None:
            ok = False
        elif other == competency_id:
            reader.report(item, f"{item_label} is the competency itself")
            ok = False
        elif other in related:
            reader.report(item, f"{item_label} repeats '{other}'")
            ok = False
        else:
            related.append(other)
            reader.refer("competency", other, item, f"{label}: 'related'")
    return tuple(related) if ok else None
