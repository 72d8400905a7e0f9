"""create_app: the Bolt App with every listener registered once and one error handler."""

from __future__ import annotations

from slack_bolt.oauth.oauth_settings import OAuthSettings

from slackapp import manifest
from slackapp.listeners import (
    actions,
    assignments,
    calendar,
    commands,
    debriefs,
    events,
    nudges,
    preferences,
    reflections,
    reviews,
    team,
)
from slackapp.listeners.errors import handle_error
from slackapp.listeners.middleware import StrictRequestVerification, drop_event_retries, remember_workspaces
from slackapp.oauth_store import SqlOAuthStateStore
from slackapp.routes import RoutedApp
from slackapp.services import Services
from slackapp.slack_client import web_client

INSTALL_PATH = "/slack/install"
REDIRECT_PATH = "/slack/oauth_redirect"
LISTENER_MODULES = (commands, events, actions, calendar, nudges, preferences, team, assignments, reviews, debriefs,
                    reflections)


def create_app(services: Services, *, verify_token: bool = True) -> RoutedApp:
    settings = services.settings
    oauth_settings = None
    if settings.multi_workspace:
        assert settings.client_id and settings.client_secret
        oauth_settings = OAuthSettings(
            client_id=settings.client_id,
            client_secret=settings.client_secret,
            scopes=list(manifest.BOT_SCOPES),
            installation_store=services.installation_store,
            state_store=SqlOAuthStateStore(db=services.db),
            install_path=INSTALL_PATH,
            redirect_uri_path=REDIRECT_PATH,
        )
    app = RoutedApp(
        signing_secret=settings.signing_secret,
        client=web_client(settings, None if settings.multi_workspace else settings.bot_token),
        oauth_settings=oauth_settings,
        request_verification_enabled=False,  # replaced by the strict check, still before authorization
        before_authorize=StrictRequestVerification(settings.signing_secret),
        token_verification_enabled=verify_token,
        process_before_response=True,  # ack in the request thread; work runs in lazy listeners
        listener_executor=services.background,  # Bolt's lazy listeners give way to unanswered requests too
    )
    app.use(drop_event_retries(services))
    app.use(remember_workspaces(services))
    for module in LISTENER_MODULES:
        module.register(app, services)
    app.error(handle_error)
    return app
