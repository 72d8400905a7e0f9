"""The one way to build a Web API client: base URL from settings, retry handlers, bot token per team."""

from __future__ import annotations

from slack_sdk import WebClient
from slack_sdk.http_retry import RetryHandler
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)
from slack_sdk.oauth.installation_store import InstallationStore

from slackapp.settings import Settings


class WorkspaceUnavailable(Exception):
    """No usable bot token for the workspace (uninstalled, or revoked)."""


def retry_handlers() -> list[RetryHandler]:
    return [
        ConnectionErrorRetryHandler(max_retry_count=2),
        RateLimitErrorRetryHandler(max_retry_count=3),
        ServerErrorRetryHandler(max_retry_count=2),
    ]


def web_client(settings: Settings, token: str | None = None, *, timeout: int = 10) -> WebClient:
    client = WebClient(token=token, base_url=settings.api_url, timeout=timeout)
    for handler in retry_handlers():
        client.retry_handlers.append(handler)
    return client


class ClientFactory:
    """Per-team clients for workers: the configured bot token, or the team's installation."""

    def __init__(self, settings: Settings, installation_store: InstallationStore | None) -> None:
        self.settings = settings
        self.installation_store = installation_store

    def bot_token(self, team_id: str, enterprise_id: str | None = None) -> str:
        if self.installation_store is None:
            if not self.settings.bot_token:
                raise WorkspaceUnavailable(team_id)
            return self.settings.bot_token
        bot = self.installation_store.find_bot(enterprise_id=enterprise_id, team_id=team_id)
        if bot is None or not bot.bot_token:
            raise WorkspaceUnavailable(team_id)
        return bot.bot_token

    def for_team(self, team_id: str, enterprise_id: str | None = None) -> WebClient:
        return web_client(self.settings, self.bot_token(team_id, enterprise_id))
