"""chat.* methods of the fake Slack Web API.

Error choices (deliberate, see the OpenAPI spec's chat.postMessage error list):

* missing ``channel`` → ``channel_not_found``; no ``text``/``blocks``/``attachments`` → ``no_text``;
  ``text`` over 40,000 characters → ``msg_too_long``; bad blocks → ``invalid_blocks`` (with
  ``errors``), blocks that are not a JSON array → ``invalid_blocks_format``; more than 100
  attachments → ``too_many_attachments``; bad ``metadata`` → ``invalid_metadata_format`` /
  ``invalid_metadata_schema``.
* Posting into the DM of a deactivated user → ``is_archived``. ``account_inactive`` is what Slack
  answers when the *calling token's* user or workspace is deactivated, so it is not used here;
  Slack archives DMs with deactivated members and ``is_archived`` is the documented
  chat.postMessage error for that. (conversations.open for such a user → ``user_disabled``.)
* ``thread_ts`` that matches no message in the channel → ``thread_not_found`` (stricter than
  Slack, which may silently post a top-level message); a reply's ts is normalised to its parent.
* chat.update/chat.delete of a message that is not the bot's → ``cant_update_message`` /
  ``cant_delete_message``; unknown ``ts`` → ``message_not_found``.
"""

from __future__ import annotations

import copy
from typing import Any

from slackapp.emulator.api_request import ApiRequest, Handler
from slackapp.emulator.validation import (
    MAX_ATTACHMENTS,
    MAX_MESSAGE_BLOCKS,
    MAX_TEXT_CHARS,
    metadata_error,
    validate_attachments,
    validate_blocks,
)
from slackapp.emulator.workspace_state import ApiError, ChannelRecord, WorkspaceState, invalid_arguments


def reject_invalid(state: WorkspaceState, method: str, error: str, problems: list[str]) -> ApiError:
    """Record validation problems on the state and build Slack's error answer for them."""
    with state.lock:
        state.validation_errors.extend(f"{method}: {p}" for p in problems)
    return ApiError(error, errors=problems, response_metadata={"messages": [f"[ERROR] {p}" for p in problems]})


def check_message_content(state: WorkspaceState, method: str, args: dict[str, Any], *, need_content: bool) -> None:
    """Validate text/blocks/attachments/metadata of a message payload, raising Slack's errors."""
    text, blocks, attachments = args.get("text"), args.get("blocks"), args.get("attachments")
    if need_content and not text and blocks in (None, "", []) and attachments in (None, "", []):
        raise ApiError("no_text")
    if text is not None and len(str(text)) > MAX_TEXT_CHARS:
        raise ApiError("msg_too_long")
    if blocks not in (None, ""):
        if not isinstance(blocks, list):
            raise reject_invalid(state, method, "invalid_blocks_format", ["blocks must be a JSON array"])
        problems = validate_blocks(blocks, max_blocks=MAX_MESSAGE_BLOCKS)
        if problems:
            raise reject_invalid(state, method, "invalid_blocks", problems)
    if attachments not in (None, ""):
        if isinstance(attachments, list) and len(attachments) > MAX_ATTACHMENTS:
            raise ApiError("too_many_attachments")
        problems = validate_attachments(attachments)
        if problems:
            raise reject_invalid(state, method, "invalid_attachments", problems)
    if "metadata" in args and args["metadata"] not in (None, ""):
        error = metadata_error(args["metadata"])
        if error:
            raise reject_invalid(state, method, error, [f"{error}: {args['metadata']!r}"])


def postable_channel(state: WorkspaceState, channel_arg: Any) -> ChannelRecord:
    channel = state.resolve_channel(channel_arg)
    if channel.is_archived:
        raise ApiError("is_archived")
    if channel.is_im and channel.user is not None and state.user(channel.user).deleted:
        raise ApiError("is_archived")
    if not channel.is_member:
        raise ApiError("not_in_channel")
    return channel


def _bot_message(state: WorkspaceState, args: dict[str, Any], ts: str) -> dict[str, Any]:
    message: dict[str, Any] = {
        "type": "message",
        "text": str(args.get("text") or ""),
        "user": state.bot_user_id,
        "bot_id": state.bot_id,
        "app_id": state.app_id,
        "team": state.team_id,
        "ts": ts,
        "bot_profile": {
            "id": state.bot_id,
            "app_id": state.app_id,
            "name": "Flowcoach",
            "team_id": state.team_id,
        },
    }
    for key in ("blocks", "attachments", "metadata"):
        if args.get(key) not in (None, "", []):
            message[key] = copy.deepcopy(args[key])
    return message


def _thread_parent(state: WorkspaceState, channel_id: str, thread_ts: str | None) -> dict[str, Any] | None:
    """The thread's parent message for a ``thread_ts`` argument (a reply's ts resolves to its parent)."""
    if thread_ts is None:
        return None
    message = state.find_message(channel_id, thread_ts)
    if message is None:
        raise ApiError("thread_not_found")
    parent = state.find_message(channel_id, message.get("thread_ts", message["ts"]))
    return parent if parent is not None else message


def post_message(state: WorkspaceState, request: ApiRequest) -> dict[str, Any]:
    channel = postable_channel(state, request.args.get("channel"))
    check_message_content(state, request.method, request.args, need_content=True)
    parent = _thread_parent(state, channel.id, request.str_arg("thread_ts"))
    message = _bot_message(state, request.args, state.next_ts())
    if parent is not None:
        message.update(thread_ts=parent["ts"], parent_user_id=parent.get("user"))
    state.channel_messages(channel.id).append(message)
    return {"ok": True, "channel": channel.id, "ts": message["ts"], "message": copy.deepcopy(message)}


def _own_message(state: WorkspaceState, request: ApiRequest, refusal: str) -> tuple[ChannelRecord, dict[str, Any]]:
    channel = state.resolve_channel(request.args.get("channel"))
    ts = request.required("ts")
    message = state.find_message(channel.id, ts)
    if message is None:
        raise ApiError("message_not_found")
    if message.get("bot_id") != state.bot_id:
        raise ApiError(refusal)
    return channel, message


def update_message(state: WorkspaceState, request: ApiRequest) -> dict[str, Any]:
    channel, message = _own_message(state, request, "cant_update_message")
    check_message_content(state, request.method, request.args, need_content=True)
    if "text" in request.args:
        message["text"] = str(request.args.get("text") or "")
    for key in ("blocks", "attachments", "metadata"):
        if key in request.args:
            value = request.args[key]
            if value in (None, "", []):
                message.pop(key, None)
            else:
                message[key] = copy.deepcopy(value)
    message["edited"] = {"user": state.bot_user_id, "ts": state.next_ts()}
    return {
        "ok": True,
        "channel": channel.id,
        "ts": message["ts"],
        "text": message["text"],
        "message": copy.deepcopy(message),
    }


def delete_message(state: WorkspaceState, request: ApiRequest) -> dict[str, Any]:
    channel, message = _own_message(state, request, "cant_delete_message")
    state.channel_messages(channel.id).remove(message)
    return {"ok": True, "channel": channel.id, "ts": message["ts"]}


def post_ephemeral(state: WorkspaceState, request: ApiRequest) -> dict[str, Any]:
    channel = postable_channel(state, request.args.get("channel"))
    user_id = request.str_arg("user")
    user = state.users.get(user_id or "")
    if user is None or user.deleted or user.is_bot:
        raise ApiError("user_not_in_channel")
    check_message_content(state, request.method, request.args, need_content=True)
    message = _bot_message(state, request.args, state.next_ts())
    state.ephemeral_messages.append({**message, "channel": channel.id, "user": user.id})
    return {"ok": True, "message_ts": message["ts"]}


def get_permalink(state: WorkspaceState, request: ApiRequest) -> dict[str, Any]:
    channel = state.resolve_channel(request.args.get("channel"))
    message = state.find_message(channel.id, request.str_arg("message_ts"))
    if message is None:
        raise ApiError("message_not_found")
    link = f"https://{state.team_domain}.slack.com/archives/{channel.id}/p{message['ts'].replace('.', '')}"
    thread_ts = message.get("thread_ts")
    if thread_ts and thread_ts != message["ts"]:
        link += f"?thread_ts={thread_ts}&cid={channel.id}"
    return {"ok": True, "channel": channel.id, "permalink": link}


def schedule_message(state: WorkspaceState, request: ApiRequest) -> dict[str, Any]:
    """chat.scheduleMessage: validated and recorded, never delivered (like a far-future schedule)."""
    channel = postable_channel(state, request.args.get("channel"))
    check_message_content(state, request.method, request.args, need_content=True)
    post_at = request.int_arg("post_at", 0)
    if post_at <= 0:
        raise invalid_arguments("missing required field: post_at")
    message = _bot_message(state, request.args, state.next_ts())
    return {
        "ok": True,
        "channel": channel.id,
        "scheduled_message_id": state.next_id("Q"),
        "post_at": post_at,
        "message": message,
    }


CHAT_HANDLERS: dict[str, Handler] = {
    "chat.postMessage": post_message,
    "chat.update": update_message,
    "chat.delete": delete_message,
    "chat.postEphemeral": post_ephemeral,
    "chat.getPermalink": get_permalink,
    "chat.scheduleMessage": schedule_message,
}
