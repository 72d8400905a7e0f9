"""Routing, authentication, fault injection and call recording for the fake Slack Web API."""

from __future__ import annotations

import copy
import time
import traceback
from typing import Any

from slackapp.emulator.api_chat import CHAT_HANDLERS, check_message_content
from slackapp.emulator.api_conversations import CONVERSATION_HANDLERS
from slackapp.emulator.api_identity import IDENTITY_HANDLERS, NO_TOKEN_METHODS
from slackapp.emulator.api_request import ApiRequest, Handler
from slackapp.emulator.api_views import VIEW_HANDLERS
from slackapp.emulator.faults import FaultPlan
from slackapp.emulator.recording import CallLog
from slackapp.emulator.workspace_state import ApiError, WorkspaceState

HANDLERS: dict[str, Handler] = {
    **CHAT_HANDLERS,
    **CONVERSATION_HANDLERS,
    **VIEW_HANDLERS,
    **IDENTITY_HANDLERS,
}
RESPONSE_URL = "response_url"

Answer = tuple[int, dict[str, str], dict[str, Any]]


class Dispatcher:
    """Answers decoded requests; every request is recorded as a ``Call`` in arrival order."""

    def __init__(self, state: WorkspaceState, faults: FaultPlan) -> None:
        self.state = state
        self.faults = faults
        self.log = CallLog()
        self.internal_errors: list[str] = []

    def clear(self) -> None:
        self.log.clear()
        self.internal_errors.clear()

    # ---- Web API ---------------------------------------------------------------------------------
    def _authenticate(self, token: str | None) -> None:
        with self.state.lock:
            if not token:
                raise ApiError("not_authed")
            if token in self.state.revoked_tokens:
                raise ApiError("token_revoked")
            if token not in self.state.valid_tokens:
                raise ApiError("invalid_auth")

    def handle_api(
        self, method: str, args: dict[str, Any], token: str | None, basic_auth: tuple[str, str] | None
    ) -> Answer:
        call = self.log.record(method, args, token)
        delay = self.faults.take_delay(method)
        if delay > 0:
            time.sleep(delay)
        status, headers = 200, {}
        try:
            handler = HANDLERS.get(method)
            if handler is None:
                raise ApiError("unknown_method", req_method=method)
            if method not in NO_TOKEN_METHODS:
                self._authenticate(token)
            fault = self.faults.check(method, args)
            if fault is not None:
                raise fault
            request = ApiRequest(method=method, args=args, token=token, basic_auth=basic_auth)
            with self.state.lock:
                body = handler(self.state, request)
        except ApiError as exc:
            status, headers, body = exc.status, exc.headers, exc.body()
        except Exception:  # a bug in the fake itself: answer like Slack does and keep the traceback
            self.internal_errors.append(f"{method}: {traceback.format_exc()}")
            status, headers, body = 500, {}, {"ok": False, "error": "fatal_error"}
        call.response.update(copy.deepcopy(body))
        return status, headers, body

    # ---- response_url --------------------------------------------------------------------------
    def handle_response_url(self, key: str, payload: dict[str, Any]) -> Answer:
        """A POST to a response_url: validated like a message, applied to the bound message if any."""
        call = self.log.record(RESPONSE_URL, {**payload, "_key": key}, None)
        delay = self.faults.take_delay(RESPONSE_URL)
        if delay > 0:
            time.sleep(delay)
        status, headers = 200, {}
        try:
            fault = self.faults.check(RESPONSE_URL, payload)
            if fault is not None:
                raise fault
            with self.state.lock:
                self._apply_response(key, payload)
            body: dict[str, Any] = {"ok": True}
        except ApiError as exc:
            status, headers, body = (exc.status if exc.status != 200 else 400), exc.headers, exc.body()
        except Exception:
            self.internal_errors.append(f"{RESPONSE_URL}: {traceback.format_exc()}")
            status, headers, body = 500, {}, {"ok": False, "error": "fatal_error"}
        call.response.update(copy.deepcopy(body))
        return status, headers, body

    def _apply_response(self, key: str, payload: dict[str, Any]) -> None:
        state = self.state
        delete = bool(payload.get("delete_original"))
        check_message_content(state, RESPONSE_URL, payload, need_content=not delete)
        channel_id, message_ts = state.response_urls.get(key, (None, None))
        if channel_id is None:
            return
        original = state.find_message(channel_id, message_ts) if message_ts else None
        if delete:
            if original is not None:
                state.channel_messages(channel_id).remove(original)
            return
        if payload.get("replace_original") and original is not None:
            original["text"] = str(payload.get("text") or "")
            for key_name in ("blocks", "attachments"):
                if payload.get(key_name):
                    original[key_name] = copy.deepcopy(payload[key_name])
                else:
                    original.pop(key_name, None)
            return
        message = {
            "type": "message",
            "text": str(payload.get("text") or ""),
            "user": state.bot_user_id,
            "bot_id": state.bot_id,
            "app_id": state.app_id,
            "team": state.team_id,
            "ts": state.next_ts(),
        }
        for key_name in ("blocks", "attachments"):
            if payload.get(key_name):
                message[key_name] = copy.deepcopy(payload[key_name])
        if payload.get("thread_ts"):
            message["thread_ts"] = str(payload["thread_ts"])
        if payload.get("response_type") == "in_channel":
            state.channel_messages(channel_id).append(message)
        else:
            state.ephemeral_messages.append({**message, "channel": channel_id, "user": None})
