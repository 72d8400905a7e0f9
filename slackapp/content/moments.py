"""The ``moments`` kind: rules that recognise calendar moments (a 1:1, a review, ...).

Defines the id namespace ``moment``; refers to guides (``prep_guide_id``) and question sets
(``reflection_set_id``). Patterns are checked with ``slackapp.content.patterns``.
"""

from __future__ import annotations

from typing import Any

import yaml

from slackapp.content.model import (
    ATTENDEES_MAX,
    NAME_MAX,
    PREP_LEAD_MINUTES,
    PRIORITY_RANGE,
    REFLECT_DELAY_MINUTES,
    MomentRule,
    slug_problem,
)
from slackapp.content.patterns import pattern_problem
from slackapp.content.reader import FileReader

_OPTIONAL = (
    "description_patterns",
    "exclude_patterns",
    "min_attendees",
    "max_attendees",
    "organizer_only",
    "priority",
    "prep_guide_id",
    "prep_lead_minutes",
    "reflection_set_id",
    "reflect_delay_minutes",
    "offer_debrief",
)


def parse_moment(reader: FileReader, node: yaml.Node) -> MomentRule | None:
    """One item of a ``kind: moments`` file."""
    label = reader.label("moment", node)
    fields = reader.mapping(node, label, required=("id", "name", "title_patterns"), optional=_OPTIONAL)
    if fields is None:
        return None
    moment_id = reader.identifier(fields.get("id"), f"{label}: 'id'", lambda value: slug_problem(value, "one-on-one"))
    if moment_id is not None and not reader.define("moment", moment_id, fields["id"]):
        moment_id = None
    name = reader.text(fields.get("name"), f"{label}: 'name'", max_length=NAME_MAX)
    title_patterns = _parse_patterns(reader, fields.get("title_patterns"), f"{label}: 'title_patterns'")
    description_patterns = _parse_patterns(
        reader, fields.get("description_patterns"), f"{label}: 'description_patterns'", allow_empty=True
    )
    exclude_patterns = _parse_patterns(
        reader, fields.get("exclude_patterns"), f"{label}: 'exclude_patterns'", allow_empty=True
    )
    min_attendees = reader.integer(
        fields.get("min_attendees"), f"{label}: 'min_attendees'", minimum=1, maximum=ATTENDEES_MAX
    )
    max_attendees = reader.integer(
        fields.get("max_attendees"), f"{label}: 'max_attendees'", minimum=1, maximum=ATTENDEES_MAX
    )
    bounds_ok = min_attendees is None or max_attendees is None or max_attendees >= min_attendees
    if not bounds_ok:
        reader.report(
            fields["max_attendees"],
            f"{label}: 'max_attendees' ({max_attendees}) must not be less than 'min_attendees' ({min_attendees})",
        )
    organizer_only = reader.boolean(fields.get("organizer_only"), f"{label}: 'organizer_only'")
    priority = reader.integer(
        fields.get("priority"), f"{label}: 'priority'", minimum=PRIORITY_RANGE[0], maximum=PRIORITY_RANGE[1]
    )
    prep_guide_id = _reference(reader, fields.get("prep_guide_id"), f"{label}: 'prep_guide_id'", "guide", "one-on-one")
    prep_lead_minutes = reader.integer(
        fields.get("prep_lead_minutes"),
        f"{label}: 'prep_lead_minutes'",
        minimum=PREP_LEAD_MINUTES[0],
        maximum=PREP_LEAD_MINUTES[1],
    )
    reflection_set_id = _reference(
        reader,
        fields.get("reflection_set_id"),
        f"{label}: 'reflection_set_id'",
        "question set",
        "one-on-one-reflection",
    )
    reflect_delay_minutes = reader.integer(
        fields.get("reflect_delay_minutes"),
        f"{label}: 'reflect_delay_minutes'",
        minimum=REFLECT_DELAY_MINUTES[0],
        maximum=REFLECT_DELAY_MINUTES[1],
    )
    offer_debrief = reader.boolean(fields.get("offer_debrief"), f"{label}: 'offer_debrief'")
    read: dict[str, Any] = {
        "description_patterns": description_patterns,
        "exclude_patterns": exclude_patterns,
        "min_attendees": min_attendees,
        "max_attendees": max_attendees,
        "organizer_only": organizer_only,
        "priority": priority,
        "prep_guide_id": prep_guide_id,
        "prep_lead_minutes": prep_lead_minutes,
        "reflection_set_id": reflection_set_id,
        "reflect_delay_minutes": reflect_delay_minutes,
        "offer_debrief": offer_debrief,
    }
    # An optional field read as None was present but invalid (already reported).
    if moment_id is None or name is None or title_patterns is None or not bounds_ok:
        return None
    if any(value is None and key in fields for key, value in read.items()):
        return None
    options = {key: value for key, value in read.items() if key in fields}  # absent: the defaults
    return reader.build(node, label, lambda: MomentRule(moment_id, name, title_patterns, **options))


def _reference(reader: FileReader, node: yaml.Node | None, label: str, namespace: str, example: str) -> str | None:
    """An id of another item (checked to exist once every file is read)."""
    ident = reader.identifier(node, label, lambda value: slug_problem(value, example))
    if ident is not None and node is not None:
        reader.refer(namespace, ident, node, label)
    return ident


def _parse_patterns(
    reader: FileReader, node: yaml.Node | None, label: str, *, allow_empty: bool = False
) -> tuple[str, ...] | None:
    """A list of distinct, safe regular expressions, each exactly as written."""
    items = reader.sequence(node, label, allow_empty=allow_empty)
    if items is None:
        return None
    patterns: list[str] = []
    ok = True
    for number, item in enumerate(items, start=1):
        item_label = f"{label} item {number}"
        pattern = reader.string(item, item_label)
        if pattern is None or not reader.check(item, item_label, pattern_problem(pattern)):
            ok = False
        elif pattern in patterns:
            reader.report(item, f"{item_label} repeats item {patterns.index(pattern) + 1}")
            ok = False
        patterns.append(pattern or "")  # keeps item numbers right for "repeats item N"
    return tuple(patterns) if ok else None
