"""Multi-workspace OAuth install, end to end over HTTP: install page → redirect → stored, encrypted
installation → signed requests authorized per team → uninstall / revoked tokens clean up."""

from __future__ import annotations

import json
import logging
import re
import time
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
import requests
import time_machine
from sqlalchemy import func, select

from slackapp.app import create_app
from slackapp.bootstrap import build_services
from slackapp.clock import utcnow
from slackapp.content import ContentLibrary
from slackapp.crypto import Vault
from slackapp.db import Database
from slackapp.db.models import Base, Delivery, OAuthState, SlackInstallation, Workspace
from slackapp.domain import deliveries
from slackapp.emulator.sender import Reply, SlackSender
from slackapp.emulator.web_api import FakeSlack
from slackapp.oauth_store import EncryptedInstallationStore
from slackapp.server import BackgroundServer
from slackapp.services import Services
from slackapp.settings import Settings, load_settings
from tests.conftest import REPO, SIGNING_SECRET
from tests.waiting import wait_until
from workers import runtime

CLIENT_ID = "1111.2222"
CLIENT_SECRET = "oauth-client-secret"
TEAM = "T0001"
STATE_COOKIE = "slack-app-oauth-state"


@pytest.fixture
def installed_token(fake_slack: FakeSlack) -> str:
    """The fake's oauth.v2.access accepts the code ``good-code`` once and issues this bot token."""
    token = fake_slack.set_oauth(CLIENT_ID, CLIENT_SECRET, code="good-code", user_scope="identify")
    assert token != "xoxb-test"  # distinct from the single-workspace token the fake also accepts
    return token


@pytest.fixture
def oauth_settings(fake_slack: FakeSlack, database_url: str) -> Settings:
    settings = load_settings({
        "SLACK_SIGNING_SECRET": SIGNING_SECRET, "SLACK_CLIENT_ID": CLIENT_ID, "SLACK_CLIENT_SECRET": CLIENT_SECRET,
        "FLOWCOACH_SECRET_KEY": Vault.generate_key(), "SLACK_API_URL": fake_slack.url,
        "DATABASE_URL": database_url, "FLOWCOACH_CONTENT_DIR": str(REPO / "content"),
    })
    assert settings.multi_workspace and settings.bot_token is None
    return settings


@pytest.fixture
def oauth_services(
    oauth_settings: Settings, db: Database, redis_conn: Any, content_library: ContentLibrary
) -> Iterator[Services]:
    built = build_services(oauth_settings, redis=redis_conn, content=content_library, db=db)
    runtime.install(built)
    yield built
    runtime.install(None)


@pytest.fixture
def server(oauth_services: Services) -> Iterator[BackgroundServer]:
    from slackapp.web import create_wsgi_app

    running = BackgroundServer(create_wsgi_app(create_app(oauth_services), oauth_services)).start()
    yield running
    running.stop()


@pytest.fixture
def sender(server: BackgroundServer, fake_slack: FakeSlack) -> SlackSender:
    return SlackSender(app_url=server.url, signing_secret=SIGNING_SECRET, team_id=TEAM,
                       response_url_base=fake_slack.response_url(""))


@pytest.fixture
def store(oauth_services: Services) -> EncryptedInstallationStore:
    assert isinstance(oauth_services.installation_store, EncryptedInstallationStore)
    return oauth_services.installation_store


# ---- helpers ---------------------------------------------------------------------------------------------


def begin_install(server: BackgroundServer) -> str:
    """GET /slack/install like a browser; returns the state (also set as the browser-binding cookie)."""
    response = requests.get(server.url + "/slack/install", allow_redirects=False, timeout=5)
    assert response.status_code in (200, 302), response.text
    link = response.headers["Location"] if response.status_code == 302 else response.text
    match = re.search(r"https://slack\.com/oauth/v2/authorize\?[^\"'\s]*state=([A-Za-z0-9_\-]+)", link)
    assert match, link
    state = match.group(1)
    cookie = response.headers.get("Set-Cookie", "")
    assert f"{STATE_COOKIE}={state}" in cookie and "HttpOnly" in cookie
    assert f"client_id={CLIENT_ID}" in link and "chat:write" in link and "commands" in link
    return state


def finish_install(server: BackgroundServer, *, state: str, code: str = "good-code",
                   cookie_state: str | None = None) -> requests.Response:
    """The browser coming back from slack.com. The state cookie is ``Secure``, which ``requests`` would
    not send over http, so it is set by hand, exactly as a browser on https would."""
    return requests.get(server.url + "/slack/oauth_redirect", params={"code": code, "state": state},
                        headers={"Cookie": f"{STATE_COOKIE}={cookie_state or state}"},
                        allow_redirects=False, timeout=10)


def install(server: BackgroundServer) -> requests.Response:
    response = finish_install(server, state=begin_install(server))
    assert response.status_code == 200, response.text
    return response


def count(db: Database, model: type[Base]) -> int:
    with db.session() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def every_stored_value(db: Database) -> Iterator[tuple[str, str, str]]:
    """(table, column, text) for every non-null value in every table of the schema."""
    with db.session() as session:
        for table in Base.metadata.sorted_tables:
            for row in session.execute(select(table)).mappings():
                for column, value in row.items():
                    if value is not None:
                        yield table.name, column, json.dumps(value, default=str)



def workspace(db: Database) -> Workspace | None:
    with db.session() as session:
        return session.scalar(select(Workspace).where(Workspace.team_id == TEAM))


def schedule_some_deliveries(db: Database) -> None:
    now = utcnow()
    with db.session() as session:
        for key, team in (("nudge:T0001:UREPORT1:a", TEAM), ("nudge:T0001:UREPORT2:b", TEAM),
                          ("nudge:T0002:UOTHER:c", "T0002")):
            deliveries.schedule(session, key=key, team_id=team, user_id=key.split(":")[2], kind="nudge",
                                due_at=now + timedelta(hours=1), now=now)
        sent = deliveries.schedule(session, key="nudge:T0001:UREPORT1:old", team_id=TEAM, user_id="UREPORT1",
                                   kind="nudge", due_at=now - timedelta(hours=1), now=now)
        sent.state, sent.sent_at, sent.ts = "sent", now, "1700000000.000100"


def delivery_states(db: Database) -> dict[str, str]:
    with db.session() as session:
        return {d.key: d.state for d in session.scalars(select(Delivery))}


def assert_left_workspace(db: Database, store: EncryptedInstallationStore, reason: str) -> None:
    wait_until(lambda: count(db, SlackInstallation) == 0, what="the installation to be deleted")
    wait_until(lambda: (w := workspace(db)) is not None and not w.active, what="the workspace to be inactive")
    assert store.find_bot(enterprise_id=None, team_id=TEAM) is None
    assert store.find_installation(enterprise_id=None, team_id=TEAM) is None
    found = workspace(db)
    assert found is not None and found.uninstalled_at is not None
    wait_until(lambda: delivery_states(db) == {
        "nudge:T0001:UREPORT1:a": "cancelled", "nudge:T0001:UREPORT2:b": "cancelled",
        "nudge:T0002:UOTHER:c": "scheduled",  # another workspace is untouched
        "nudge:T0001:UREPORT1:old": "sent",  # history is kept as it was
    }, what="the team's pending deliveries to be cancelled")
    with db.session() as session:
        reasons = {d.key: d.last_reason for d in session.scalars(select(Delivery))}
    assert reasons["nudge:T0001:UREPORT1:a"] == reason


def uninstalled_event(sender: SlackSender) -> Reply:
    return sender.event({"type": "app_uninstalled", "event_ts": f"{time.time():.6f}"})


def tokens_revoked_event(sender: SlackSender, *, bot: list[str], oauth: list[str]) -> Reply:
    return sender.event({"type": "tokens_revoked", "tokens": {"oauth": oauth, "bot": bot},
                         "event_ts": f"{time.time():.6f}"})


# ---- the install -----------------------------------------------------------------------------------------


def test_install_page_redirect_and_encrypted_storage(
    server: BackgroundServer, fake_slack: FakeSlack, installed_token: str, oauth_services: Services,
    store: EncryptedInstallationStore, caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO)  # what `flowcoach serve` logs (slack_sdk DEBUG dumps response bodies)
    state = begin_install(server)
    assert count(oauth_services.db, OAuthState) == 1  # issued server side, not only in the cookie

    response = finish_install(server, state=state)

    assert response.status_code == 200, response.text
    assert "Thank you" in response.text or "slack://" in response.text
    # The code was exchanged with the configured Web API (the fake), not slack.com.
    exchanges = fake_slack.calls_to("oauth.v2.access")
    assert len(exchanges) == 1 and exchanges[0].ok is True
    assert exchanges[0].args["code"] == "good-code"
    assert count(oauth_services.db, OAuthState) == 0  # the state is single use

    with oauth_services.db.session() as session:
        row = session.scalars(select(SlackInstallation)).one()
        assert (row.client_id, row.team_id, row.enterprise_id, row.user_id) == (CLIENT_ID, TEAM, None, "UINSTALLER")
        assert row.has_bot and not row.is_enterprise_install
        assert row.installed_at.tzinfo is not None
        encrypted = row.encrypted_installation
    assert installed_token not in encrypted
    assert installed_token in oauth_services.vault.decrypt(encrypted)
    user_token = f"xoxp-{TEAM}-UINSTALLER"
    leaks = [(table, column) for table, column, text in every_stored_value(oauth_services.db)
             if installed_token in text or user_token in text]
    assert leaks == []
    assert not [r for r in caplog.records if installed_token in r.getMessage() or user_token in r.getMessage()]

    bot = store.find_bot(enterprise_id=None, team_id=TEAM)
    assert bot is not None and bot.bot_token == installed_token and bot.bot_user_id == "UBOT"
    found = store.find_installation(enterprise_id=None, team_id=TEAM)
    assert found is not None and found.user_token == user_token
    assert oauth_services.clients.bot_token(TEAM) == installed_token

    # The workspace is known and active from the moment it is installed.
    known = workspace(oauth_services.db)
    assert known is not None and known.active and known.name == "Acme"


def test_installed_team_is_authorized_per_request(
    server: BackgroundServer, sender: SlackSender, fake_slack: FakeSlack, installed_token: str,
) -> None:
    install(server)
    reply = sender.command("help", user_id="UREPORT1")
    assert reply.status == 200
    body = reply.json()
    assert body["response_type"] == "ephemeral" and "/coach help" in json.dumps(body["blocks"])

    # The Home tab for that team: Bolt's MultiTeamsAuthorization looks the installation up and checks the
    # stored token, then the tab is published with it.
    checks_before = len(fake_slack.calls_to("auth.test"))
    assert sender.app_home_opened("UREPORT1").status == 200
    publish = fake_slack.wait_for("views.publish")[0]
    assert publish.token == installed_token and fake_slack.validation_errors == []
    auth_tests = fake_slack.calls_to("auth.test")
    assert len(auth_tests) > checks_before and auth_tests[-1].token == installed_token


def test_the_ack_front_asks_the_store_whether_a_workspace_has_a_bot(
    server: BackgroundServer, store: EncryptedInstallationStore, installed_token: str,
) -> None:
    assert not store.has_bot(enterprise_id=None, team_id="T0001")
    install(server)
    assert store.has_bot(enterprise_id=None, team_id="T0001")
    assert not store.has_bot(enterprise_id=None, team_id="T0999")
    store.delete_installation(enterprise_id=None, team_id="T0001")
    assert not store.has_bot(enterprise_id=None, team_id="T0001")


def test_a_team_that_never_installed_is_not_served(
    server: BackgroundServer, fake_slack: FakeSlack, installed_token: str,
) -> None:
    stranger = SlackSender(app_url=server.url, signing_secret=SIGNING_SECRET, team_id="T0999",
                           response_url_base=fake_slack.response_url(""))
    reply = stranger.command("help", user_id="UREPORT1")
    assert reply.status == 200  # Bolt answers the user politely, never a 5xx
    assert "/coach help" not in reply.text
    assert fake_slack.calls_to("auth.test") == []


@pytest.mark.parametrize("problem", ["unknown state", "state not from this browser", "expired state",
                                     "reused state"])
def test_a_bad_state_is_refused_and_nothing_is_stored(
    problem: str, server: BackgroundServer, fake_slack: FakeSlack, installed_token: str, oauth_services: Services,
) -> None:
    state = begin_install(server)
    if problem == "reused state":
        assert finish_install(server, state=state).status_code == 200
        fake_slack.set_oauth(CLIENT_ID, CLIENT_SECRET, code="good-code")  # the code itself is valid again
        with oauth_services.db.session() as session:
            session.execute(SlackInstallation.__table__.delete())
    exchanges_before = len(fake_slack.calls_to("oauth.v2.access"))
    if problem == "unknown state":
        response = finish_install(server, state="forged-" + state[:20])
    elif problem == "state not from this browser":
        response = finish_install(server, state=state, cookie_state=begin_install(server))
    elif problem == "expired state":
        with time_machine.travel(utcnow() + timedelta(minutes=11), tick=True):
            response = finish_install(server, state=state)
    else:
        response = finish_install(server, state=state)

    assert response.status_code in (400, 401), (problem, response.status_code, response.text)
    assert "Something Went Wrong" in response.text
    assert ("invalid_browser" if problem == "state not from this browser" else "invalid_state") in response.text
    assert len(fake_slack.calls_to("oauth.v2.access")) == exchanges_before  # the code is never exchanged
    assert count(oauth_services.db, SlackInstallation) == 0
    assert not [t for _, _, t in every_stored_value(oauth_services.db) if installed_token in t]


def test_a_bad_code_is_refused_and_nothing_is_stored(
    server: BackgroundServer, fake_slack: FakeSlack, installed_token: str, oauth_services: Services,
) -> None:
    response = finish_install(server, state=begin_install(server), code="not-a-code")
    assert response.status_code in (400, 401) and "invalid_code" in response.text
    assert [c.error for c in fake_slack.calls_to("oauth.v2.access")] == ["invalid_code"]
    assert count(oauth_services.db, SlackInstallation) == 0


# ---- leaving -------------------------------------------------------------------------------------------


def test_app_uninstalled_removes_the_installation_and_stops_all_work(
    server: BackgroundServer, sender: SlackSender, fake_slack: FakeSlack, installed_token: str,
    oauth_services: Services, store: EncryptedInstallationStore,
) -> None:
    install(server)
    schedule_some_deliveries(oauth_services.db)

    assert uninstalled_event(sender).status == 200
    assert_left_workspace(oauth_services.db, store, "app_uninstalled")

    # Slack may send more after we are gone: Bolt must not try to authorize these (no installation to
    # find, token revoked) and must answer 200, never 5xx.
    calls_before = len(fake_slack.calls_to("auth.test"))
    assert uninstalled_event(sender).status == 200
    assert tokens_revoked_event(sender, bot=["UBOT"], oauth=[]).status == 200
    time.sleep(0.2)
    assert len(fake_slack.calls_to("auth.test")) == calls_before
    # Requests from the team are no longer served (politely, 200).
    after = sender.command("help", user_id="UREPORT1")
    assert after.status == 200 and "/coach help" not in after.text


def test_tokens_revoked_for_the_bot_removes_the_installation_and_stops_all_work(
    server: BackgroundServer, sender: SlackSender, installed_token: str, oauth_services: Services,
    store: EncryptedInstallationStore,
) -> None:
    install(server)
    schedule_some_deliveries(oauth_services.db)

    assert tokens_revoked_event(sender, bot=["UBOT"], oauth=["UINSTALLER"]).status == 200
    assert_left_workspace(oauth_services.db, store, "tokens_revoked")

    assert tokens_revoked_event(sender, bot=["UBOT"], oauth=["UINSTALLER"]).status == 200
    assert uninstalled_event(sender).status == 200


def test_revoking_only_a_user_token_keeps_the_bot(
    server: BackgroundServer, sender: SlackSender, installed_token: str, oauth_services: Services,
    store: EncryptedInstallationStore,
) -> None:
    install(server)
    schedule_some_deliveries(oauth_services.db)

    assert tokens_revoked_event(sender, bot=[], oauth=["UINSTALLER"]).status == 200

    def user_token_gone() -> bool:
        found = store.find_installation(enterprise_id=None, team_id=TEAM)
        return found is not None and found.user_token is None

    wait_until(user_token_gone, what="the installer's user token to be forgotten")
    bot = store.find_bot(enterprise_id=None, team_id=TEAM)
    assert bot is not None and bot.bot_token == installed_token
    known = workspace(oauth_services.db)
    assert known is not None and known.active
    assert set(delivery_states(oauth_services.db).values()) == {"scheduled", "sent"}
    assert sender.command("help", user_id="UREPORT1").json()["response_type"] == "ephemeral"


def test_reinstalling_after_uninstall_reactivates_the_workspace(
    server: BackgroundServer, sender: SlackSender, fake_slack: FakeSlack, installed_token: str,
    oauth_services: Services, store: EncryptedInstallationStore,
) -> None:
    install(server)
    assert uninstalled_event(sender).status == 200
    wait_until(lambda: (w := workspace(oauth_services.db)) is not None and not w.active, what="uninstall")

    fake_slack.set_oauth(CLIENT_ID, CLIENT_SECRET, code="good-code")
    install(server)

    known = workspace(oauth_services.db)
    assert known is not None and known.active and known.uninstalled_at is None
    bot = store.find_bot(enterprise_id=None, team_id=TEAM)
    assert bot is not None and bot.bot_token == installed_token
    assert sender.command("help", user_id="UREPORT1").json()["response_type"] == "ephemeral"
