from pathlib import Path

import pytest

from slackapp.crypto import Vault
from slackapp.settings import SettingsError, env_documentation, load_settings

BASE = {"SLACK_SIGNING_SECRET": "s", "SLACK_BOT_TOKEN": "xoxb-1"}


def test_defaults_for_a_trial_install() -> None:
    settings = load_settings(BASE)
    assert settings.api_url == "https://slack.com/api/"
    assert settings.database_url == "sqlite:///var/flowcoach.db"
    assert settings.embedded_queue and not settings.multi_workspace
    assert settings.content_dir == Path("content")
    assert settings.port == 3000 and settings.dispatch_interval_seconds == 10


def test_every_problem_is_reported_at_once_one_line_each() -> None:
    with pytest.raises(SettingsError) as caught:
        load_settings({"SLACK_BOT_TOKEN": "xoxp-user", "PORT": "eighty", "SLACK_CLIENT_ID": "1",
                       "FLOWCOACH_ADMINS": "maria", "REDIS_URL": "localhost:6379", "DATABASE_URL": "mysql://x",
                       "FLOWCOACH_SECRET_KEY": "short"})
    problems = caught.value.problems
    assert all("\n" not in p for p in problems)
    joined = "\n".join(problems)
    for expected in ("SLACK_SIGNING_SECRET is not set", "SLACK_BOT_TOKEN must be a bot token",
                     "SLACK_CLIENT_ID and SLACK_CLIENT_SECRET must be set together", "PORT must be a whole number",
                     "'maria' is not a Slack user id", "REDIS_URL must start with", "DATABASE_URL must be",
                     "FLOWCOACH_SECRET_KEY is not a valid key"):
        assert expected in joined


def test_oauth_install_requires_a_secret_key_for_tokens_at_rest() -> None:
    env = {"SLACK_SIGNING_SECRET": "s", "SLACK_CLIENT_ID": "1.2", "SLACK_CLIENT_SECRET": "c"}
    with pytest.raises(SettingsError, match="FLOWCOACH_SECRET_KEY is required"):
        load_settings(env)
    settings = load_settings({**env, "FLOWCOACH_SECRET_KEY": Vault.generate_key()})
    assert settings.multi_workspace


def test_postgres_urls_use_psycopg3_and_api_url_gets_a_trailing_slash() -> None:
    settings = load_settings({**BASE, "DATABASE_URL": "postgres://u@h/db", "SLACK_API_URL": "http://127.0.0.1:9/api"})
    assert settings.database_url == "postgresql+psycopg://u@h/db"
    assert settings.api_url == "http://127.0.0.1:9/api/"


def test_readme_documents_every_variable() -> None:
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    for name in env_documentation():
        assert f"`{name}`" in readme, f"README configuration table lacks {name}"
