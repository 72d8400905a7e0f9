"""The front's body parser gives exactly the fields Bolt's own parser gives, for every corpus payload."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import parse_qsl, urlencode

import pytest
from slack_bolt import BoltRequest
from slack_bolt.request.internals import parse_body as bolt_parse_body

from slackapp.slack_body import ParsedRequest, form_fields, parse_body

FORM = "application/x-www-form-urlencoded"


def _corpus_payloads(corpus: Path) -> list[dict[str, object]]:
    found = []
    for path in sorted((corpus / "slack_payloads").rglob("*.json")):
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (ValueError, UnicodeDecodeError):
            continue
        if isinstance(data, dict):
            found.append(data)
    return found


def test_every_corpus_payload_parses_as_bolt_parses_it_in_both_encodings(corpus: Path) -> None:
    payloads = _corpus_payloads(corpus)
    assert len(payloads) >= 30
    for payload in payloads:
        as_form = urlencode({"payload": json.dumps(payload, ensure_ascii=False)})
        assert parse_body(as_form, FORM) == bolt_parse_body(as_form, FORM) == payload
        as_json = json.dumps(payload)
        assert parse_body(as_json, "application/json") == bolt_parse_body(as_json, "application/json")


@pytest.mark.parametrize("text", [
    "a=1&b=two+words&c=%2B%26%3D&d=&e", "x=caf%C3%A9&y=%E2%80%9Cq%E2%80%9D&z=%F0%9F%98%80",
    "bad=%ZZ%4&half=%C3&invalid=%FF%FE", "dup=1&dup=2", "&&a=1&", "k%20ey=v%3Dalue=more", "",
    "text=%3C%40U123%7Cmaria%3E+please+review+%60code%60+%2A*bold*%2A",
])
def test_form_fields_equal_parse_qsl(text: str) -> None:
    assert form_fields(text) == dict(parse_qsl(text, keep_blank_values=True))


def test_a_command_that_mentions_payload_keeps_its_fields() -> None:
    text = urlencode({"command": "/coach", "text": "what is a payload", "user_id": "U1"})
    assert parse_body(text, FORM)["text"] == "what is a payload"
    assert bolt_parse_body(text, FORM) == {}  # Bolt would have dropped every field


@pytest.mark.parametrize(("text", "content_type"), [
    ("[1, 2]", "application/json"), ("payload=%5B1%5D", FORM), ("payload=%22x%22", FORM), ("{not json", FORM),
    ("payload=%7Bnot+json", FORM),
])
def test_bodies_that_are_not_objects_are_refused(text: str, content_type: str) -> None:
    with pytest.raises(ValueError):
        parse_body(text, content_type)


def test_a_parsed_request_is_the_request_bolt_would_build() -> None:
    text = urlencode({"payload": json.dumps({"type": "block_actions", "team": {"id": "T1"}, "user": {"id": "U1"},
                                             "actions": [{"action_id": "a"}], "is_enterprise_install": False})})
    headers = {"content-type": FORM, "x-slack-signature": "v0=abc", "x-slack-request-timestamp": "1"}
    ours = ParsedRequest(raw_body=text, body=parse_body(text, FORM), query="", headers=headers)
    bolts = BoltRequest(body=text, query="", headers=headers)
    assert (ours.raw_body, ours.body, ours.headers, ours.mode) == (bolts.raw_body, bolts.body, bolts.headers, "http")
    assert dict(ours.context) == dict(bolts.context)
    copy = ours.to_copyable()  # what Bolt's lazy listeners get
    assert (copy.body, copy.mode) == (bolts.body, "http")
