"""Scripting the fake workspace: users, DND, statuses, channels, tokens and OAuth."""

from __future__ import annotations

import copy
from typing import Any
from zoneinfo import ZoneInfo

from slackapp.emulator.workspace_state import (
    ChannelRecord,
    DndRecord,
    OAuthConfig,
    UserRecord,
    WorkspaceState,
)

DEFAULT_SCOPE = "chat:write,commands,im:write,im:history,users:read,users:read.email,dnd:read,channels:history"


class WorkspaceSetup:
    """Setup methods of ``FakeSlack`` (a mixin over its ``WorkspaceState``)."""

    _state: WorkspaceState
    team_id: str

    def add_user(
        self,
        user_id: str,
        *,
        name: str,
        real_name: str | None = None,
        tz: str = "Europe/London",
        email: str | None = None,
        deleted: bool = False,
        is_bot: bool = False,
    ) -> None:
        ZoneInfo(tz)  # fail fast on unknown zones
        with self._state.lock:
            previous = self._state.users.get(user_id)
            user = UserRecord(user_id, name, real_name, tz, email, deleted, is_bot)
            if previous is not None:
                user.status_text, user.status_emoji = previous.status_text, previous.status_emoji
                user.status_expiration, user.dnd = previous.status_expiration, previous.dnd
            self._state.users[user_id] = user

    def set_dnd(
        self,
        user_id: str,
        *,
        dnd_enabled: bool = False,
        snooze_enabled: bool = False,
        next_dnd_start_ts: int | None = None,
        next_dnd_end_ts: int | None = None,
        snooze_endtime: int | None = None,
    ) -> None:
        with self._state.lock:
            self._state.user(user_id).dnd = DndRecord(
                dnd_enabled, snooze_enabled, next_dnd_start_ts, next_dnd_end_ts, snooze_endtime
            )

    def set_status(self, user_id: str, *, text: str = "", emoji: str = "", expiration: int = 0) -> None:
        """Custom status shown in users.info ``profile`` and users.profile.get."""
        with self._state.lock:
            user = self._state.user(user_id)
            user.status_text, user.status_emoji, user.status_expiration = text, emoji, expiration

    def add_channel(
        self,
        channel_id: str,
        *,
        name: str | None = None,
        is_private: bool = False,
        is_archived: bool = False,
        is_member: bool = True,
    ) -> None:
        """Register a channel (e.g. archived → ``is_archived``, bot not a member → ``not_in_channel``)."""
        record = ChannelRecord(channel_id, name or channel_id.lower(), False, None, is_private, is_archived, is_member)
        with self._state.lock:
            self._state.channels[channel_id] = record

    def post_user_message(
        self,
        channel: str,
        user_id: str,
        text: str,
        *,
        thread_ts: str | None = None,
        blocks: list[Any] | None = None,
    ) -> str:
        """Insert a message written by a person (not the bot); returns its ts."""
        with self._state.lock:
            record = self._state.resolve_channel(channel)
            message: dict[str, Any] = {
                "type": "message",
                "user": self._state.user(user_id).id,
                "text": text,
                "ts": self._state.next_ts(),
                "team": self.team_id,
                "client_msg_id": self._state.next_id("msg-"),
            }
            if blocks:
                message["blocks"] = copy.deepcopy(blocks)
            if thread_ts is not None:
                message["thread_ts"] = thread_ts
            self._state.channel_messages(record.id).append(message)
            return str(message["ts"])

    def revoke_token(self, token: str) -> None:
        """Later calls with this token answer ``token_revoked``."""
        with self._state.lock:
            self._state.valid_tokens.discard(token)
            self._state.revoked_tokens.add(token)

    def add_token(self, token: str) -> None:
        with self._state.lock:
            self._state.valid_tokens.add(token)
            self._state.revoked_tokens.discard(token)

    def set_oauth(
        self,
        client_id: str,
        client_secret: str,
        *,
        code: str = "good-code",
        scope: str = DEFAULT_SCOPE,
        installer_user_id: str = "UINSTALLER",
        access_token: str | None = None,
        user_scope: str | None = None,
        redirect_uri: str | None = None,
    ) -> str:
        """Configure oauth.v2.access; ``code`` is single use. Returns the bot token it will issue."""
        token = access_token or f"xoxb-{self.team_id}-installed"
        with self._state.lock:
            codes = self._state.oauth.codes if self._state.oauth else set()
            self._state.oauth = OAuthConfig(
                client_id,
                client_secret,
                {*codes, code},
                scope,
                installer_user_id,
                token,
                user_scope,
                redirect_uri,
            )
        return token
