"""views.* methods of the fake Slack Web API (modals and the Home tab).

* ``trigger_id`` is required for views.open/views.push (``invalid_arguments`` when missing); a
  trigger_id starting with ``"expired"`` → ``expired_trigger_id``; a trigger_id already used
  once → ``exchanged_trigger_id`` (Slack triggers are single use; a rejected view does not use it).
* An invalid view → ``invalid_arguments`` with ``response_metadata.messages`` (Slack's shape for
  views) and the problems are added to ``FakeSlack.validation_errors``.
* views.update: by ``view_id`` or ``external_id``; unknown → ``not_found``; ``hash`` that is not the
  view's current hash → ``hash_conflict``. views.publish: unknown ``user_id`` → ``user_not_found``.
"""

from __future__ import annotations

import copy
from typing import Any

from slackapp.emulator.api_request import ApiRequest, Handler
from slackapp.emulator.validation import validate_view
from slackapp.emulator.workspace_state import ApiError, WorkspaceState, invalid_arguments

MODAL = frozenset({"modal"})
HOME = frozenset({"home"})


def _checked_view(state: WorkspaceState, request: ApiRequest, expected: frozenset[str]) -> dict[str, Any]:
    view = request.args.get("view")
    if view is None or view == "":
        raise invalid_arguments("missing required field: view")
    problems = validate_view(view, expected_types=expected)
    if problems:
        with state.lock:
            state.validation_errors.extend(f"{request.method}: {p}" for p in problems)
        raise invalid_arguments(*problems)
    assert isinstance(view, dict)
    return view


def _exchange_trigger(state: WorkspaceState, request: ApiRequest, view: dict[str, Any]) -> None:
    trigger_id = request.required("trigger_id")
    if trigger_id.startswith("expired"):
        raise ApiError("expired_trigger_id")
    if trigger_id in state.used_triggers:
        raise ApiError("exchanged_trigger_id")
    external_id = view.get("external_id")
    if external_id and any(v.get("external_id") == external_id for v in state.views.values()):
        raise ApiError("duplicate_external_id")
    state.used_triggers.add(trigger_id)


def _view_json(
    state: WorkspaceState,
    view_id: str,
    view: dict[str, Any],
    *,
    root_view_id: str | None = None,
    previous_view_id: str | None = None,
) -> dict[str, Any]:
    return {
        "id": view_id,
        "team_id": state.team_id,
        "type": view["type"],
        "blocks": copy.deepcopy(view.get("blocks", [])),
        "private_metadata": view.get("private_metadata", ""),
        "callback_id": view.get("callback_id", ""),
        "external_id": view.get("external_id", ""),
        "state": {"values": {}},
        "hash": state.view_hash(),
        "title": copy.deepcopy(view.get("title")),
        "close": copy.deepcopy(view.get("close")),
        "submit": copy.deepcopy(view.get("submit")),
        "clear_on_close": bool(view.get("clear_on_close", False)),
        "notify_on_close": bool(view.get("notify_on_close", False)),
        "submit_disabled": bool(view.get("submit_disabled", False)),
        "root_view_id": root_view_id or view_id,
        "previous_view_id": previous_view_id,
        "app_id": state.app_id,
        "app_installed_team_id": state.team_id,
        "bot_id": state.bot_id,
    }


def views_open(state: WorkspaceState, request: ApiRequest) -> dict[str, Any]:
    """views.open and views.push: exchange the trigger for a new modal (the fake keeps no view stack)."""
    if request.str_arg("trigger_id") is None:
        raise invalid_arguments("missing required field: trigger_id")
    view = _checked_view(state, request, MODAL)
    _exchange_trigger(state, request, view)
    view_id = state.next_id("V")
    state.views[view_id] = _view_json(state, view_id, view)
    return {"ok": True, "view": copy.deepcopy(state.views[view_id])}


def _find_view(state: WorkspaceState, request: ApiRequest) -> tuple[dict[str, Any], str | None]:
    """The stored view to update and, for Home tabs, the user it belongs to."""
    view_id, external_id = request.str_arg("view_id"), request.str_arg("external_id")
    if view_id is None and external_id is None:
        raise invalid_arguments("missing required field: view_id or external_id")
    for stored in state.views.values():
        if stored["id"] == view_id or (external_id and stored.get("external_id") == external_id):
            return stored, None
    for user_id, stored in state.home_views.items():
        if stored["id"] == view_id or (external_id and stored.get("external_id") == external_id):
            return stored, user_id
    raise ApiError("not_found")


def views_update(state: WorkspaceState, request: ApiRequest) -> dict[str, Any]:
    stored, home_user = _find_view(state, request)
    view = _checked_view(state, request, HOME if home_user else MODAL)
    expected_hash = request.str_arg("hash")
    if expected_hash is not None and expected_hash != stored["hash"]:
        raise ApiError("hash_conflict")
    updated = _view_json(
        state,
        stored["id"],
        view,
        root_view_id=stored["root_view_id"],
        previous_view_id=stored["previous_view_id"],
    )
    if home_user is not None:
        state.home_views[home_user] = updated
    else:
        state.views[stored["id"]] = updated
    return {"ok": True, "view": copy.deepcopy(updated)}


def views_publish(state: WorkspaceState, request: ApiRequest) -> dict[str, Any]:
    user_id = request.required("user_id")
    if user_id not in state.users:
        raise ApiError("user_not_found")
    view = _checked_view(state, request, HOME)
    current = state.home_views.get(user_id)
    expected_hash = request.str_arg("hash")
    if expected_hash is not None and current is not None and expected_hash != current["hash"]:
        raise ApiError("hash_conflict")
    view_id = current["id"] if current is not None else state.next_id("V")
    state.home_views[user_id] = _view_json(state, view_id, view)
    return {"ok": True, "view": copy.deepcopy(state.home_views[user_id])}


VIEW_HANDLERS: dict[str, Handler] = {
    "views.open": views_open,
    "views.push": views_open,
    "views.update": views_update,
    "views.publish": views_publish,
}
