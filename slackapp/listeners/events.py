"""Events API: App Home, and the workspace leaving (uninstall, revoked tokens)."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import App
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from slackapp.clock import utcnow
from slackapp.domain import analytics, onboarding, people, workspaces
from slackapp.listeners.home import publish_home
from slackapp.listeners.lazy import background
from slackapp.services import Services

logger = logging.getLogger(__name__)


def app_home_opened(event: dict[str, Any], context: Any, client: WebClient, services: Services) -> None:
    if not event.get("user") or not context.team_id:  # org-wide installs are not supported (no team)
        return
    now = utcnow()
    try:
        user: dict[str, Any] | None = client.users_info(user=event["user"])["user"]
    except SlackApiError as exc:
        if exc.response.get("error") in ("user_not_found", "users_not_found"):
            return  # Slack does not know this person: nothing to publish, nobody to welcome
        logger.info("users.info failed for a Home visitor: %s", exc.response.get("error"))
        user = None
    with services.db.session() as session:
        person, welcome = onboarding.first_contact(session, team_id=context.team_id, user_id=event["user"], now=now)
        analytics.record(session, now=now, team_id=context.team_id, user_id=event["user"], name="home.opened",
                         object_type="tab", object_id=str(event.get("tab", "home")))
        if user is not None:  # opening Home refreshes the profile: time zone, name, deactivation
            profile = user.get("profile") or {}
            people.apply_profile(person, now=now, tz=user.get("tz"), email=profile.get("email"),
                                 display_name=profile.get("display_name") or user.get("real_name"),
                                 deleted=bool(user.get("deleted")))
    if welcome is not None and welcome.state == "scheduled":
        services.kick_dispatcher()
    if event.get("tab", "home") == "home":
        publish_home(client, services, team_id=context.team_id, user_id=event["user"])


def app_uninstalled(context: Any, services: Services) -> None:
    if not context.team_id:
        return
    with services.db.session() as session:
        workspaces.deactivate(session, team_id=context.team_id, now=utcnow(), reason="app_uninstalled")
    if services.installation_store is not None:
        services.installation_store.delete_all(enterprise_id=context.enterprise_id, team_id=context.team_id)


def tokens_revoked(event: dict[str, Any], context: Any, services: Services) -> None:
    if not context.team_id:
        return
    tokens = event.get("tokens") or {}
    store = services.installation_store
    if tokens.get("bot"):
        with services.db.session() as session:
            workspaces.deactivate(session, team_id=context.team_id, now=utcnow(), reason="tokens_revoked")
        if store is not None:
            store.delete_bot(enterprise_id=context.enterprise_id, team_id=context.team_id)
    if store is not None:
        for user_id in tokens.get("oauth") or []:
            store.delete_installation(enterprise_id=context.enterprise_id, team_id=context.team_id, user_id=user_id)


def register(app: App, services: Services) -> None:
    for name, handler in (("app_home_opened", app_home_opened), ("app_uninstalled", app_uninstalled),
                          ("tokens_revoked", tokens_revoked)):
        app.event(name)(background(handler, services))
