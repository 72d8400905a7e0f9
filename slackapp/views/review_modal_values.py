"""Values carried by the Review button and the review modal, read back; field problems as Slack errors."""

from __future__ import annotations

import json
from typing import Any

from slackapp import ids

EVIDENCE_OPTION = "evidence"


def review_button_value(assignment_id: int, version: int) -> str:
    return f"{assignment_id}:{version}"


def parse_review_button(value: str | None) -> tuple[int, int | None]:
    """(assignment id, version) from a Review button; ValueError when it isn't one."""
    head, _, tail = str(value or "").partition(":")
    return int(head), (int(tail) if tail else None)


def modal_metadata(view: dict[str, Any]) -> tuple[int, int | None]:
    try:
        data = json.loads(view.get("private_metadata") or "{}")
        version = data.get("version")
        return int(data["assignment_id"]), (int(version) if version is not None else None)
    except (ValueError, TypeError, KeyError):
        raise ValueError("not a review modal") from None


def _values(view: dict[str, Any]) -> dict[str, Any]:
    return ((view.get("state") or {}).get("values")) or {}


def _selected(view: dict[str, Any], block_id: str, action_id: str) -> str | None:
    chosen = ((_values(view).get(block_id) or {}).get(action_id) or {}).get("selected_option") or {}
    value = chosen.get("value")
    return str(value) if value is not None else None


def modal_level(view: dict[str, Any]) -> int | None:
    raw = _selected(view, ids.REVIEW_LEVEL_BLOCK, ids.REVIEW_LEVEL)
    return int(raw) if raw is not None and raw.isdigit() else None


def modal_outcome(view: dict[str, Any]) -> str | None:
    return _selected(view, ids.REVIEW_OUTCOME_BLOCK, ids.REVIEW_OUTCOME)


def modal_feedback(view: dict[str, Any]) -> str:
    typed = (_values(view).get(ids.REVIEW_FEEDBACK_BLOCK) or {}).get(ids.REVIEW_FEEDBACK) or {}
    return str(typed.get("value") or "")


def modal_counts_as_evidence(view: dict[str, Any]) -> bool:
    for block_id, actions_state in _values(view).items():
        if block_id.startswith(ids.REVIEW_EVIDENCE_BLOCK):
            chosen = (actions_state.get(ids.REVIEW_EVIDENCE) or {}).get("selected_options") or []
            return any(o.get("value") == EVIDENCE_OPTION for o in chosen)
    return False


FIELD_BLOCKS = {"level": ids.REVIEW_LEVEL_BLOCK, "feedback": ids.REVIEW_FEEDBACK_BLOCK,
                "outcome": ids.REVIEW_OUTCOME_BLOCK}


def field_errors(problems: dict[str, str]) -> dict[str, str]:
    """Domain field problems → Slack's ``response_action: errors`` (block id → message)."""
    return {FIELD_BLOCKS[field]: message for field, message in problems.items() if field in FIELD_BLOCKS}
