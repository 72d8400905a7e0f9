"""conversations.* methods of the fake Slack Web API."""

from __future__ import annotations

import copy
import hashlib
from typing import Any

from slackapp.emulator.api_request import ApiRequest, Handler, paginate
from slackapp.emulator.workspace_state import (
    ApiError,
    ChannelRecord,
    WorkspaceState,
    invalid_arguments,
    ts_to_micros,
)

MAX_MPIM_USERS = 8


def _channel_json(state: WorkspaceState, channel: ChannelRecord) -> dict[str, Any]:
    if channel.is_im:
        return {
            "id": channel.id,
            "created": channel.created,
            "is_im": True,
            "is_org_shared": False,
            "user": channel.user,
            "is_user_deleted": bool(channel.user and state.users[channel.user].deleted),
            "last_read": "0000000000.000000",
            "latest": None,
            "unread_count": 0,
            "unread_count_display": 0,
            "is_open": True,
            "priority": 0,
        }
    return {
        "id": channel.id,
        "name": channel.name,
        "is_channel": not channel.is_private,
        "is_group": False,
        "is_im": False,
        "is_mpim": channel.id.startswith("G") and channel.name.startswith("mpdm-"),
        "is_private": channel.is_private,
        "created": channel.created,
        "is_archived": channel.is_archived,
        "is_general": False,
        "is_member": channel.is_member,
        "is_shared": False,
        "is_org_shared": False,
        "creator": state.bot_user_id,
        "context_team_id": state.team_id,
        "topic": {"value": "", "creator": "", "last_set": 0},
        "purpose": {"value": "", "creator": "", "last_set": 0},
    }


def _dm_target(state: WorkspaceState, user_id: str) -> str:
    user = state.users.get(user_id)
    if user is None:
        raise ApiError("user_not_found")
    if user.is_bot:
        raise ApiError("cannot_dm_bot")
    if user.deleted:
        raise ApiError("user_disabled")
    return user.id


def conversations_open(state: WorkspaceState, request: ApiRequest) -> dict[str, Any]:
    """DM (one user) or group DM (2-8 users).

    A deactivated user → ``user_disabled``; a bot → ``cannot_dm_bot``; unknown → ``user_not_found``.
    """
    existing = request.str_arg("channel")
    if existing is not None:
        channel = state.resolve_channel(existing)
        return {"ok": True, "no_op": True, "already_open": True, "channel": {"id": channel.id}}
    users = [u.strip() for u in (request.str_arg("users") or "").split(",") if u.strip()]
    if not users:
        raise ApiError("users_list_not_supplied")
    if len(users) > MAX_MPIM_USERS:
        raise ApiError("too_many_users")
    targets = [_dm_target(state, u) for u in users]
    if len(targets) == 1:
        already = state.dm_channel_id(targets[0]) in state.channels
        channel = state.open_dm(targets[0])
    else:
        digest = hashlib.sha1(",".join(sorted(targets)).encode()).hexdigest()[:10].upper()
        channel_id = "G" + digest
        already = channel_id in state.channels
        name = "mpdm-" + "--".join(state.users[u].name for u in sorted(targets)) + "-1"
        channel = state.channels.setdefault(channel_id, ChannelRecord(id=channel_id, name=name, is_private=True))
    body: dict[str, Any] = {"ok": True, "channel": {"id": channel.id}}
    if request.bool_arg("return_im"):
        body["channel"] = _channel_json(state, channel)
    if already:
        body.update(no_op=True, already_open=True)
    return body


def _readable_channel(state: WorkspaceState, request: ApiRequest) -> ChannelRecord:
    channel = state.resolve_channel(request.args.get("channel"))
    if not channel.is_member:
        raise ApiError("not_in_channel")
    return channel


def _ts_bounds(request: ApiRequest) -> tuple[int | None, int | None]:
    bounds: list[int | None] = []
    for name in ("oldest", "latest"):
        raw = request.str_arg(name)
        try:
            bounds.append(None if raw is None else ts_to_micros(raw))
        except ValueError:
            raise ApiError(f"invalid_ts_{name}") from None
    return bounds[0], bounds[1]


def _in_window(ts: str, oldest: int | None, latest: int | None, inclusive: bool) -> bool:
    value = ts_to_micros(ts)
    if oldest is not None and (value < oldest or (value == oldest and not inclusive)):
        return False
    return not (latest is not None and (value > latest or (value == latest and not inclusive)))


def _present(message: dict[str, Any], include_metadata: bool) -> dict[str, Any]:
    out = copy.deepcopy(message)
    if not include_metadata:
        out.pop("metadata", None)
    return out


def _page_body(items: list[dict[str, Any]], request: ApiRequest, *, default_limit: int) -> dict[str, Any]:
    page, next_cursor = paginate(items, request, default_limit=default_limit, max_limit=999)
    body: dict[str, Any] = {"ok": True, "messages": page, "has_more": bool(next_cursor), "pin_count": 0}
    if next_cursor:
        body["response_metadata"] = {"next_cursor": next_cursor}
    return body


def conversations_history(state: WorkspaceState, request: ApiRequest) -> dict[str, Any]:
    """Top-level messages, newest first; ``metadata`` only with ``include_all_metadata``, like Slack."""
    channel = _readable_channel(state, request)
    oldest, latest = _ts_bounds(request)
    inclusive = request.bool_arg("inclusive")
    include_metadata = request.bool_arg("include_all_metadata")
    top_level = [
        _present(state.with_thread_fields(m, channel.id), include_metadata)
        for m in state.messages.get(channel.id, [])
        if m.get("thread_ts", m["ts"]) == m["ts"] and _in_window(m["ts"], oldest, latest, inclusive)
    ]
    top_level.sort(key=lambda m: ts_to_micros(m["ts"]), reverse=True)
    return _page_body(top_level, request, default_limit=100)


def conversations_replies(state: WorkspaceState, request: ApiRequest) -> dict[str, Any]:
    """The thread's parent followed by its replies, oldest first."""
    channel = _readable_channel(state, request)
    ts = request.required("ts")
    message = state.find_message(channel.id, ts)
    if message is None:
        raise ApiError("thread_not_found")
    parent_ts = message.get("thread_ts", message["ts"])
    oldest, latest = _ts_bounds(request)
    inclusive = request.bool_arg("inclusive")
    include_metadata = request.bool_arg("include_all_metadata")
    thread = [
        _present(state.with_thread_fields(m, channel.id), include_metadata)
        for m in state.messages.get(channel.id, [])
        if (m["ts"] == parent_ts or m.get("thread_ts") == parent_ts)
        and (m["ts"] == parent_ts or _in_window(m["ts"], oldest, latest, inclusive))
    ]
    thread.sort(key=lambda m: ts_to_micros(m["ts"]))
    return _page_body(thread, request, default_limit=1000)


def conversations_info(state: WorkspaceState, request: ApiRequest) -> dict[str, Any]:
    if request.str_arg("channel") is None:
        raise invalid_arguments("missing required field: channel")
    channel = state.resolve_channel(request.args.get("channel"))
    return {"ok": True, "channel": _channel_json(state, channel)}


CONVERSATION_HANDLERS: dict[str, Handler] = {
    "conversations.open": conversations_open,
    "conversations.history": conversations_history,
    "conversations.replies": conversations_replies,
    "conversations.info": conversations_info,
}
