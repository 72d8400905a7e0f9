"""Values carried by the nudges' buttons and modals: button values (the delivery key, maybe with a
verb), the reflection modal's metadata and answers, and the generic questions it falls back on."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from slackapp import ids
from slackapp.views.blocks import answers_by_block_prefix, first_block_id_with_prefix

MAX_BUTTON_VALUE = 2000
MAX_PRIVATE_METADATA = 3000
MAX_ANSWER_CHARS = 3000
QUESTION_BLOCK_PREFIX = f"{ids.REFLECTION_MODAL}.q."
QUESTION_ACTION_PREFIX = f"{ids.REFLECTION_MODAL}.a."
SHARE_OPTION = "share"
UNDO = "undo"


@dataclass(frozen=True, slots=True)
class _Question:
    """The shape of ``slackapp.content`` questions; used for the generic fallback set."""

    id: str
    text: str
    hint: str = ""
    required: bool = False


GENERIC_REFLECTION_TITLE = "Reflection"
GENERIC_QUESTIONS: tuple[_Question, ...] = (
    _Question("went-well", "What went well?"),
    _Question("next-time", "What would you do differently next time?"),
)


# -- values carried by buttons and modals ----------------------------------------------------------


def button_value(delivery_key: str, verb: str = "") -> str:
    value = f"{verb} {delivery_key}" if verb else delivery_key
    if len(value) > MAX_BUTTON_VALUE:
        raise ValueError("a delivery key must fit in a button value")
    return value


def parse_button_value(value: str | None) -> tuple[str, str]:
    """(verb, delivery key) from a button value; keys never contain the verb's leading word."""
    text = value or ""
    if text.startswith(f"{UNDO} "):
        return UNDO, text[len(UNDO) + 1:]
    return "", text


def reflection_metadata(view: dict[str, Any]) -> dict[str, Any]:
    try:
        data = json.loads(view.get("private_metadata") or "{}")
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def reflection_answers(view: dict[str, Any]) -> dict[str, str]:
    """question id → typed answer (possibly empty) from a submitted reflection modal."""
    return answers_by_block_prefix(view, QUESTION_BLOCK_PREFIX)


def first_question_block(view: dict[str, Any]) -> str:
    return first_block_id_with_prefix(view, QUESTION_BLOCK_PREFIX, QUESTION_BLOCK_PREFIX + GENERIC_QUESTIONS[0].id)


def reflection_shared(view: dict[str, Any]) -> bool:
    values = ((view.get("state") or {}).get("values")) or {}
    chosen = ((values.get(ids.REFLECTION_SHARE_BLOCK) or {}).get(ids.REFLECTION_SHARE) or {})
    return any(o.get("value") == SHARE_OPTION for o in chosen.get("selected_options") or [])
