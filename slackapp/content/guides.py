"""The ``guides`` kind: how to handle one moment, as a prep checklist and a short full guide.

Defines the id namespace ``guide`` that moment rules refer to; refers to competencies.
"""

from __future__ import annotations

import yaml

from slackapp.content.model import (
    CHECKLIST_ITEM_MAX,
    CHECKLIST_MAX,
    CHECKLIST_MIN,
    GUIDE_TITLE_MAX,
    HEADING_MAX,
    SECTION_BODY_MAX,
    SECTIONS_MAX,
    SECTIONS_MIN,
    SUMMARY_MAX,
    Guide,
    GuideSection,
    competency_id_problem,
    slug_problem,
)
from slackapp.content.reader import FileReader


def parse_guide(reader: FileReader, node: yaml.Node) -> Guide | None:
    """One item of a ``kind: guides`` file."""
    label = reader.label("guide", node)
    fields = reader.mapping(node, label, required=("id", "title", "summary", "checklist", "sections", "competency_ids"))
    if fields is None:
        return None
    guide_id = reader.identifier(fields.get("id"), f"{label}: 'id'", lambda value: slug_problem(value, "one-on-one"))
    if guide_id is not None and not reader.define("guide", guide_id, fields["id"]):
        guide_id = None
    title = reader.text(fields.get("title"), f"{label}: 'title'", max_length=GUIDE_TITLE_MAX)
    summary = reader.text(fields.get("summary"), f"{label}: 'summary'", max_length=SUMMARY_MAX)

    checklist_label = f"{label}: 'checklist'"
    checklist = reader.texts(fields.get("checklist"), checklist_label, max_length=CHECKLIST_ITEM_MAX)
    checklist_ok = reader.count(
        fields.get("checklist"), checklist, checklist_label, minimum=CHECKLIST_MIN, maximum=CHECKLIST_MAX, noun="items"
    )

    sections_label = f"{label}: 'sections'"
    section_nodes = reader.sequence(fields.get("sections"), sections_label)
    sections_ok = reader.count(
        fields.get("sections"),
        section_nodes,
        sections_label,
        minimum=SECTIONS_MIN,
        maximum=SECTIONS_MAX,
        noun="sections",
    )
    parsed = [
        _parse_section(reader, item, f"{label}: section {number}")
        for number, item in enumerate(section_nodes or (), start=1)
    ]
    sections = tuple(section for section in parsed if section is not None)

    competency_ids = _parse_competency_ids(reader, fields.get("competency_ids"), f"{label}: 'competency_ids'")
    if (
        guide_id is None
        or title is None
        or summary is None
        or checklist is None
        or not checklist_ok
        or not sections_ok
        or len(sections) != len(parsed)
        or competency_ids is None
    ):
        return None
    return reader.build(node, label, lambda: Guide(guide_id, title, summary, checklist, sections, competency_ids))


def _parse_section(reader: FileReader, node: yaml.Node, label: str) -> GuideSection | None:
    fields = reader.mapping(node, label, required=("heading", "body"))
    if fields is None:
        return None
    heading = reader.text(fields.get("heading"), f"{label}: 'heading'", max_length=HEADING_MAX)
    body = reader.body(fields.get("body"), f"{label}: 'body'", max_length=SECTION_BODY_MAX)
    if heading is None or body is None:
        return None
    return reader.build(node, label, lambda: GuideSection(heading, body))


def _parse_competency_ids(reader: FileReader, node: yaml.Node | None, label: str) -> tuple[str, ...] | None:
    items = reader.sequence(node, label)
    if items is None:
        return None
    ids: list[str] = []
    ok = True
    for number, item in enumerate(items, start=1):
        item_label = f"{label} item {number}"
        competency_id = reader.identifier(item, item_label, competency_id_problem)
        if competency_id is None:
            ok = False
        elif competency_id in ids:
            reader.report(item, f"{item_label} repeats '{competency_id}'")
            ok = False
        else:
            ids.append(competency_id)
            reader.refer("competency", competency_id, item, label)
    return tuple(ids) if ok else None
