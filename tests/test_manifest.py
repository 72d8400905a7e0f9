"""app_manifest.yml is the single source of truth: it is a valid Slack manifest, and it agrees with the code.

- It validates against SchemaStore's Slack app manifest schema (JSON Schema draft-04, from the shared corpus).
- Its bot events, slash commands and bot scopes equal ``slackapp.manifest`` and what the real app registers
  and asks for at OAuth install; every manifest entry has a listener and every listener a manifest entry.
  Checked twice: by recording what ``create_app`` registers, and behaviourally, with signed HTTP requests
  (a manifest entry must never be answered 404 "unhandled request"; anything else must be).
- Every request URL points at ``/slack/events`` and the OAuth redirect at ``/slack/oauth_redirect``.
"""

from __future__ import annotations

import inspect
import json
import re
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import jsonschema
import pytest
import requests
import yaml
from slack_bolt import App

from slackapp import ids, manifest
from slackapp.app import INSTALL_PATH, REDIRECT_PATH, create_app
from slackapp.bootstrap import build_services
from slackapp.content import ContentLibrary
from slackapp.crypto import Vault
from slackapp.db import Database
from slackapp.emulator.sender import SlackSender
from slackapp.emulator.web_api import FakeSlack
from slackapp.server import BackgroundServer
from slackapp.services import Services
from slackapp.web import EVENTS_PATH, create_wsgi_app
from tests.conftest import REPO, SIGNING_SECRET
from workers import runtime

MANIFEST_FILE = REPO / "app_manifest.yml"
UNHANDLED = {"error": "unhandled request"}

# Deliberate deviations from the SchemaStore schema: JSON path ("/"-joined) → why it is right anyway.
# Empty: app_manifest.yml validates as it is. Anything added here must still fail (checked below), so the
# list cannot outlive the deviation it documents.
ALLOWED_SCHEMA_DEVIATIONS: dict[str, str] = {}

# Bolt's listener-registering methods, by the manifest section they must agree with.
EVENT_METHODS = ("event", "message")
COMMAND_METHODS = ("command",)
SHORTCUT_METHODS = ("shortcut", "global_shortcut", "message_shortcut")
INTERACTIVE_METHODS = ("action", "block_action", "attachment_action", "dialog_submission", "dialog_cancellation",
                       "dialog_suggestion", "view", "view_submission", "view_closed", "options", "block_suggestion")
OTHER_METHODS = ("function",)
REGISTERING_METHODS = EVENT_METHODS + COMMAND_METHODS + SHORTCUT_METHODS + INTERACTIVE_METHODS + OTHER_METHODS


# ---- the manifest -----------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def app_manifest() -> dict[str, Any]:
    loaded = yaml.safe_load(MANIFEST_FILE.read_text(encoding="utf-8"))
    assert isinstance(loaded, dict)
    return loaded


@pytest.fixture(scope="module")
def schema(corpus: Path) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((corpus / "slack_schemas" / "slack-app-manifest.schema.json").read_text())
    jsonschema.Draft4Validator.check_schema(loaded)
    return loaded


def _errors(schema: dict[str, Any], document: Any) -> dict[str, str]:
    validator = jsonschema.Draft4Validator(schema)
    return {"/".join(str(p) for p in error.absolute_path): error.message for error in validator.iter_errors(document)}


def bot_events(m: dict[str, Any]) -> list[str]:
    return list(m.get("settings", {}).get("event_subscriptions", {}).get("bot_events", []))


def slash_commands(m: dict[str, Any]) -> list[str]:
    return [c["command"] for c in m.get("features", {}).get("slash_commands", [])]


def shortcut_ids(m: dict[str, Any]) -> list[str]:
    return [s["callback_id"] for s in m.get("features", {}).get("shortcuts", [])]


def bot_scopes(m: dict[str, Any]) -> list[str]:
    return list(m.get("oauth_config", {}).get("scopes", {}).get("bot", []))


# ---- schema -----------------------------------------------------------------------------------------------------
def test_manifest_validates_against_the_slack_manifest_schema(
    app_manifest: dict[str, Any], schema: dict[str, Any]
) -> None:
    errors = _errors(schema, app_manifest)
    unexpected = {path: message for path, message in errors.items() if path not in ALLOWED_SCHEMA_DEVIATIONS}
    assert unexpected == {}
    stale = set(ALLOWED_SCHEMA_DEVIATIONS) - set(errors)
    assert stale == set(), f"documented deviations that no longer occur; remove them: {sorted(stale)}"


def test_the_schema_check_has_teeth(app_manifest: dict[str, Any], schema: dict[str, Any], corpus: Path) -> None:
    """The schema is old and strict (SOURCES.md): prove it rejects the mistakes it knows about, so a
    passing validation above means something."""
    examples = corpus / "slack_schemas" / "manifest_examples"

    def load(path: Path) -> Any:
        return yaml.safe_load(path.read_text()) if path.suffix == ".yml" else json.loads(path.read_text())

    passing = {p.name for p in examples.iterdir() if not _errors(schema, load(p))}
    assert passing == {"schemastore_example.yml", "schemastore_minimal.yml", "schemastore_slack-default-example.yml",
                       "node-slack-sdk_openid-connect_app_manifest.yml"}
    broken_name = {**app_manifest, "features": {**app_manifest["features"],
                                                 "bot_user": {"display_name": "flow coach"}}}
    assert "features/bot_user/display_name" in _errors(schema, broken_name)
    assert _errors(schema, {**app_manifest, "functions": {}})  # unknown top-level key
    too_long = {**app_manifest, "display_information": {**app_manifest["display_information"], "name": "x" * 36}}
    assert "display_information/name" in _errors(schema, too_long)


def test_bot_display_name_is_valid_for_slack(app_manifest: dict[str, Any]) -> None:
    assert re.fullmatch(r"[\w\-.]{1,80}", app_manifest["features"]["bot_user"]["display_name"])


# ---- manifest ↔ slackapp.manifest ------------------------------------------------------------------------------
def _no_duplicates(values: list[str]) -> list[str]:
    assert len(values) == len(set(values)), f"duplicates in {values}"
    return values


def test_manifest_agrees_with_slackapp_manifest(app_manifest: dict[str, Any]) -> None:
    assert set(_no_duplicates(bot_events(app_manifest))) == set(_no_duplicates(list(manifest.EVENTS)))
    assert set(_no_duplicates(slash_commands(app_manifest))) == set(_no_duplicates(list(manifest.COMMANDS)))
    assert set(_no_duplicates(bot_scopes(app_manifest))) == set(_no_duplicates(list(manifest.BOT_SCOPES)))
    assert set(_no_duplicates(shortcut_ids(app_manifest))) == set(_no_duplicates(list(manifest.SHORTCUTS)))
    assert ids.COMMAND in manifest.COMMANDS
    if slash_commands(app_manifest):
        assert "commands" in bot_scopes(app_manifest)  # Slack requires it for any slash command
    assert "user" not in app_manifest.get("oauth_config", {}).get("scopes", {}), "the app asks for no user scopes"
    assert not app_manifest["settings"]["event_subscriptions"].get("user_events")


def test_home_and_messages_tabs_are_enabled_because_the_app_uses_them(app_manifest: dict[str, Any]) -> None:
    home = app_manifest["features"]["app_home"]
    assert "app_home_opened" in manifest.EVENTS and home["home_tab_enabled"] is True  # views.publish
    assert home["messages_tab_enabled"] is True  # proactive DMs and the welcome


# ---- manifest ↔ what create_app registers ----------------------------------------------------------------------
class Registry:
    """Every listener-registering call create_app makes on the Bolt App: (method, constraint)."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, Any]] = []

    def of(self, methods: tuple[str, ...]) -> list[Any]:
        return [constraint for method, constraint in self.calls if method in methods]


@pytest.fixture
def registry(services: Services, monkeypatch: pytest.MonkeyPatch) -> tuple[Registry, App]:
    recorded = Registry()
    for name in REGISTERING_METHODS:
        original = getattr(App, name)
        first = list(inspect.signature(original).parameters)[1]  # the constraint, after self

        def spy(self: App, *args: Any, _original: Callable[..., Any] = original, _name: str = name,
                _first: str = first, **kwargs: Any) -> Any:
            recorded.calls.append((_name, args[0] if args else kwargs.get(_first)))
            return _original(self, *args, **kwargs)

        monkeypatch.setattr(App, name, spy)
    app = create_app(services)
    monkeypatch.undo()
    # Every listener the app holds was registered through one of the recorded methods.
    assert len(app._listeners) == len(recorded.calls), (len(app._listeners), recorded.calls)
    return recorded, app


def _names(constraints: list[Any]) -> list[str]:
    """Constraints must be plain strings (or {"type": ...} for events), so they can be compared to the manifest."""
    names = []
    for constraint in constraints:
        if isinstance(constraint, dict) and set(constraint) <= {"type", "subtype", "callback_id", "action_id"}:
            constraint = constraint.get("type") or constraint.get("callback_id") or constraint.get("action_id")
        if isinstance(constraint, re.Pattern):  # only "<an ids constant>" plus an optional ".<row>" suffix
            base = constraint.pattern.removeprefix("^").split("(", 1)[0].replace("\\", "")
            assert constraint.pattern == rf"^{re.escape(base)}(\.\d+)?$", constraint.pattern
            assert base in vars(ids).values(), f"{base!r} is not an id from slackapp/ids.py"
            constraint = base
        assert isinstance(constraint, str), f"register listeners with plain string ids, not {constraint!r}"
        names.append(constraint)
    return names


def test_registered_events_equal_the_manifest_bot_events(
    registry: tuple[Registry, App], app_manifest: dict[str, Any]
) -> None:
    recorded, _ = registry
    registered = _names(recorded.of(("event",)))
    if recorded.of(("message",)):
        registered.append("message")  # app.message listens to message events; the manifest must subscribe
    assert sorted(registered) == sorted(bot_events(app_manifest)) == sorted(manifest.EVENTS)


def test_registered_commands_equal_the_manifest_slash_commands(
    registry: tuple[Registry, App], app_manifest: dict[str, Any]
) -> None:
    recorded, _ = registry
    # /coach is registered twice: subcommands (matched, work after the ack) and help (answered in the ack)
    assert sorted(set(_names(recorded.of(COMMAND_METHODS)))) == sorted(slash_commands(app_manifest)) \
        == sorted(manifest.COMMANDS)


def test_registered_shortcuts_equal_the_manifest_shortcuts(
    registry: tuple[Registry, App], app_manifest: dict[str, Any]
) -> None:
    recorded, _ = registry
    assert sorted(_names(recorded.of(SHORTCUT_METHODS))) == sorted(shortcut_ids(app_manifest))
    for shortcut in app_manifest.get("features", {}).get("shortcuts", []):
        assert shortcut["type"] in ("global", "message")


def test_interactivity_is_enabled_exactly_when_something_needs_it(
    registry: tuple[Registry, App], app_manifest: dict[str, Any]
) -> None:
    recorded, _ = registry
    actions = _names(recorded.of(("action", "block_action")))
    assert set(actions) >= {ids.OPT_IN, ids.OPT_OUT, ids.PAUSE_WEEK, ids.RESUME}
    needs_it = bool(recorded.of(INTERACTIVE_METHODS + SHORTCUT_METHODS))
    assert app_manifest["settings"]["interactivity"]["is_enabled"] is needs_it
    assert recorded.of(OTHER_METHODS) == [], "custom functions would need a manifest `functions` section"


# ---- behaviour: signed requests through the real app over HTTP ------------------------------------------------
def _event_body(event_type: str) -> dict[str, Any]:
    """One event body that satisfies each of our listeners (extra keys are harmless)."""
    return {"type": event_type, "user": "UREPORT1", "channel": "DUREPORT1", "tab": "home",
            "tokens": {"oauth": [], "bot": []}, "event_ts": f"{time.time():.6f}"}


def test_every_manifest_event_and_command_is_handled(
    app_manifest: dict[str, Any], slack: SlackSender, fake_slack: FakeSlack
) -> None:
    for event_type in bot_events(app_manifest):
        reply = slack.event(_event_body(event_type))
        assert reply.status == 200, f"{event_type}: {reply.status} {reply.text}"
    for command in slash_commands(app_manifest):
        reply = slack.command("help", user_id="UREPORT1", command=command)
        assert reply.status == 200, f"{command}: {reply.status} {reply.text}"
        assert reply.json()["response_type"] == "ephemeral"
    for shortcut in app_manifest.get("features", {}).get("shortcuts", []):
        reply = slack.interactive({
            "type": "shortcut" if shortcut["type"] == "global" else "message_action",
            "callback_id": shortcut["callback_id"], "team": {"id": slack.team_id}, "user": {"id": "UREPORT1"},
            "trigger_id": "1.trigger", "token": "legacy", "api_app_id": slack.api_app_id,
        })
        assert reply.status == 200, f"{shortcut['callback_id']}: {reply.status} {reply.text}"
    time.sleep(0.3)  # let the lazy listeners finish before the fixtures tear down
    assert fake_slack.validation_errors == []


def _corpus_event_types(corpus: Path) -> set[str]:
    found: set[str] = set()
    for path in (corpus / "slack_payloads").rglob("*.json"):
        data = json.loads(path.read_text())
        event = data.get("event") if isinstance(data, dict) else None
        if isinstance(event, dict) and event.get("type"):
            found.add(event["type"])
    return found


def test_events_commands_and_shortcuts_outside_the_manifest_are_not_handled(
    app_manifest: dict[str, Any], corpus: Path, slack: SlackSender, fake_slack: FakeSlack
) -> None:
    others = _corpus_event_types(corpus) - set(bot_events(app_manifest))
    assert len(others) >= 15, others
    for event_type in sorted(others):
        reply = slack.event({"type": event_type, "user": "UREPORT1", "channel": "C1", "event_ts": "1.000001"})
        assert (reply.status, reply.json()) == (404, UNHANDLED), event_type
    reply = slack.command("help", user_id="UREPORT1", command="/not-flowcoach")
    assert (reply.status, reply.json()) == (404, UNHANDLED)
    declared = {(s["callback_id"], "shortcut" if s["type"] == "global" else "message_action")
                for s in app_manifest.get("features", {}).get("shortcuts", [])}
    for callback_id in (ids.SHORTCUT_MICRO_ASSIGNMENT, ids.SHORTCUT_COACH, "someone_elses_shortcut"):
        for kind in ("shortcut", "message_action"):
            reply = slack.interactive({"type": kind, "callback_id": callback_id, "team": {"id": slack.team_id},
                                       "user": {"id": "UREPORT1"}, "trigger_id": "1.trigger", "token": "legacy"})
            expected = 200 if (callback_id, kind) in declared else 404  # a message shortcut is no global one
            assert reply.status == expected, (kind, callback_id, reply.text)
    time.sleep(0.2)
    assert fake_slack.calls_to("views.publish") == [] and fake_slack.calls_to("chat.postMessage") == []


# ---- URLs ------------------------------------------------------------------------------------------------------
def test_every_request_url_points_at_slack_events_and_the_redirect_at_oauth_redirect(
    app_manifest: dict[str, Any], slack: SlackSender
) -> None:
    settings = app_manifest["settings"]
    urls = [c["url"] for c in app_manifest["features"].get("slash_commands", [])]
    urls.append(settings["event_subscriptions"]["request_url"])
    urls.append(settings["interactivity"]["request_url"])
    urls += [s["url"] for s in app_manifest["features"].get("unfurl_domains", []) if isinstance(s, dict)]
    assert len(urls) >= 3
    for url in urls:
        assert url.startswith("https://") and url.endswith("/slack/events"), url
        assert urlparse(url).path == EVENTS_PATH
    assert urlparse(slack.events_url).path == EVENTS_PATH  # where the app really listens
    redirects = app_manifest["oauth_config"]["redirect_urls"]
    assert redirects
    for url in redirects:
        assert url.startswith("https://") and url.endswith("/slack/oauth_redirect"), url
        assert urlparse(url).path == REDIRECT_PATH
    hosts = {urlparse(u).netloc for u in [*urls, *redirects]}
    assert len(hosts) == 1, f"every URL should name the same public host: {hosts}"


# ---- the OAuth install asks for exactly the manifest's bot scopes ------------------------------------------------
@pytest.fixture
def oauth_server(
    fake_slack: FakeSlack, database_url: str, db: Database, redis_conn: Any, content_library: ContentLibrary
) -> Iterator[tuple[BackgroundServer, App]]:
    from slackapp.settings import load_settings

    settings = load_settings({
        "SLACK_SIGNING_SECRET": SIGNING_SECRET, "SLACK_CLIENT_ID": "1111.2222", "SLACK_CLIENT_SECRET": "shh",
        "FLOWCOACH_SECRET_KEY": Vault.generate_key(), "SLACK_API_URL": fake_slack.url,
        "DATABASE_URL": database_url, "FLOWCOACH_CONTENT_DIR": str(REPO / "content"),
    })
    built = build_services(settings, redis=redis_conn, content=content_library, db=db)
    runtime.install(built)
    app = create_app(built)
    server = BackgroundServer(create_wsgi_app(app, built)).start()
    yield server, app
    server.stop()
    runtime.install(None)


def test_the_oauth_install_asks_for_exactly_the_manifest_bot_scopes(
    oauth_server: tuple[BackgroundServer, App], app_manifest: dict[str, Any]
) -> None:
    server, app = oauth_server
    assert app.oauth_flow is not None
    assert app.oauth_flow.install_path == INSTALL_PATH
    assert app.oauth_flow.redirect_uri_path == REDIRECT_PATH == urlparse(app_manifest["oauth_config"]
                                                                           ["redirect_urls"][0]).path
    response = requests.get(server.url + INSTALL_PATH, allow_redirects=False, timeout=5)
    assert response.status_code in (200, 302), response.text
    page = response.headers["Location"] if response.status_code == 302 else response.text
    match = re.search(r"https://slack\.com/oauth/v2/authorize\?[^\"'\s<>]+", page)
    assert match, page
    query = parse_qs(urlparse(match.group(0).replace("&amp;", "&")).query, keep_blank_values=True)
    asked = query["scope"][0].split(",")
    assert sorted(asked) == sorted(bot_scopes(app_manifest)) == sorted(manifest.BOT_SCOPES)
    assert query.get("user_scope", [""]) == [""]
    # The redirect route exists (a request without a code is refused, but not as an unknown path).
    callback = requests.get(server.url + REDIRECT_PATH, allow_redirects=False, timeout=5)
    assert callback.status_code != 404 and callback.status_code < 500


def test_the_readme_documents_every_subcommand_and_the_shortcut(registry: tuple[Registry, App]) -> None:
    """The manifest, the registered listeners and the README agree (the subcommands come from the code)."""
    from slackapp.listeners.subcommands import help_entries

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    table = [line for line in readme.splitlines() if line.startswith("| `/coach")]
    for usage, _summary in help_entries():
        word = usage.split()[0]
        assert any(f"`/coach {word}" in line or f"`{usage.split(' [')[0]}`" in line for line in table), usage
    assert "Turn into a micro-assignment" in readme
