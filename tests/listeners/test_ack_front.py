"""The ack front answers before Bolt routes a request, and only when the answer is known up front."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import re
import threading
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode

import pytest
from slack_bolt import Ack, BoltRequest

from slackapp import ids
from slackapp.ack_front import AckFront, Answer
from slackapp.app import create_app
from slackapp.emulator.sender import SlackSender
from slackapp.emulator.signing import signed_headers
from slackapp.emulator.web_api import FakeSlack
from slackapp.listeners.commands import COMMAND_ANSWERS
from slackapp.routes import RoutedApp, Routes
from slackapp.server import BackgroundServer
from slackapp.services import Services
from slackapp.web import create_wsgi_app
from tests.conftest import SIGNING_SECRET

FORM = "application/x-www-form-urlencoded"


def _lower(headers: dict[str, str]) -> dict[str, str]:
    return {name.lower(): value for name, value in headers.items()}


def _click(action_id: str) -> bytes:
    payload = {"type": "block_actions", "team": {"id": "T0001"}, "user": {"id": "UREPORT1"}, "token": "legacy",
               "trigger_id": "1.2.t", "actions": [{"type": "button", "action_id": action_id, "block_id": "b"}]}
    return urlencode({"payload": json.dumps(payload)}).encode()


def _command(text: str) -> bytes:
    return urlencode({"team_id": "T0001", "user_id": "UREPORT1", "command": ids.COMMAND, "text": text,
                      "channel_id": "DREPORT1", "response_url": "https://hooks.invalid/r", "trigger_id": "1.2.t"}
                     ).encode()


def _decide(front: AckFront, body: bytes, **signing: Any) -> Any:
    return front.decide(body, _lower(signed_headers(body, secret=SIGNING_SECRET, content_type=FORM, **signing)))


@pytest.fixture
def app(services: Services) -> RoutedApp:
    return create_app(services)


@pytest.fixture
def front(app: RoutedApp) -> AckFront:
    return AckFront(SIGNING_SECRET, routes=app.routes, command_answers=COMMAND_ANSWERS)


def test_a_click_on_a_button_with_a_listener_is_acked_empty_then_dispatched(front: AckFront) -> None:
    verdict = _decide(front, _click(ids.PAUSE_WEEK))
    assert verdict.answer == Answer(status=200, body=b"", dispatch_after=True)
    assert verdict.request.body["actions"][0]["action_id"] == ids.PAUSE_WEEK  # parsed once, handed to Bolt


def test_requests_nobody_listens_to_and_modal_submissions_are_left_to_bolt(front: AckFront) -> None:
    assert _decide(front, _click("someone_elses_button")).answer is None  # Bolt answers 404
    submission = urlencode({"payload": json.dumps({"type": "view_submission", "team": {"id": "T0001"},
                                                   "user": {"id": "U1"}, "view": {"callback_id": "x"}})})
    assert _decide(front, submission.encode()).answer is None  # its answer may carry validation errors


@pytest.mark.parametrize("text", ["", "help", "dance", "HELP"])
def test_coach_help_up_front_is_exactly_what_the_bolt_listener_answers(
    front: AckFront, app: RoutedApp, text: str
) -> None:
    body = _command(text)
    verdict = _decide(front, body)
    assert verdict.answer is not None and not verdict.answer.dispatch_after
    headers = signed_headers(body, secret=SIGNING_SECRET, content_type=FORM)
    from_bolt = app.dispatch(BoltRequest(body=body.decode(), headers=_lower(headers)))
    assert from_bolt.status == 200
    assert json.loads(verdict.answer.body) == json.loads(from_bolt.body)


def test_a_subcommand_is_acked_empty_and_runs_after_the_answer(front: AckFront) -> None:
    assert _decide(front, _command("pause 3d")).answer == Answer(dispatch_after=True)


@pytest.mark.parametrize(("problem", "status"), [("wrong secret", 401), ("stale", 401), ("not a number", 400)])
def test_unsigned_or_stale_requests_are_refused_before_anything_is_parsed(
    front: AckFront, problem: str, status: int
) -> None:
    body = b"payload=%7Bnot json"  # never parsed: the signature check comes first
    if problem == "wrong secret":
        headers = signed_headers(body, secret="nope", content_type=FORM)
    else:
        stamp = int(time.time()) - 6 * 60 if problem == "stale" else "soon"
        headers = signed_headers(body, secret=SIGNING_SECRET, content_type=FORM, timestamp=stamp)
    verdict = front.decide(body, _lower(headers))
    assert verdict.request is None and verdict.answer is not None
    assert verdict.answer.status == status


@pytest.mark.parametrize("body", [b"payload=%7Bnot json", b"payload=%5B1%2C2%5D",
                                  b'payload={"type":"block_actions","actions":["x"]}',
                                  b'payload={"type":"block_actions","team":"T1","actions":[]}'])
def test_malformed_bodies_get_400(front: AckFront, body: bytes) -> None:
    verdict = _decide(front, body)
    assert verdict.request is None and verdict.answer is not None and verdict.answer.status == 400


def test_an_unsigned_ssl_check_is_left_to_bolt_even_when_it_looks_like_a_click(front: AckFront) -> None:
    body = _click(ids.PAUSE_WEEK) + b"&ssl_check=1"
    verdict = front.decide(body, {"content-type": FORM})  # no signature at all
    assert verdict.request is not None and verdict.answer is None  # Bolt checks it (and refuses it)


def test_a_signed_body_that_is_not_utf8_gets_400(front: AckFront) -> None:
    body, stamp = b"payload=\xff\xfe", str(int(time.time()))
    signature = "v0=" + hmac.new(SIGNING_SECRET.encode(), b"v0:" + stamp.encode() + b":" + body,
                                 hashlib.sha256).hexdigest()
    verdict = front.decide(body, {"x-slack-request-timestamp": stamp, "x-slack-signature": signature})
    assert verdict.answer is not None and verdict.answer.status == 400


def test_a_workspace_that_has_not_installed_the_app_is_left_to_bolt(app: RoutedApp) -> None:
    installed: list[str] = []
    front = AckFront(SIGNING_SECRET, routes=app.routes, command_answers=COMMAND_ANSWERS,
                     is_installed=lambda context: context.team_id in installed)
    assert _decide(front, _command("help")).answer is None  # Bolt tells the person to install
    installed.append("T0001")
    assert _decide(front, _command("help")).answer is not None


def test_routes_know_ids_patterns_events_and_which_kind_of_shortcut() -> None:
    routes = Routes()
    routes.add_action("fc_a")
    routes.add_action(re.compile(r"^fc_row(\.\d+)?$"))
    routes.add_event("app_home_opened")
    routes.add_shortcut("fc_msg", ("message_action",))
    assert routes.has_listener({"type": "block_actions", "actions": [{"action_id": "fc_a"}]})
    assert routes.has_listener({"type": "block_actions", "actions": [{"action_id": "fc_row.3"}]})
    assert not routes.has_listener({"type": "block_actions", "actions": [{"action_id": "fc_rowdy"}]})
    assert not routes.has_listener({"type": "block_actions", "actions": []})
    assert routes.has_listener({"type": "event_callback", "event": {"type": "app_home_opened"}})
    assert not routes.has_listener({"type": "event_callback", "event": {"type": "app_mention"}})
    assert routes.has_listener({"type": "message_action", "callback_id": "fc_msg"})
    assert not routes.has_listener({"type": "shortcut", "callback_id": "fc_msg"})  # a message shortcut only
    routes.add_action({"block_id": "b"})  # a constraint the table can't index: every click goes through Bolt
    assert not routes.has_listener({"type": "block_actions", "actions": [{"action_id": "fc_a"}]})


# ---- over HTTP: the answer really goes out before the listener runs ---------------------------------------------
@pytest.fixture
def gated(services: Services) -> Iterator[tuple[SlackSender, threading.Event, list[str]]]:
    """The real app plus one test button whose listener waits for a gate before it even acks."""
    app = create_app(services)
    gate, ran = threading.Event(), []

    def slow_listener(ack: Ack) -> None:
        gate.wait(10)
        ack()
        ran.append("clicked")

    app.action("test_slow_button")(slow_listener)
    app.action("test_refused_button", matchers=[lambda: False])(lambda ack: ack())
    server = BackgroundServer(create_wsgi_app(app, services)).start()
    yield SlackSender(app_url=server.url, signing_secret=SIGNING_SECRET), gate, ran
    gate.set()
    server.stop()


def test_a_click_is_answered_while_its_listener_is_still_waiting(
    gated: tuple[SlackSender, threading.Event, list[str]],
) -> None:
    sender, gate, ran = gated
    reply = sender.block_action("test_slow_button", user_id="UREPORT1")
    assert (reply.status, reply.text, ran) == (200, "", [])  # answered; the listener has not even acked
    gate.set()
    deadline = time.monotonic() + 5
    while not ran and time.monotonic() < deadline:
        time.sleep(0.01)
    assert ran == ["clicked"]  # and Bolt still ran it afterwards


def test_a_click_answered_early_that_bolt_then_refuses_is_logged_by_id(
    gated: tuple[SlackSender, threading.Event, list[str]], caplog: pytest.LogCaptureFixture,
    fake_slack: FakeSlack,
) -> None:
    sender, _, _ = gated
    with caplog.at_level(logging.WARNING, logger="slackapp.listeners.lazy"):
        assert sender.block_action("test_refused_button", user_id="UREPORT1").status == 200
        deadline = time.monotonic() + 5
        while "test_refused_button" not in caplog.text and time.monotonic() < deadline:
            time.sleep(0.01)
    assert "answered early but not handled: 404 block_actions (test_refused_button)" in caplog.text
    assert fake_slack.calls_to("chat.postMessage") == []
