"""Reading the micro-assignment modals back: their private metadata and the values people entered."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import date
from typing import Any

MAX_PRIVATE_METADATA = 3000


def read_metadata(view: Mapping[str, Any]) -> dict[str, Any]:
    try:
        data = json.loads(view.get("private_metadata") or "{}")
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def _values(view: Mapping[str, Any]) -> Mapping[str, Any]:
    return ((view.get("state") or {}).get("values")) or {}


def _state(view: Mapping[str, Any], block_id: str, action_id: str) -> dict[str, Any]:
    return dict((_values(view).get(block_id) or {}).get(action_id) or {})


def text_value(view: Mapping[str, Any], block_id: str, action_id: str) -> str:
    return str(_state(view, block_id, action_id).get("value") or "")


def user_value(view: Mapping[str, Any], block_id: str, action_id: str) -> str | None:
    return _state(view, block_id, action_id).get("selected_user") or None


def option_value(view: Mapping[str, Any], block_id: str, action_id: str) -> str | None:
    return (_state(view, block_id, action_id).get("selected_option") or {}).get("value") or None


def date_value(view: Mapping[str, Any], block_id: str, action_id: str) -> date | None:
    raw = _state(view, block_id, action_id).get("selected_date")
    try:
        return date.fromisoformat(str(raw)) if raw else None
    except ValueError:
        return None
