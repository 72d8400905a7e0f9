"""slack_sdk installation and OAuth state stores on our SQLAlchemy models, tokens encrypted at rest."""

from __future__ import annotations

import json
import logging
import secrets
from datetime import datetime, timedelta
from typing import Any

from slack_sdk.oauth.installation_store import Bot, Installation, InstallationStore
from slack_sdk.oauth.state_store import OAuthStateStore
from sqlalchemy import delete, select

from slackapp.clock import utcnow
from slackapp.crypto import Vault
from slackapp.db.engine import Database
from slackapp.db.models import OAuthState, SlackInstallation
from slackapp.domain import workspaces

logger = logging.getLogger(__name__)


_USER_CREDENTIALS = ("user_token", "user_refresh_token", "user_token_expires_at", "user_scopes")


def _jsonable(value: Any) -> Any:
    return value.timestamp() if isinstance(value, datetime) else value


class EncryptedInstallationStore(InstallationStore):
    def __init__(self, *, db: Database, vault: Vault, client_id: str) -> None:
        self.db, self.vault, self.client_id = db, vault, client_id

    @property
    def logger(self) -> logging.Logger:
        return logger

    def save(self, installation: Installation) -> None:
        data = {k: _jsonable(v) for k, v in installation.to_dict_for_copying().items()}
        now = utcnow()
        with self.db.session() as session:
            session.add(SlackInstallation(
                client_id=self.client_id, enterprise_id=installation.enterprise_id, team_id=installation.team_id,
                user_id=installation.user_id, is_enterprise_install=bool(installation.is_enterprise_install),
                has_bot=installation.bot_token is not None, installed_at=now,
                encrypted_installation=self.vault.encrypt(json.dumps(data)),
            ))
            if installation.team_id and installation.bot_token is not None:
                # An install (or a reinstall after an uninstall) makes the workspace active again;
                # otherwise the delivery worker would keep skipping a reinstalled team forever.
                workspaces.ensure_active(session, team_id=installation.team_id, now=now,
                                         name=installation.team_name or "", enterprise_id=installation.enterprise_id)

    def save_bot(self, bot: Bot) -> None:  # bots are saved as part of their installation
        return None

    def _scope(self, enterprise_id: str | None, team_id: str | None, is_enterprise_install: bool | None) -> Any:
        query = select(SlackInstallation).where(SlackInstallation.client_id == self.client_id,
                                                SlackInstallation.enterprise_id == enterprise_id)
        if not is_enterprise_install:
            query = query.where(SlackInstallation.team_id == team_id)
        return query

    def find_installation(
        self, *, enterprise_id: str | None, team_id: str | None, user_id: str | None = None,
        is_enterprise_install: bool | None = False,
    ) -> Installation | None:
        query = self._scope(enterprise_id, team_id, is_enterprise_install)
        if user_id is not None:
            query = query.where(SlackInstallation.user_id == user_id)
        with self.db.session() as session:
            row = session.scalars(query.order_by(SlackInstallation.id.desc()).limit(1)).first()
            if row is None:
                return None
            installation = Installation(**json.loads(self.vault.decrypt(row.encrypted_installation)))
            if user_id is not None and installation.bot_token is None:
                # The user-level row may predate the latest bot token; keep the newest bot credentials.
                latest = self.find_installation(enterprise_id=enterprise_id, team_id=team_id,
                                                is_enterprise_install=is_enterprise_install)
                if latest is not None:
                    installation.bot_token, installation.bot_id = latest.bot_token, latest.bot_id
                    installation.bot_user_id, installation.bot_scopes = latest.bot_user_id, latest.bot_scopes
            return installation

    def find_bot(
        self, *, enterprise_id: str | None, team_id: str | None, is_enterprise_install: bool | None = False
    ) -> Bot | None:
        query = self._scope(enterprise_id, team_id, is_enterprise_install).where(SlackInstallation.has_bot)
        with self.db.session() as session:
            row = session.scalars(query.order_by(SlackInstallation.id.desc()).limit(1)).first()
            if row is None:
                return None
            return Installation(**json.loads(self.vault.decrypt(row.encrypted_installation))).to_bot()

    def has_bot(self, *, enterprise_id: str | None, team_id: str | None,
                is_enterprise_install: bool | None = False) -> bool:
        """Whether a bot token is stored for this workspace (nothing is decrypted)."""
        query = self._scope(enterprise_id, team_id, is_enterprise_install).where(SlackInstallation.has_bot)
        with self.db.session() as session:
            return session.scalars(query.with_only_columns(SlackInstallation.id).limit(1)).first() is not None

    def delete_bot(self, *, enterprise_id: str | None, team_id: str | None) -> None:
        self.delete_installation(enterprise_id=enterprise_id, team_id=team_id)

    def delete_installation(
        self, *, enterprise_id: str | None, team_id: str | None, user_id: str | None = None
    ) -> None:
        query = delete(SlackInstallation).where(SlackInstallation.client_id == self.client_id,
                                                SlackInstallation.enterprise_id == enterprise_id,
                                                SlackInstallation.team_id == team_id)
        if user_id is None:
            with self.db.session() as session:
                session.execute(query)
            return
        # One user's tokens are gone (tokens_revoked "oauth"): forget them, but keep the bot credentials
        # that the same row holds when this user was the installer.
        rows = select(SlackInstallation).where(SlackInstallation.client_id == self.client_id,
                                               SlackInstallation.enterprise_id == enterprise_id,
                                               SlackInstallation.team_id == team_id,
                                               SlackInstallation.user_id == user_id)
        with self.db.session() as session:
            for row in session.scalars(rows):
                if not row.has_bot:
                    session.delete(row)
                    continue
                data = json.loads(self.vault.decrypt(row.encrypted_installation))
                for key in _USER_CREDENTIALS:
                    data[key] = None
                row.encrypted_installation = self.vault.encrypt(json.dumps(data))


class SqlOAuthStateStore(OAuthStateStore):
    def __init__(self, *, db: Database, expiration_seconds: int = 600) -> None:
        self.db, self.expiration = db, timedelta(seconds=expiration_seconds)

    @property
    def logger(self) -> logging.Logger:
        return logger

    def issue(self, *args: Any, **kwargs: Any) -> str:
        state = secrets.token_urlsafe(32)
        with self.db.session() as session:
            session.add(OAuthState(state=state, expire_at=utcnow() + self.expiration))
        return state

    def consume(self, state: str) -> bool:
        with self.db.session() as session:
            row = session.get(OAuthState, state[:64])
            if row is None:
                return False
            session.delete(row)
            return row.expire_at > utcnow()
