"""Every request body Slack could send us, taken from the shared corpus, dispatched signed over HTTP.

Sources (see ../shared/corpus/SOURCES.md):

- ``bolt-python-extracted/``: real-shaped bodies. ``event_*``/``url_verification*`` are Events API JSON
  bodies; interactivity kinds are sent form-encoded as ``payload=<json>``; ``slash_command__*.form.txt``
  are raw form bodies. ``inner_event_*`` is only the inner ``event`` object, so it is wrapped in an
  ``event_callback`` envelope.
- ``java-slack-sdk/events`` and ``java-slack-sdk/app-backend``: masked shape samples (blank strings, ``false``,
  ``12345``). Sent as they are (events as JSON, interactive payloads form-encoded, the slash command as form
  fields), because a hostile or odd body must never break the app.

Web API responses and Block Kit samples in the corpus are not requests Slack sends to an app; they are
listed explicitly in ``NOT_INBOUND`` so that a new, unclassified corpus file fails this module.

The rule everywhere: never a 5xx. Beyond that, each kind of request gets the exact status the app gives
(``STATUS_BY_KIND``), and nothing the app sends back to Slack afterwards is invalid Block Kit.
"""

from __future__ import annotations

import json
import logging
import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode

import pytest

from slackapp import ids, manifest
from slackapp.emulator.sender import Reply, SlackSender
from slackapp.emulator.validation import validate_blocks
from slackapp.emulator.web_api import FakeSlack
from tests.conftest import CORPUS

PAYLOADS = CORPUS / "slack_payloads"
LAZY_GRACE_SECONDS = 0.25  # lazy listeners run after the ack; give them time to call the Web API
UNHANDLED = {"error": "unhandled request"}  # Bolt's answer when no listener matches

# Corpus directories that hold requests Slack sends to an app, and those that do not.
INBOUND = ("bolt-python-extracted", "java-slack-sdk/events", "java-slack-sdk/app-backend")
NOT_INBOUND = {
    "java-slack-sdk/api": "Web API responses (what Slack answers us, not what it sends us)",
    "java-slack-sdk/blockkit": "Block Kit we would send, not a request",
    "python-slack-sdk/api": "Web API responses",
    "python-slack-sdk/blockkit": "Block Kit views we would send, not a request",
}
INTERACTIVE_KINDS = frozenset({
    "block_actions", "block_suggestion", "view_submission", "view_closed", "shortcut", "message_action",
    "interactive_message", "dialog_submission", "dialog_cancellation", "dialog_suggestion",
})

# The status the app answers, per kind of request (observed, and why it is right).
STATUS_BY_KIND: dict[str, tuple[int, str]] = {
    "url_verification": (200, "Bolt echoes the challenge"),
    **{f"event_callback:{name}": (200, "subscribed in the manifest: acked, handled in a lazy listener")
       for name in manifest.EVENTS},
    "event_callback:*": (404, "an event this app does not subscribe to: no listener"),
    "masked_envelope:*": (404, "masked envelope (type ''): not an event_callback, so no listener matches"),
    **{f"slash_command:{name}": (200, "our command: answered in the ack") for name in manifest.COMMANDS},
    "slash_command:*": (404, "not our command"),
    **{kind: (404, "no listener for these callback/action ids (ours are fc_*)") for kind in INTERACTIVE_KINDS},
}

# Org-wide (Enterprise Grid) install payloads carry no team id; the app is not org-deployable, so the
# listeners ignore them (tested below: no listener error, nothing published).
KNOWN_LISTENER_ERRORS: dict[str, str] = {}


# ---- the corpus ------------------------------------------------------------------------------------------------
def _inbound_files() -> list[Path]:
    found: list[Path] = []
    for folder in INBOUND:
        found += sorted(p for p in (PAYLOADS / folder).rglob("*") if p.is_file())
    return found


def _params() -> list[Any]:
    files = _inbound_files()
    if not files:  # a missing corpus must fail, not collect zero tests
        return [pytest.param(None, id="corpus-missing")]
    names = [p.name for p in files]
    assert len(set(names)) == len(names), "corpus file names must be unique to serve as test ids"
    return [pytest.param(p.relative_to(PAYLOADS).as_posix(), id=p.name) for p in files]


def _form_fields(data: dict[str, Any]) -> dict[str, str]:
    return {k: str(v).lower() if isinstance(v, bool) else str(v) for k, v in data.items()}


def _kind(relpath: str, body: bytes, content_type: str) -> str:
    """The kind of request a body is, as the app sees it."""
    if content_type.startswith("application/x-www-form-urlencoded"):
        fields = dict(parse_qsl(body.decode(), keep_blank_values=True))
        if "payload" not in fields:
            return f"slash_command:{fields.get('command', '')}"
        payload = json.loads(fields["payload"])
        return str(payload.get("type"))
    data = json.loads(body)
    if data.get("type") == "url_verification":
        return "url_verification"
    if data.get("type") == "event_callback":
        return f"event_callback:{data['event']['type']}"
    assert "event" in data, relpath
    return f"masked_envelope:{data['event']['type']}"


def _expected(kind: str) -> tuple[int, str]:
    if kind in STATUS_BY_KIND:
        return STATUS_BY_KIND[kind]
    family = kind.split(":")[0] + ":*"
    assert family in STATUS_BY_KIND, f"unclassified kind of request {kind!r}: add it to STATUS_BY_KIND"
    return STATUS_BY_KIND[family]


def _request_for(relpath: str, slack: SlackSender) -> tuple[bytes, str]:
    """The exact body (and content type) Slack would POST for this corpus file."""
    path = PAYLOADS / relpath
    raw = path.read_bytes()
    name = path.name
    if name.endswith(".form.txt"):
        return raw.strip(), "application/x-www-form-urlencoded"
    data = json.loads(raw)
    if relpath.startswith("java-slack-sdk/app-backend/slash-commands/"):
        return urlencode(_form_fields(data)).encode(), "application/x-www-form-urlencoded"
    if name.startswith("inner_event_"):  # only the inner event: wrap it as Slack does
        envelope = {"token": "legacy", "team_id": slack.team_id, "api_app_id": slack.api_app_id, "event": data,
                    "type": "event_callback", "event_id": "EvCORPUSINNER", "event_time": int(time.time()),
                    "authorizations": [{"enterprise_id": None, "team_id": slack.team_id, "user_id": "UBOT",
                                        "is_bot": True, "is_enterprise_install": False}]}
        return json.dumps(envelope).encode(), "application/json"
    if "event" in data or data.get("type") == "url_verification":
        return raw, "application/json"
    assert data.get("type") in INTERACTIVE_KINDS, f"{relpath}: unknown interactive type {data.get('type')!r}"
    return urlencode({"payload": raw.decode()}).encode(), "application/x-www-form-urlencoded"


def _add_corpus_users(fake_slack: FakeSlack, body: bytes, content_type: str) -> None:
    """Users named in real samples exist in the workspace, so listeners run their whole happy path."""
    if content_type != "application/json":
        return
    event = json.loads(body).get("event")
    user = event.get("user") if isinstance(event, dict) else None
    if isinstance(user, str) and re.fullmatch(r"[UW][A-Z0-9]+", user):
        fake_slack.add_user(user, name=user.lower(), tz="Europe/London", email=f"{user.lower()}@example.com")


def _settle(fake_slack: FakeSlack, *, lazy_work: bool = True) -> None:
    # Only an acked (200) request starts lazy listeners. The short pause otherwise keeps the server's
    # post-response wake-up away from BackgroundServer.stop(): stop() appends its thunk, then writes to the
    # trigger pipe, and a loop already woken by a worker can run the thunk (closing that pipe) in between.
    time.sleep(LAZY_GRACE_SECONDS if lazy_work else 0.05)
    assert fake_slack.validation_errors == []
    assert fake_slack.internal_errors == []


def _ack_blocks_are_valid(reply: Reply) -> None:
    """An ack that carries a message must be valid Block Kit too (Slack would reject it)."""
    body = reply.json() if reply.text.startswith("{") else None
    if isinstance(body, dict) and "blocks" in body:
        assert validate_blocks(body["blocks"], max_blocks=50) == []
        assert len(body.get("text", "")) <= 40_000


def _listener_errors(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]


# ---- every corpus request ---------------------------------------------------------------------------------------
def test_the_corpus_has_inbound_requests_and_every_file_is_classified(corpus: Path) -> None:
    root = corpus / "slack_payloads"
    every = {p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()}
    inbound = {p for p in every if p.startswith(tuple(f + "/" for f in INBOUND))}
    not_inbound = {p for p in every if p.startswith(tuple(f + "/" for f in NOT_INBOUND))}
    assert every == inbound | not_inbound, f"unclassified corpus files: {sorted(every - inbound - not_inbound)}"
    assert len(inbound) >= 70, len(inbound)
    assert {p.relative_to(root).as_posix() for p in _inbound_files()} == inbound


@pytest.mark.parametrize("relpath", _params())
def test_corpus_request_is_answered_without_a_server_error(
    relpath: str | None, corpus: Path, slack: SlackSender, fake_slack: FakeSlack, caplog: pytest.LogCaptureFixture
) -> None:
    assert relpath is not None, f"no inbound Slack payloads found under {corpus / 'slack_payloads'}"
    caplog.set_level(logging.WARNING)
    body, content_type = _request_for(relpath, slack)
    kind = _kind(relpath, body, content_type)
    expected, why = _expected(kind)
    _add_corpus_users(fake_slack, body, content_type)

    reply = slack.post(body, content_type=content_type)

    assert reply.status < 500, reply.text
    assert reply.status == expected, f"{kind}: expected {expected} ({why}), got {reply.status} {reply.text[:200]}"
    if kind == "url_verification":
        assert reply.json() == {"challenge": json.loads(body)["challenge"]}
    elif expected == 404:
        assert reply.json() == UNHANDLED
    else:
        _ack_blocks_are_valid(reply)
    if kind == "event_callback:app_home_opened":
        event = json.loads(body)["event"]
        if event.get("tab", "home") == "home":  # the Home tab is (re)published for this user, validly
            call = fake_slack.wait_for("views.publish")[0]
            assert call.args["user_id"] == event["user"]
    _settle(fake_slack, lazy_work=reply.status == 200)
    if Path(relpath).name in KNOWN_LISTENER_ERRORS:
        deadline = time.monotonic() + 5
        while not _listener_errors(caplog) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert _listener_errors(caplog), f"fixed? remove it from KNOWN_LISTENER_ERRORS: {relpath}"
    else:
        assert _listener_errors(caplog) == []


# ---- masked samples of our own surfaces: blank ids and values must not break the listeners ------------------------
def _masked(relpath: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((PAYLOADS / relpath).read_text())
    return data


_MASKED_EVENTS = {"app_home_opened": "AppHomeOpenedPayload.json", "app_uninstalled": "AppUninstalledPayload.json",
                  "tokens_revoked": "TokensRevokedPayload.json"}
_OUR_ACTIONS = (ids.OPT_IN, ids.OPT_OUT, ids.PAUSE_WEEK, ids.RESUME)


def test_every_subscribed_event_has_a_masked_sample() -> None:
    assert set(_MASKED_EVENTS) == set(manifest.EVENTS)


@pytest.mark.parametrize("event_type", sorted(_MASKED_EVENTS))
def test_masked_sample_of_a_subscribed_event_as_an_event_callback(
    event_type: str, corpus: Path, slack: SlackSender, fake_slack: FakeSlack
) -> None:
    data = _masked(f"java-slack-sdk/events/{_MASKED_EVENTS[event_type]}")
    assert data["event"]["type"] == event_type
    data["type"] = "event_callback"  # the mask blanked it; every other value stays blank
    reply = slack.post(json.dumps(data).encode(), content_type="application/json")
    assert reply.status == 200, reply.text
    _settle(fake_slack)


@pytest.mark.parametrize("command", manifest.COMMANDS)
def test_masked_slash_command_sample_for_our_command(
    command: str, corpus: Path, slack: SlackSender, fake_slack: FakeSlack
) -> None:
    fields = _form_fields({**_masked("java-slack-sdk/app-backend/slash-commands/SlashCommandPayload.json"),
                           "command": command})
    reply = slack.post_form(fields)
    assert reply.status == 200, reply.text
    _ack_blocks_are_valid(reply)  # blank text: the help listing, in the ack
    assert "blocks" in reply.json()
    _settle(fake_slack)


@pytest.mark.parametrize("action_id", _OUR_ACTIONS)
def test_masked_block_actions_sample_with_our_action_id(
    action_id: str, corpus: Path, slack: SlackSender, fake_slack: FakeSlack
) -> None:
    payload = _masked("java-slack-sdk/app-backend/interactive-components/BlockActionPayload.json")
    assert payload["actions"], "the masked sample has actions"
    payload["actions"] = [{**payload["actions"][0], "action_id": action_id}]
    reply = slack.post_form({"payload": json.dumps(payload)})
    assert reply.status == 200, reply.text
    _settle(fake_slack)


# ---- hostile variants built from real samples ---------------------------------------------------------------------
def _real(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((PAYLOADS / "bolt-python-extracted" / name).read_text())
    return data


def _real_command_fields() -> dict[str, str]:
    raw = (PAYLOADS / "bolt-python-extracted" / "slash_command__flask_L157.form.txt").read_text().strip()
    return dict(parse_qsl(raw, keep_blank_values=True))


BLOCK_ACTIONS = "block_actions__block_actions_L161.json"
HOME_OPENED = "event_app_home_opened__events_org_apps_L153.json"
# Malformed bodies that Bolt would crash on are refused with 400 by slackapp/web.py before Bolt sees them.

_HOSTILE: dict[str, tuple[Callable[[SlackSender], Reply], set[int]]] = {
    "payload-field-not-json": (lambda s: s.post_form({"payload": "{not json"}), {400}),
    "payload-json-is-a-list": (lambda s: s.post_form({"payload": json.dumps([_real(BLOCK_ACTIONS)])}), {400}),
    "payload-json-is-a-string": (lambda s: s.post_form({"payload": json.dumps("block_actions")}), {400}),
    "json-body-is-a-list": (
        lambda s: s.post(json.dumps([_real(HOME_OPENED)]).encode(), content_type="application/json"), {400}),
    "json-body-not-json": (lambda s: s.post(b'{"type": "event_callback",', content_type="application/json"), {400}),
    "empty-json-body": (lambda s: s.post(b"", content_type="application/json"), {400, 404}),
    "interactive-payload-missing-type": (
        lambda s: s.post_form({"payload": json.dumps({k: v for k, v in _real(BLOCK_ACTIONS).items() if k != "type"})}),
        {404}),
    "event-envelope-missing-type": (
        lambda s: s.post(json.dumps({k: v for k, v in _real(HOME_OPENED).items() if k != "type"}).encode(),
                         content_type="application/json"), {404}),
    "event-callback-without-event-key": (
        lambda s: s.post(json.dumps({k: v for k, v in _real(HOME_OPENED).items() if k != "event"}).encode(),
                         content_type="application/json"), {404}),
    "event-is-null": (
        lambda s: s.post(json.dumps({**_real(HOME_OPENED), "event": None}).encode(), content_type="application/json"),
        {400}),
    "event-is-a-list": (
        lambda s: s.post(json.dumps({**_real(HOME_OPENED), "event": [1]}).encode(), content_type="application/json"),
        {400}),
    "block-actions-actions-null": (
        lambda s: s.post_form({"payload": json.dumps({**_real(BLOCK_ACTIONS), "actions": None})}), {400}),
    "app-home-opened-without-user": (
        lambda s: s.post(json.dumps({**_real(HOME_OPENED), "event": {"type": "app_home_opened", "tab": "home"}})
                         .encode(), content_type="application/json"), {200}),
}


@pytest.mark.parametrize(
    "case", list(_HOSTILE))
def test_hostile_variant_is_never_a_server_error(
    case: str, corpus: Path, slack: SlackSender, fake_slack: FakeSlack
) -> None:
    send, acceptable = _HOSTILE[case]
    reply = send(slack)
    assert reply.status < 500, f"{case}: {reply.status} {reply.text[:200]}"
    assert reply.status in acceptable, f"{case}: {reply.status} {reply.text[:200]}"
    _settle(fake_slack)
    assert fake_slack.calls_to("views.publish") == []


@pytest.mark.parametrize("text", ["x" * 10_000, "pause " + "x" * 10_000, "status " + "é" * 10_000])
def test_ten_kilobytes_of_text_in_a_real_slash_command(
    text: str, corpus: Path, slack: SlackSender, fake_slack: FakeSlack
) -> None:
    fields = {**_real_command_fields(), "command": ids.COMMAND, "team_id": slack.team_id, "text": text,
              "response_url": fake_slack.response_url("big")}
    reply = slack.post_form(fields)
    assert reply.status == 200, reply.text
    assert len(reply.text) < 10_000  # the reply quotes at most a short prefix of what was typed
    _ack_blocks_are_valid(reply)
    _settle(fake_slack)
    for call in fake_slack.calls_to("response_url"):  # subcommand answers arrive through response_url
        assert validate_blocks(call.args.get("blocks", []), max_blocks=50) == []
        assert len(json.dumps(call.args)) < 10_000


def test_ten_kilobytes_of_text_in_an_event_we_do_not_subscribe_to(
    corpus: Path, slack: SlackSender, fake_slack: FakeSlack
) -> None:
    body = _real("event_message__message_L253.json")
    body["event"]["text"] = "x" * 10_000
    reply = slack.post(json.dumps(body).encode(), content_type="application/json")
    assert reply.status == 404 and reply.json() == UNHANDLED
    _settle(fake_slack)


def test_app_home_opened_by_a_user_slack_does_not_know(
    corpus: Path, slack: SlackSender, fake_slack: FakeSlack
) -> None:
    event = {**_real("inner_event_app_home_opened_tab_home__payload_utils_L111.json"), "user": "WNOBODY"}
    reply = slack.event(event)
    assert reply.status == 200, reply.text
    lookups = fake_slack.wait_for("users.info")
    assert lookups[0].args["user"] == "WNOBODY"
    _settle(fake_slack)
    assert fake_slack.calls_to("views.publish") == []  # nothing half-built is published
