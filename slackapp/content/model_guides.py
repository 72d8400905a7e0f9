"""Guides: how to handle one moment — a prep checklist and a two-minute full guide."""

from __future__ import annotations

import math
from dataclasses import dataclass

from slackapp.content.model_fields import (
    SUMMARY_MAX,
    body_problem,
    competency_id_problem,
    require,
    require_items,
    require_slug,
    require_text,
    require_tuple,
    require_unique,
)

# Guides: a prep checklist shown in the nudge and a full guide readable in about two minutes.
GUIDE_TITLE_MAX = 60
HEADING_MAX = 75
SECTION_BODY_MAX = 2500
CHECKLIST_MIN, CHECKLIST_MAX = 3, 6
CHECKLIST_ITEM_MAX = 200
SECTIONS_MIN, SECTIONS_MAX = 1, 6
READING_WORDS_PER_MINUTE = 230


@dataclass(frozen=True, slots=True)
class GuideSection:
    """One part of a full guide: a heading and a body in Slack mrkdwn (may span lines)."""

    heading: str
    body: str

    def __post_init__(self) -> None:
        require_text(self.heading, "GuideSection.heading", HEADING_MAX)
        require(body_problem(self.body, SECTION_BODY_MAX), "GuideSection.body")


@dataclass(frozen=True, slots=True)
class Guide:
    """How to handle one moment: a prep checklist for the nudge and a two-minute full guide."""

    id: str
    title: str
    summary: str
    checklist: tuple[str, ...]
    sections: tuple[GuideSection, ...]
    competency_ids: tuple[str, ...]

    def __post_init__(self) -> None:
        require_slug(self.id, "Guide.id", "one-on-one")
        require_text(self.title, "Guide.title", GUIDE_TITLE_MAX)
        require_text(self.summary, "Guide.summary", SUMMARY_MAX)
        require_items(self.checklist, "Guide.checklist", str, CHECKLIST_MIN, CHECKLIST_MAX, "items")
        for item in self.checklist:
            require_text(item, "Guide.checklist item", CHECKLIST_ITEM_MAX)
        require_unique(self.checklist, "Guide.checklist")
        require_items(self.sections, "Guide.sections", GuideSection, SECTIONS_MIN, SECTIONS_MAX, "sections")
        require_tuple(self.competency_ids, "Guide.competency_ids")
        if not self.competency_ids:
            raise ValueError("Guide.competency_ids must not be empty")
        for competency_id in self.competency_ids:
            require_text(competency_id, "Guide.competency_ids item", 200)
            require(competency_id_problem(competency_id), "Guide.competency_ids item")
        require_unique(self.competency_ids, "Guide.competency_ids")

    @property
    def word_count(self) -> int:
        """Words in the summary, the checklist and the sections (bullets and other marks not counted)."""
        texts = (self.summary, *self.checklist, *(f"{s.heading} {s.body}" for s in self.sections))
        return sum(1 for text in texts for token in text.split() if any(char.isalnum() for char in token))

    @property
    def reading_minutes(self) -> int:
        """Estimated reading time of the whole guide, rounded up."""
        return max(1, math.ceil(self.word_count / READING_WORDS_PER_MINUTE))
