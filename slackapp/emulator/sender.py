"""The Slack side of the conversation: builds Slack-shaped payloads and POSTs them, signed, to the app."""

from __future__ import annotations

import itertools
import json
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import requests

from slackapp.emulator.signing import signed_headers

_counter = itertools.count(1)


@dataclass(frozen=True)
class Reply:
    status: int
    text: str

    def json(self) -> Any:
        return json.loads(self.text) if self.text else None


class SlackSender:
    def __init__(self, *, app_url: str, signing_secret: str, team_id: str = "T0001", api_app_id: str = "A0001",
                 response_url_base: str | None = None) -> None:
        self.events_url = app_url.rstrip("/") + "/slack/events"
        self.signing_secret, self.team_id, self.api_app_id = signing_secret, team_id, api_app_id
        self.response_url_base = response_url_base
        self.http = requests.Session()

    def post(self, body: bytes, *, content_type: str, headers: dict[str, str] | None = None,
             timestamp: int | str | None = None, secret: str | None = None) -> Reply:
        signed = signed_headers(body, secret=secret or self.signing_secret, timestamp=timestamp,
                                content_type=content_type)
        response = self.http.post(self.events_url, data=body, headers={**signed, **(headers or {})}, timeout=10)
        return Reply(response.status_code, response.text)

    def post_form(self, fields: dict[str, str], **kwargs: Any) -> Reply:
        return self.post(urlencode(fields).encode(), content_type="application/x-www-form-urlencoded", **kwargs)

    def _response_url(self) -> str:
        return f"{self.response_url_base}r{next(_counter)}" if self.response_url_base else "https://hooks.invalid/r"

    def command(self, text: str, *, user_id: str, command: str = "/coach", channel_id: str | None = None) -> Reply:
        return self.post_form({
            "token": "legacy", "team_id": self.team_id, "team_domain": "acme",
            "channel_id": channel_id or "D" + user_id,
            "channel_name": "directmessage", "user_id": user_id, "user_name": user_id.lower(), "command": command,
            "text": text, "api_app_id": self.api_app_id, "is_enterprise_install": "false",
            "response_url": self._response_url(), "trigger_id": f"{next(_counter)}.{int(time.time())}.trigger",
        })

    def event(self, event: dict[str, Any], *, event_id: str | None = None, retry_num: int | None = None) -> Reply:
        body = {
            "token": "legacy", "team_id": self.team_id, "api_app_id": self.api_app_id, "event": event,
            "type": "event_callback", "event_id": event_id or f"Ev{next(_counter):08d}",
            "event_time": int(time.time()),
            "authorizations": [{"enterprise_id": None, "team_id": self.team_id, "user_id": "UBOT", "is_bot": True,
                                "is_enterprise_install": False}],
            "is_ext_shared_channel": False,
        }
        headers = {"X-Slack-Retry-Num": str(retry_num), "X-Slack-Retry-Reason": "http_timeout"} if retry_num else {}
        return self.post(json.dumps(body).encode(), content_type="application/json", headers=headers)

    def app_home_opened(self, user_id: str, *, tab: str = "home", **kwargs: Any) -> Reply:
        return self.event({"type": "app_home_opened", "user": user_id, "channel": "D" + user_id, "tab": tab,
                           "event_ts": f"{time.time():.6f}"}, **kwargs)

    def interactive(self, payload: dict[str, Any]) -> Reply:
        return self.post_form({"payload": json.dumps(payload)})

    def block_action(self, action_id: str, *, user_id: str, value: str = "", message: dict[str, Any] | None = None,
                     channel_id: str | None = None, view: dict[str, Any] | None = None,
                     block_id: str = "b") -> Reply:
        action = {"type": "button", "action_id": action_id, "block_id": block_id, "value": value,
                  "text": {"type": "plain_text", "text": action_id}, "action_ts": f"{time.time():.6f}"}
        return self.interactive(self._block_actions(action, user_id=user_id, message=message, channel_id=channel_id,
                                                    view=view))

    def select_action(self, action_id: str, *, user_id: str, option_value: str, option_text: str = "",
                      message: dict[str, Any] | None = None, channel_id: str | None = None,
                      block_id: str = "b") -> Reply:
        """A static_select choice on a message, shaped like Slack's block_actions payload."""
        action = {"type": "static_select", "action_id": action_id, "block_id": block_id,
                  "selected_option": {"text": {"type": "plain_text", "text": option_text or option_value,
                                               "emoji": True}, "value": option_value},
                  "placeholder": {"type": "plain_text", "text": "…", "emoji": True},
                  "action_ts": f"{time.time():.6f}"}
        return self.interactive(self._block_actions(action, user_id=user_id, message=message, channel_id=channel_id))

    def _block_actions(self, action: dict[str, Any], *, user_id: str, message: dict[str, Any] | None,
                       channel_id: str | None, view: dict[str, Any] | None = None) -> dict[str, Any]:
        """The block_actions envelope around one action, on a message or in a view."""
        payload: dict[str, Any] = {
            "type": "block_actions", "team": {"id": self.team_id, "domain": "acme"},
            "user": {"id": user_id, "username": user_id.lower(), "team_id": self.team_id},
            "api_app_id": self.api_app_id, "token": "legacy", "trigger_id": f"{next(_counter)}.trigger",
            "response_url": self._response_url(), "is_enterprise_install": False, "actions": [action],
        }
        if message is not None:
            channel = channel_id or "D" + user_id
            payload["container"] = {"type": "message", "message_ts": message["ts"], "channel_id": channel,
                                    "is_ephemeral": False}
            payload["channel"] = {"id": channel, "name": "directmessage"}
            payload["message"] = message
        elif view is not None:
            payload["container"] = {"type": "view", "view_id": view.get("id", "V1")}
            payload["view"] = view
        return payload

    def view_submission(self, view: dict[str, Any], *, user_id: str,
                        values: dict[str, dict[str, dict[str, Any]]]) -> Reply:
        """Submit an open modal (as ``FakeSlack.open_views()`` holds it) with ``values`` as its state:
        ``{block_id: {action_id: {"type": "plain_text_input", "value": "..."}}}``. The reply's JSON is
        the app's ``response_action`` (or None for a plain ack)."""
        submitted = {**view, "state": {"values": values}}
        payload = {
            "type": "view_submission", "team": {"id": self.team_id, "domain": "acme"},
            "user": {"id": user_id, "username": user_id.lower(), "team_id": self.team_id},
            "api_app_id": self.api_app_id, "token": "legacy", "trigger_id": f"{next(_counter)}.trigger",
            "view": submitted, "response_urls": [], "is_enterprise_install": False, "enterprise": None,
        }
        return self.interactive(payload)
