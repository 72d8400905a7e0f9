"""One frozen Settings built from the environment. Nothing else reads ``os.environ``."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_API_URL = "https://slack.com/api/"
_USER_ID = re.compile(r"^[UW][A-Z0-9]{2,}$")


class SettingsError(Exception):
    """Start-up configuration problems; each entry is one clear line for the operator."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


@dataclass(frozen=True, slots=True)
class Settings:
    signing_secret: str
    bot_token: str | None = None
    client_id: str | None = None
    client_secret: str | None = None
    app_token: str | None = None
    api_url: str = DEFAULT_API_URL
    database_url: str = "sqlite:///var/flowcoach.db"
    redis_url: str | None = None
    content_dir: Path = Path("content")
    secret_key: str = ""
    admins: frozenset[str] = frozenset()
    port: int = 3000
    dispatch_interval_seconds: int = 10
    review_hours: int = 24
    feed_allowed_hosts: frozenset[str] = field(default_factory=frozenset)
    calendar_webhook_secret: str = ""
    competency_threshold: int = 3

    @property
    def multi_workspace(self) -> bool:
        return self.client_id is not None

    @property
    def embedded_queue(self) -> bool:
        return self.redis_url is None

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


_ENV_DOC: dict[str, tuple[str, str]] = {
    "SLACK_SIGNING_SECRET": ("(required)", "Signing secret from the app's Basic Information page."),
    "SLACK_BOT_TOKEN": ("", "Bot token (xoxb-…) for a single-workspace install."),
    "SLACK_CLIENT_ID": ("", "OAuth client id: enables multi-workspace install at /slack/install."),
    "SLACK_CLIENT_SECRET": ("", "OAuth client secret (required with SLACK_CLIENT_ID)."),
    "SLACK_APP_TOKEN": ("", "App-level token (xapp-…) for `flowcoach serve --socket`."),
    "SLACK_API_URL": (DEFAULT_API_URL, "Web API base URL used by the app and the workers."),
    "DATABASE_URL": ("sqlite:///var/flowcoach.db", "SQLAlchemy URL; PostgreSQL in production."),
    "REDIS_URL": ("", "Redis for RQ. Unset: embedded queue (worker threads in `serve`)."),
    "FLOWCOACH_CONTENT_DIR": ("./content", "Directory of learning content YAML."),
    "FLOWCOACH_SECRET_KEY": ("", "Fernet key encrypting tokens and calendar URLs at rest "
                             "(required with SLACK_CLIENT_ID; generate with `flowcoach secret-key`)."),
    "FLOWCOACH_ADMINS": ("", "Comma-separated Slack user ids of program admins (L&D)."),
    "PORT": ("3000", "HTTP port for `flowcoach serve`."),
    "FLOWCOACH_DISPATCH_INTERVAL": ("10", "Seconds between dispatcher ticks (outbox → queue)."),
    "FLOWCOACH_CALENDAR_WEBHOOK_SECRET": ("", "Shared secret for POST /calendar/events (unset: webhook off)."),
    "FLOWCOACH_FEED_ALLOWED_HOSTS": ("", "Comma-separated calendar hosts allowed to resolve to private "
                                     "addresses (intranets, tests)."),
    "FLOWCOACH_REVIEW_HOURS": ("24", "Promised review time for a micro-assignment submission, in the reviewer's "
                               "working hours (reminders 4 h before and 2 h after)."),
    "FLOWCOACH_COMPETENCY_THRESHOLD": ("3", "Accepted assignments at rubric level 3 or more that confirm a "
                                       "competency (time-to-competency is measured to that moment)."),
}


def env_documentation() -> dict[str, tuple[str, str]]:
    """Variable → (default, meaning); the README's configuration table mirrors this."""
    return dict(_ENV_DOC)


def _int(env: Mapping[str, str], name: str, default: int, problems: list[str], low: int = 1) -> int:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        problems.append(f"{name} must be a whole number, got {raw!r}")
        return default
    if value < low:
        problems.append(f"{name} must be at least {low}, got {value}")
    return value


def _validate_secret_key(key: str, problems: list[str]) -> None:
    from cryptography.fernet import Fernet

    try:
        Fernet(key.encode())
    except (ValueError, TypeError):
        problems.append(
            "FLOWCOACH_SECRET_KEY is not a valid key (32 url-safe base64-encoded bytes); "
            "generate one with `flowcoach secret-key`"
        )


def load_settings(env: Mapping[str, str], *, require_slack: bool = True) -> Settings:
    """Build Settings or raise SettingsError listing every problem at once."""
    problems: list[str] = []

    def get(name: str) -> str | None:
        value = env.get(name, "").strip()
        return value or None

    signing_secret = get("SLACK_SIGNING_SECRET") or ""
    bot_token, client_id, client_secret = get("SLACK_BOT_TOKEN"), get("SLACK_CLIENT_ID"), get("SLACK_CLIENT_SECRET")
    if require_slack and not signing_secret:
        problems.append("SLACK_SIGNING_SECRET is not set (Basic Information → App Credentials)")
    if bot_token and not bot_token.startswith("xoxb-"):
        problems.append("SLACK_BOT_TOKEN must be a bot token starting with xoxb-")
    if bool(client_id) != bool(client_secret):
        problems.append("SLACK_CLIENT_ID and SLACK_CLIENT_SECRET must be set together")
    if require_slack and not bot_token and not client_id:
        problems.append("set SLACK_BOT_TOKEN (one workspace) or SLACK_CLIENT_ID/SLACK_CLIENT_SECRET (OAuth)")
    app_token = get("SLACK_APP_TOKEN")
    if app_token and not app_token.startswith("xapp-"):
        problems.append("SLACK_APP_TOKEN must be an app-level token starting with xapp-")

    api_url = get("SLACK_API_URL") or DEFAULT_API_URL
    if not re.match(r"^https?://[^/\s]+", api_url):
        problems.append(f"SLACK_API_URL must be an http(s) URL, got {api_url!r}")
    elif not api_url.endswith("/"):
        api_url += "/"

    database_url = get("DATABASE_URL") or "sqlite:///var/flowcoach.db"
    if database_url.startswith("postgres://"):
        database_url = "postgresql+psycopg://" + database_url.removeprefix("postgres://")
    elif database_url.startswith("postgresql://"):
        database_url = "postgresql+psycopg://" + database_url.removeprefix("postgresql://")
    if not (database_url.startswith("sqlite") or database_url.startswith("postgresql")):
        problems.append("DATABASE_URL must be a sqlite:/// or postgresql:// URL")

    redis_url = get("REDIS_URL")
    if redis_url and not redis_url.startswith(("redis://", "rediss://", "unix://")):
        problems.append("REDIS_URL must start with redis://, rediss:// or unix://")

    secret_key = get("FLOWCOACH_SECRET_KEY") or ""
    if secret_key:
        _validate_secret_key(secret_key, problems)
    elif client_id:
        problems.append("FLOWCOACH_SECRET_KEY is required with SLACK_CLIENT_ID (tokens are encrypted at rest)")

    admins = frozenset(a.strip() for a in (get("FLOWCOACH_ADMINS") or "").split(",") if a.strip())
    for admin in sorted(admins):
        if not _USER_ID.match(admin):
            problems.append(f"FLOWCOACH_ADMINS: {admin!r} is not a Slack user id (like U012AB3CD)")

    port = _int(env, "PORT", 3000, problems, low=0)
    if port > 65535:
        problems.append(f"PORT must be at most 65535, got {port}")
    interval = _int(env, "FLOWCOACH_DISPATCH_INTERVAL", 10, problems)
    hosts = frozenset(h.strip().lower() for h in (get("FLOWCOACH_FEED_ALLOWED_HOSTS") or "").split(",") if h.strip())
    review_hours = _int(env, "FLOWCOACH_REVIEW_HOURS", 24, problems)
    competency_threshold = _int(env, "FLOWCOACH_COMPETENCY_THRESHOLD", 3, problems)

    if problems:
        raise SettingsError(problems)
    return Settings(
        signing_secret=signing_secret,
        bot_token=bot_token,
        client_id=client_id,
        client_secret=client_secret,
        app_token=app_token,
        api_url=api_url,
        database_url=database_url,
        redis_url=redis_url,
        content_dir=Path(get("FLOWCOACH_CONTENT_DIR") or "content"),
        secret_key=secret_key,
        admins=admins,
        port=port,
        dispatch_interval_seconds=interval,
        feed_allowed_hosts=hosts,
        calendar_webhook_secret=get("FLOWCOACH_CALENDAR_WEBHOOK_SECRET") or "",
        review_hours=review_hours,
        competency_threshold=competency_threshold,
    )


def settings_from_environment(*, require_slack: bool = True) -> Settings:
    import os

    return load_settings(os.environ, require_slack=require_slack)
