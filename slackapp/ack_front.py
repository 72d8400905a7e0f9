"""The ack front: answer Slack before Bolt routes a request, whenever the answer is known up front.

Slack only needs a 200 (within 3 s), yet Bolt authorises, runs the middleware and evaluates every
listener's matchers before the first listener can ack. For most of Flowcoach's requests the answer does
not depend on any of that: a button click, a shortcut, a closed modal and an event are acked with an empty
200, and ``/coach help`` is a fixed message. So the front verifies the signature, parses the body once
(into the ``BoltRequest`` Bolt itself will use, see ``slack_body``), answers, and hands that request to
Bolt once the answer has gone out. Requests whose answer comes from a listener (a modal submission that may return
validation errors, options for a select, ``url_verification``, ``ssl_check``, anything unknown) still go
through Bolt before the answer. Bolt still runs its own signature check on every request it dispatches:
the front never replaces one of Bolt's checks, it only answers earlier.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from slack_bolt import BoltContext, BoltRequest
from slack_sdk.signature import SignatureVerifier

from slackapp.routes import Routes
from slackapp.slack_body import ParsedRequest, parse_body

_OBJECT_FIELDS = ("team", "enterprise", "container", "view")


@dataclass(frozen=True)
class Answer:
    """What to send back at once, and whether Bolt still has work to do with the request afterwards."""

    status: int = 200
    body: bytes = b""
    content_type: str = "text/plain;charset=utf-8"
    dispatch_after: bool = False

    def __post_init__(self) -> None:
        if self.dispatch_after and self.status != 200:
            raise ValueError("only an accepted request is dispatched after the answer")

    @classmethod
    def json(cls, body: Mapping[str, Any], *, status: int = 200) -> Answer:
        return cls(status=status, body=json.dumps(body).encode(), content_type="application/json;charset=utf-8")


ACK_THEN_DISPATCH = Answer(dispatch_after=True)
# slash command name → the answer to its form fields, or None to let Bolt answer (see listeners.commands)
CommandAnswers = Mapping[str, Callable[[Mapping[str, Any]], Answer | None]]


@dataclass(frozen=True)
class Verdict:
    """The front's decision: ``answer`` now (then maybe dispatch ``request``), or Bolt answers ``request``."""

    request: BoltRequest | None
    answer: Answer | None


def _rejected(status: int, error: str) -> Verdict:
    return Verdict(None, Answer.json({"ok": False, "error": error}, status=status))


InstalledCheck = Callable[[BoltContext], bool]


class AckFront:
    """``routes`` says which clicks, shortcuts and events have a listener (their ack is always empty);
    ``command_answers`` answer slash commands; ``is_installed`` (multi-workspace installs) says whether the
    request's workspace has installed the app: if not, Bolt answers (it tells the person to install)."""

    def __init__(self, signing_secret: str, *, routes: Routes, command_answers: CommandAnswers,
                 is_installed: InstalledCheck | None = None) -> None:
        self._verifier = SignatureVerifier(signing_secret)
        self._routes, self._command_answers, self._is_installed = routes, command_answers, is_installed

    def decide(self, body: bytes, headers: dict[str, str], query: str = "") -> Verdict:
        """``headers`` have lower-case names. Unsigned or stale requests are refused before anything is parsed."""
        try:
            text = body.decode("utf-8")  # Slack sends UTF-8; the signature is computed over the text
        except UnicodeDecodeError:
            return _rejected(400, "malformed request")
        unsigned_probe = _is_ssl_check(body)  # Slack does not sign its ssl_check probe; Bolt answers it
        if not unsigned_probe:
            timestamp = headers.get("x-slack-request-timestamp", "")
            if not timestamp.isdigit():
                return _rejected(400, "invalid request timestamp")
            if not self._verifier.is_valid(text, timestamp, headers.get("x-slack-signature", "")):
                return _rejected(401, "invalid request")
        try:
            body_fields = parse_body(text, _content_type(headers))
            request = ParsedRequest(raw_body=text, body=body_fields, query=query, headers=headers)
        except (ValueError, TypeError, AttributeError, KeyError, IndexError):  # Bolt dereferences fields blindly
            return _rejected(400, "malformed request")
        if _malformed(request.body):
            return _rejected(400, "malformed request")
        return Verdict(request, None if unsigned_probe else self._answer_up_front(request))

    def _answer_up_front(self, request: BoltRequest) -> Answer | None:
        body = request.body
        if self._routes.has_listener(body):
            answer: Answer | None = ACK_THEN_DISPATCH
        else:
            command = body.get("command")
            answers = self._command_answers.get(command) if isinstance(command, str) else None
            answer = answers(body) if answers is not None else None
        if answer is not None and self._is_installed is not None and not self._is_installed(request.context):
            return None
        return answer


def _content_type(headers: Mapping[str, str]) -> str | None:
    value = headers.get("content-type")
    return value.split(";")[0] if value else None  # as Bolt's extract_content_type


def _is_ssl_check(body: bytes) -> bool:
    return body.startswith(b"ssl_check=") or b"&ssl_check=" in body


def _malformed(body: dict[str, Any]) -> bool:
    """A field Bolt or a listener dereferences without checking, with the wrong shape."""
    if "event" in body and not isinstance(body["event"], dict):
        return True
    actions = body.get("actions", [])
    if not isinstance(actions, list) or not all(isinstance(a, dict) for a in actions):
        return True
    return any(body.get(k) is not None and not isinstance(body[k], dict) for k in _OBJECT_FIELDS)
