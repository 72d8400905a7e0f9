"""In-memory workspace state behind the fake Slack Web API (users, channels, messages, views)."""

from __future__ import annotations

import copy
import re
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Final

from slackapp.emulator.timezones import tz_fields

_CHANNEL_ID: Final = re.compile(r"^[CG][A-Z0-9]{2,}$")


class ApiError(Exception):
    """A Slack error answer: ``{"ok": false, "error": error, **extra}`` with an HTTP status."""

    def __init__(self, error: str, *, status: int = 200, headers: dict[str, str] | None = None, **extra: Any):
        super().__init__(error)
        self.error = error
        self.status = status
        self.headers = headers or {}
        self.extra = extra

    def body(self) -> dict[str, Any]:
        return {"ok": False, "error": self.error, **self.extra}


def invalid_arguments(*messages: str) -> ApiError:
    return ApiError("invalid_arguments", response_metadata={"messages": [f"[ERROR] {m}" for m in messages]})


def channel_key(channel_arg: Any) -> Any:
    """A user id names the bot's DM with that user: ``"U1"`` and ``"DU1"`` are the same channel."""
    if isinstance(channel_arg, str) and channel_arg[:1] in ("U", "W"):
        return "D" + channel_arg
    return channel_arg


def ts_to_micros(ts: str) -> int:
    """``"1700000000.000100"`` → 1700000000000100; ValueError when malformed."""
    seconds, _, fraction = ts.partition(".")
    if not seconds.isdigit() or (fraction and not fraction.isdigit()) or len(fraction) > 6:
        raise ValueError(f"malformed ts {ts!r}")
    return int(seconds) * 1_000_000 + int(fraction.ljust(6, "0") or "0")


def micros_to_ts(micros: int) -> str:
    return f"{micros // 1_000_000}.{micros % 1_000_000:06d}"


@dataclass
class DndRecord:
    dnd_enabled: bool = False
    snooze_enabled: bool = False
    next_dnd_start_ts: int | None = None
    next_dnd_end_ts: int | None = None
    snooze_endtime: int | None = None


@dataclass
class UserRecord:
    id: str
    name: str
    real_name: str | None = None
    tz: str = "Europe/London"
    email: str | None = None
    deleted: bool = False
    is_bot: bool = False
    status_text: str = ""
    status_emoji: str = ""
    status_expiration: int = 0
    dnd: DndRecord = field(default_factory=DndRecord)


@dataclass
class ChannelRecord:
    id: str
    name: str
    is_im: bool = False
    user: str | None = None
    is_private: bool = False
    is_archived: bool = False
    is_member: bool = True
    created: int = field(default_factory=lambda: int(time.time()))


@dataclass
class OAuthConfig:
    client_id: str
    client_secret: str
    codes: set[str]
    scope: str
    installer_user_id: str
    access_token: str
    user_scope: str | None = None
    redirect_uri: str | None = None


class WorkspaceState:
    """Everything the fake remembers. Guard every read/write with ``lock``."""

    def __init__(
        self, *, team_id: str, team_name: str, bot_user_id: str, bot_token: str, valid_tokens: set[str] | None
    ) -> None:
        self.lock = threading.RLock()
        self.team_id = team_id
        self.team_name = team_name
        self.bot_user_id = bot_user_id
        self.bot_id = "B" + bot_user_id.removeprefix("U")
        self.app_id = "A" + team_id.removeprefix("T")
        self.bot_token = bot_token
        self.initial_tokens = set(valid_tokens) if valid_tokens is not None else {bot_token}
        self.team_domain = re.sub(r"[^a-z0-9-]", "", team_name.lower()) or "workspace"
        self.auto_channels = True
        self.reset()

    def reset(self) -> None:
        with self.lock:
            self.users: dict[str, UserRecord] = {}
            self.channels: dict[str, ChannelRecord] = {}
            self.messages: dict[str, list[dict[str, Any]]] = {}
            self.home_views: dict[str, dict[str, Any]] = {}
            self.views: dict[str, dict[str, Any]] = {}
            self.used_triggers: set[str] = set()
            self.valid_tokens: set[str] = set(self.initial_tokens)
            self.revoked_tokens: set[str] = set()
            self.token_users: dict[str, str] = {}
            self.oauth: OAuthConfig | None = None
            self.validation_errors: list[str] = []
            self.ephemeral_messages: list[dict[str, Any]] = []
            self.response_urls: dict[str, tuple[str | None, str | None]] = {}
            self._last_micros = 0
            self._counter = 0
            self.users[self.bot_user_id] = UserRecord(
                id=self.bot_user_id,
                name="flowcoach",
                real_name="Flowcoach",
                tz="America/Los_Angeles",
                is_bot=True,
            )

    # ---- ids -------------------------------------------------------------------------------------
    def next_ts(self) -> str:
        """Unique, strictly increasing message ts close to the current wall clock."""
        with self.lock:
            self._last_micros = max(self._last_micros + 1, int(time.time() * 1_000_000))
            return micros_to_ts(self._last_micros)

    def next_id(self, prefix: str) -> str:
        with self.lock:
            self._counter += 1
            return f"{prefix}{self._counter:08d}"

    def view_hash(self) -> str:
        with self.lock:
            self._counter += 1
            return f"{int(time.time())}.{self._counter:08x}"

    # ---- users -----------------------------------------------------------------------------------
    def user(self, user_id: Any) -> UserRecord:
        found = self.users.get(user_id) if isinstance(user_id, str) else None
        if found is None:
            raise ApiError("user_not_found")
        return found

    def user_json(self, user: UserRecord) -> dict[str, Any]:
        """Slack's user object. Deleted users, like on Slack, carry no tz or admin fields."""
        real_name = user.real_name or user.name
        first, _, last = real_name.partition(" ")
        profile: dict[str, Any] = {
            "real_name": real_name,
            "real_name_normalized": real_name,
            "display_name": user.name,
            "display_name_normalized": user.name,
            "first_name": first,
            "last_name": last,
            "status_text": user.status_text,
            "status_emoji": user.status_emoji,
            "status_expiration": user.status_expiration,
            "avatar_hash": "g0000000000",
            "image_48": "https://secure.gravatar.com/avatar/0.jpg",
            "team": self.team_id,
        }
        if user.email is not None:
            profile["email"] = user.email
        if user.is_bot:
            profile.update({"bot_id": self.bot_id, "api_app_id": self.app_id, "always_active": True})
        data: dict[str, Any] = {
            "id": user.id,
            "team_id": self.team_id,
            "name": user.name,
            "deleted": user.deleted,
            "profile": profile,
            "is_bot": user.is_bot,
            "is_app_user": False,
            "updated": 1_700_000_000,
        }
        if not user.deleted:
            data.update({"real_name": real_name, "color": "9f69e7", **tz_fields(user.tz)})
            data.update({"is_admin": False, "is_owner": False, "is_primary_owner": False})
            data.update({"is_restricted": False, "is_ultra_restricted": False, "locale": "en-GB"})
        return data

    # ---- channels --------------------------------------------------------------------------------
    def dm_channel_id(self, user_id: str) -> str:
        return "D" + user_id

    def open_dm(self, user_id: str) -> ChannelRecord:
        channel_id = self.dm_channel_id(user_id)
        channel = self.channels.get(channel_id)
        if channel is None:
            channel = ChannelRecord(id=channel_id, name=channel_id, is_im=True, user=user_id, is_private=True)
            self.channels[channel_id] = channel
        return channel

    def resolve_channel(self, channel_arg: Any) -> ChannelRecord:
        """Find the conversation a ``channel`` argument names, or raise ``channel_not_found``.

        User ids (U…/W…) and ``D<user_id>`` resolve to the app's DM with a known user;
        well-formed C…/G… ids are treated as public channels the bot is in (unless registered
        otherwise with ``add_channel``, or ``auto_channels`` is off); ``#name``/``name`` must
        match a registered channel.
        """
        if not isinstance(channel_arg, str) or not channel_arg:
            raise ApiError("channel_not_found")
        if channel_arg in self.channels:
            return self.channels[channel_arg]
        if channel_arg[0] in "UW" and channel_arg in self.users and not self.users[channel_arg].is_bot:
            return self.open_dm(channel_arg)
        dm_user = self.users.get(channel_arg[1:]) if channel_arg.startswith("D") else None
        if dm_user is not None and not dm_user.is_bot:
            return self.open_dm(channel_arg[1:])
        if self.auto_channels and _CHANNEL_ID.match(channel_arg):
            channel = ChannelRecord(id=channel_arg, name=channel_arg.lower(), is_private=channel_arg[0] == "G")
            self.channels[channel_arg] = channel
            return channel
        name = channel_arg.removeprefix("#")
        for channel in self.channels.values():
            if channel.name == name and not channel.is_im:
                return channel
        raise ApiError("channel_not_found")

    def channel_messages(self, channel_id: str) -> list[dict[str, Any]]:
        return self.messages.setdefault(channel_id, [])

    def find_message(self, channel_id: str, ts: Any) -> dict[str, Any] | None:
        for message in self.messages.get(channel_id, []):
            if message["ts"] == ts:
                return message
        return None

    def with_thread_fields(self, message: dict[str, Any], channel_id: str) -> dict[str, Any]:
        """A copy of a stored message with Slack's thread-parent fields computed."""
        out = copy.deepcopy(message)
        if "thread_ts" in message and message["thread_ts"] != message["ts"]:
            return out
        replies = [
            m
            for m in self.messages.get(channel_id, [])
            if m.get("thread_ts") == message["ts"] and m["ts"] != message["ts"]
        ]
        if replies:
            reply_users = list(dict.fromkeys(r["user"] for r in replies))
            out.update(
                thread_ts=message["ts"],
                reply_count=len(replies),
                reply_users_count=len(reply_users),
                reply_users=reply_users,
                latest_reply=replies[-1]["ts"],
            )
        return out
