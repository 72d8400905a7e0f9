"""Field rules shared by the content value objects and the loader.

The ``*_problem`` functions say why a value is not acceptable (or return None); the loader reports
their message at ``path:line``, and the ``require*`` checks raise it as ``ValueError`` when a value
object is constructed directly with a bad value.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import cast

# Text limits. Names appear in Slack select options and buttons (75 characters at most).
NAME_MAX = 75
SUMMARY_MAX = 300

# Ids of moments, guides, question sets and questions are stored with deliveries and
# reflections (moment_id is a 64-character column).
ID_MAX = 64

# Tags of micro-assignment templates.
TAG_MAX = 32

_SLUG = r"[a-z0-9]+(?:-[a-z0-9]+)*"
COMPETENCY_ID_RE = re.compile(_SLUG)
SKILL_ID_RE = re.compile(rf"({_SLUG})\.{_SLUG}")


# -- why a value is not acceptable (the loader reports these at path:line) -------------------


def text_problem(value: object, max_length: int) -> str | None:
    """Why ``value`` is not acceptable as a one-line text field, or None."""
    if not isinstance(value, str):
        return f"must be a string, got {type(value).__name__}"
    if not value.strip():
        return "must not be empty"
    if value != value.strip():
        return "must not start or end with whitespace"
    if len(value) > max_length:
        return f"is too long ({len(value)} characters; at most {max_length})"
    return None


def body_problem(value: object, max_length: int) -> str | None:
    """Why ``value`` is not acceptable as a multi-line (mrkdwn) text field, or None."""
    if isinstance(value, str) and value.strip() and value != value.strip():
        return "must not start or end with blank lines or whitespace"
    return text_problem(value, max_length)


def slug_problem(value: str, example: str) -> str | None:
    """Why ``value`` is not a lowercase kebab-case id (like ``example``), or None."""
    if COMPETENCY_ID_RE.fullmatch(value) is None:
        return f"must be lowercase kebab-case, e.g. '{example}' (got '{value}')"
    if len(value) > ID_MAX:
        return f"is too long ({len(value)} characters; at most {ID_MAX})"
    return None


def count_problem(count: int, minimum: int, maximum: int, noun: str) -> str | None:
    """Why a list of ``count`` items (``noun`` in the plural) is too short or too long, or None."""
    if count < minimum:
        return f"has {count} {noun}; at least {minimum} needed"
    if count > maximum:
        return f"has {count} {noun}; at most {maximum} allowed"
    return None


def range_problem(value: int, minimum: int, maximum: int) -> str | None:
    """Why ``value`` is outside ``minimum..maximum``, or None."""
    if not minimum <= value <= maximum:
        return f"must be between {minimum} and {maximum} (got {value})"
    return None


def competency_id_problem(value: str) -> str | None:
    """Why ``value`` is not a valid competency id, or None (phrased to follow a field name)."""
    if COMPETENCY_ID_RE.fullmatch(value) is None:
        return f"must be lowercase kebab-case, e.g. 'giving-feedback' (got '{value}')"
    return None


def skill_id_problem(value: str, competency_id: str | None = None) -> str | None:
    """Why ``value`` is not a valid skill id (inside ``competency_id`` when given), or None."""
    match = SKILL_ID_RE.fullmatch(value)
    if match is None:
        return (
            "must be the competency id, a dot and a lowercase kebab-case name, "
            f"e.g. 'giving-feedback.sbi' (got '{value}')"
        )
    if competency_id is not None and match.group(1) != competency_id:
        return f"must start with its competency id '{competency_id}.' (got '{value}')"
    return None


def tag_problem(value: str) -> str | None:
    """Why ``value`` is not a valid tag (a short kebab-case word, like ``one-on-one``), or None."""
    if COMPETENCY_ID_RE.fullmatch(value) is None:
        return f"must be lowercase kebab-case, e.g. 'one-on-one' (got '{value}')"
    if len(value) > TAG_MAX:
        return f"is too long ({len(value)} characters; at most {TAG_MAX})"
    return None


def effort_problem(effort_minutes: int, timebox_hours: int) -> str | None:
    """Why an effort does not fit in the timebox it is done in, or None."""
    if effort_minutes > timebox_hours * 60:
        hours = "hour" if timebox_hours == 1 else "hours"
        return f"({effort_minutes} minutes) must fit in the timebox ({timebox_hours} {hours})"
    return None


# -- checks the value objects run on construction (ValueError) ------------------------------


def require(problem: str | None, what: str) -> None:
    if problem is not None:
        raise ValueError(f"{what} {problem}")


def require_text(value: object, what: str, max_length: int) -> None:
    require(text_problem(value, max_length), what)


def require_tuple(value: object, what: str) -> None:
    if not isinstance(value, tuple):
        raise ValueError(f"{what} must be a tuple, got {type(value).__name__}")


def require_bool(value: object, what: str) -> None:
    if not isinstance(value, bool):
        raise ValueError(f"{what} must be a bool, got {type(value).__name__}")


def require_int(value: object, what: str, minimum: int | None = None, maximum: int | None = None) -> None:
    if not isinstance(value, int) or isinstance(value, bool):
        raise ValueError(f"{what} must be an int, got {type(value).__name__}")
    if minimum is not None and maximum is not None:
        require(range_problem(value, minimum, maximum), what)


def require_slug(value: object, what: str, example: str) -> None:
    require_text(value, what, ID_MAX)
    if isinstance(value, str):
        require(slug_problem(value, example), what)


def require_items(
    values: object, what: str, item_type: type, minimum: int, maximum: int, noun: str
) -> None:
    if not isinstance(values, tuple):
        raise ValueError(f"{what} must be a tuple, got {type(values).__name__}")
    require(count_problem(len(values), minimum, maximum, noun), what)
    for value in values:
        if not isinstance(value, item_type):
            raise ValueError(f"{what} must contain {item_type.__name__} objects, got {type(value).__name__}")


def require_texts(
    values: object, what: str, max_length: int, minimum: int, maximum: int, nouns: tuple[str, str]
) -> None:
    """A tuple of ``minimum``..``maximum`` distinct one-line texts (``nouns``: singular, plural)."""
    noun = nouns[0] if isinstance(values, tuple) and len(values) == 1 else nouns[1]
    require_items(values, what, str, minimum, maximum, noun)
    texts = cast(tuple[str, ...], values)
    for value in texts:
        require_text(value, f"{what} item", max_length)
    require_unique(texts, what)


def require_unique(values: Sequence[str], what: str) -> None:
    seen: set[str] = set()
    for value in values:
        if value in seen:
            raise ValueError(f"{what} has a duplicate: '{value}'")
        seen.add(value)
