"""Moment rules: how to recognise a calendar moment (e.g. a 1:1) and what to send around it."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from slackapp.content.model_fields import (
    NAME_MAX,
    require_bool,
    require_int,
    require_slug,
    require_text,
    require_tuple,
    require_unique,
)
from slackapp.content.patterns import DESCRIPTION_MATCH_MAX, TITLE_MATCH_MAX, compile_pattern

# Moment rules: how long before the event the prep nudge goes, how long after its end the
# reflection prompt goes, and how many attendees an event may have.
PREP_LEAD_MINUTES = (5, 1440)
REFLECT_DELAY_MINUTES = (0, 1440)
ATTENDEES_MAX = 1000
PRIORITY_RANGE = (-1000, 1000)

_Patterns = tuple[re.Pattern[str], ...]


@dataclass(frozen=True, slots=True)
class MomentRule:
    """How to recognise a calendar moment (e.g. a 1:1) and what to send before and after it.

    An event matches when one of ``title_patterns`` is found in its title or one of
    ``description_patterns`` in its description, no ``exclude_patterns`` is found in its
    title, its attendee count is within bounds and, for ``organizer_only`` rules, the person
    organises it. Patterns are case-insensitive Python regular expressions, searched (not
    anchored) and checked for safety when the rule is built (see ``slackapp.content.patterns``).
    """

    id: str
    name: str
    title_patterns: tuple[str, ...]
    description_patterns: tuple[str, ...] = ()
    exclude_patterns: tuple[str, ...] = ()
    min_attendees: int | None = None
    max_attendees: int | None = None
    organizer_only: bool = False
    priority: int = 0
    prep_guide_id: str | None = None
    prep_lead_minutes: int = 15
    reflection_set_id: str | None = None
    reflect_delay_minutes: int = 10
    offer_debrief: bool = False
    _title_res: _Patterns = field(init=False, repr=False, compare=False)
    _description_res: _Patterns = field(init=False, repr=False, compare=False)
    _exclude_res: _Patterns = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        require_slug(self.id, "MomentRule.id", "one-on-one")
        require_text(self.name, "MomentRule.name", NAME_MAX)
        compiled: dict[str, _Patterns] = {}
        for name in ("title_patterns", "description_patterns", "exclude_patterns"):
            patterns = getattr(self, name)
            what = f"MomentRule.{name}"
            require_tuple(patterns, what)
            for pattern in patterns:
                if not isinstance(pattern, str):
                    raise ValueError(f"{what} must contain strings, got {type(pattern).__name__}")
            require_unique(patterns, what)
            try:
                compiled[name] = tuple(compile_pattern(pattern) for pattern in patterns)
            except ValueError as exc:
                raise ValueError(f"{what}: {exc}") from None
        if not self.title_patterns:
            raise ValueError("MomentRule.title_patterns must not be empty")
        for name in ("min_attendees", "max_attendees"):
            value = getattr(self, name)
            if value is not None:
                require_int(value, f"MomentRule.{name}", 1, ATTENDEES_MAX)
        if (
            self.min_attendees is not None
            and self.max_attendees is not None
            and self.max_attendees < self.min_attendees
        ):
            raise ValueError(
                f"MomentRule.max_attendees ({self.max_attendees}) must not be less than "
                f"min_attendees ({self.min_attendees})"
            )
        require_bool(self.organizer_only, "MomentRule.organizer_only")
        require_int(self.priority, "MomentRule.priority", *PRIORITY_RANGE)
        if self.prep_guide_id is not None:
            require_slug(self.prep_guide_id, "MomentRule.prep_guide_id", "one-on-one")
        require_int(self.prep_lead_minutes, "MomentRule.prep_lead_minutes", *PREP_LEAD_MINUTES)
        if self.reflection_set_id is not None:
            require_slug(self.reflection_set_id, "MomentRule.reflection_set_id", "one-on-one-reflection")
        require_int(self.reflect_delay_minutes, "MomentRule.reflect_delay_minutes", *REFLECT_DELAY_MINUTES)
        require_bool(self.offer_debrief, "MomentRule.offer_debrief")
        object.__setattr__(self, "_title_res", compiled["title_patterns"])
        object.__setattr__(self, "_description_res", compiled["description_patterns"])
        object.__setattr__(self, "_exclude_res", compiled["exclude_patterns"])

    def matches(self, *, title: str, description: str, attendee_count: int, organizer_is_person: bool) -> bool:
        """Whether an event is this moment.

        ``attendee_count`` is the number of attendees the calendar lists; 0 means the feed
        lists none (many published feeds leave attendees out), and then the attendee bounds
        are not applied. Only the first ``TITLE_MATCH_MAX`` characters of the title and
        ``DESCRIPTION_MATCH_MAX`` of the description are searched.
        """
        if attendee_count < 0:
            raise ValueError(f"attendee_count cannot be negative (got {attendee_count})")
        if self.organizer_only and not organizer_is_person:
            return False
        if attendee_count:
            if self.min_attendees is not None and attendee_count < self.min_attendees:
                return False
            if self.max_attendees is not None and attendee_count > self.max_attendees:
                return False
        title = title[:TITLE_MATCH_MAX]
        if any(pattern.search(title) for pattern in self._exclude_res):
            return False
        if any(pattern.search(title) for pattern in self._title_res):
            return True
        description = description[:DESCRIPTION_MATCH_MAX]
        return any(pattern.search(description) for pattern in self._description_res)
