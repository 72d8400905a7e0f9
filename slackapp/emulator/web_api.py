"""A strict fake of the Slack Web API, served over real HTTP for ``slack_sdk.WebClient``.

Used by the test suite and by ``flowcoach demo``. Point a client at it with
``WebClient(token=fake.bot_token, base_url=fake.url)``; the fake records every call,
answers with Slack-shaped bodies and Slack's real error names, validates Block Kit with
slack_sdk's models plus Slack's limits, and can be scripted to fail (``fail``,
``rate_limit``, ``limit_per_channel``, ``delay``). Module docstrings of ``api_chat``,
``api_views`` and ``validation`` list the deliberate error-name choices.

Example::

    with FakeSlack() as fake:
        fake.add_user("U1", name="ada", tz="Europe/Paris")
        client = WebClient(token=fake.bot_token, base_url=fake.url)
        client.chat_postMessage(channel=fake.dm_channel("U1"), text="hi")
        assert fake.messages(fake.dm_channel("U1"))[0]["text"] == "hi"
        assert fake.validation_errors == []
"""

from __future__ import annotations

import copy
import threading
from collections.abc import Callable
from types import TracebackType
from typing import Any
from urllib.parse import quote

from slackapp.emulator.dispatch import Dispatcher
from slackapp.emulator.faults import FaultPlan
from slackapp.emulator.http_server import RESPONSE_URL_PREFIX, FakeSlackHTTPServer
from slackapp.emulator.recording import Call
from slackapp.emulator.workspace_setup import WorkspaceSetup
from slackapp.emulator.workspace_state import WorkspaceState, channel_key

__all__ = ["Call", "FakeSlack"]

_MESSAGE_KEYS = ("ts", "text", "blocks", "metadata", "thread_ts", "user")


class FakeSlack(WorkspaceSetup):
    """One fake workspace with a bot user; thread-safe; start/stop or use as a context manager."""

    def __init__(
        self,
        *,
        team_id: str = "T0001",
        team_name: str = "Acme",
        bot_user_id: str = "UBOT",
        bot_token: str = "xoxb-test",
        valid_tokens: set[str] | None = None,
        auto_channels: bool = True,
    ) -> None:
        """``valid_tokens`` defaults to ``{bot_token}``. With ``auto_channels`` any well-formed
        C…/G… id is an existing public channel the bot is in; otherwise only ``add_channel`` ones."""
        self.team_id = team_id
        self.team_name = team_name
        self.bot_user_id = bot_user_id
        self.bot_token = bot_token
        self._state = WorkspaceState(
            team_id=team_id,
            team_name=team_name,
            bot_user_id=bot_user_id,
            bot_token=bot_token,
            valid_tokens=valid_tokens,
        )
        self._state.auto_channels = auto_channels
        self._faults = FaultPlan()
        self._dispatcher = Dispatcher(self._state, self._faults)
        self._server: FakeSlackHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # ---- lifecycle -------------------------------------------------------------------------------
    def start(self) -> FakeSlack:
        if self._server is not None:
            raise RuntimeError("FakeSlack is already running")
        self._server = FakeSlackHTTPServer(self._dispatcher)
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="fake-slack-web-api",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        server, thread = self._server, self._thread
        self._server, self._thread = None, None
        if server is not None:
            server.shutdown()
            server.server_close()
        if thread is not None:
            thread.join(timeout=5)

    def __enter__(self) -> FakeSlack:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:<port>`` (no trailing slash)."""
        if self._server is None:
            raise RuntimeError("FakeSlack is not running; call start() first")
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    @property
    def url(self) -> str:
        """The Web API base URL for ``WebClient(base_url=...)``, e.g. ``http://127.0.0.1:53211/api/``."""
        return f"{self.base_url}/api/"

    def response_url(self, key: str = "r", *, channel: str | None = None, message_ts: str | None = None) -> str:
        """A response_url on this server. POSTs to it are recorded as ``Call(method="response_url",
        args={...json body..., "_key": key})``. Bound to ``channel``/``message_ts``, posts apply
        ``replace_original``/``delete_original`` to that message and ``in_channel`` posts to it."""
        with self._state.lock:
            self._state.response_urls[key] = (channel, message_ts)
        return f"{self.base_url}{RESPONSE_URL_PREFIX}{self.team_id}/{quote(key, safe='')}"

    # ---- recorded calls --------------------------------------------------------------------------
    @property
    def calls(self) -> list[Call]:
        """Every call received so far, in arrival order (a snapshot)."""
        return self._dispatcher.log.snapshot()

    def calls_to(self, method: str) -> list[Call]:
        return [c for c in self._dispatcher.log.snapshot() if c.method == method]

    def wait_for(
        self,
        method: str,
        *,
        count: int = 1,
        timeout: float = 5.0,
        predicate: Callable[[Call], bool] | None = None,
    ) -> list[Call]:
        """Poll until ``count`` *answered* calls to ``method`` (matching ``predicate``) were seen.

        Returns all matching answered calls; raises AssertionError listing the calls seen on timeout.
        """
        return self._dispatcher.log.wait_for(method, count=count, timeout=timeout, predicate=predicate)

    @property
    def validation_errors(self) -> list[str]:
        """Block Kit / payload problems the fake rejected (``"<method>: <detail> [json-pointer:…]"``)."""
        with self._state.lock:
            return list(self._state.validation_errors)

    @property
    def internal_errors(self) -> list[str]:
        """Tracebacks of bugs inside the fake itself (answered as HTTP 500 ``fatal_error``)."""
        return list(self._dispatcher.internal_errors)

    # ---- scripted faults -------------------------------------------------------------------------
    def fail(self, method: str, error: str, *, times: int = 1, channel: str | None = None) -> None:
        """The next ``times`` calls to ``method`` (to ``channel`` if given) answer
        ``{"ok": false, "error": error}`` without being handled."""
        self._faults.add_failure(method, error, times=times, channel=channel)

    def rate_limit(self, method: str, *, retry_after: int = 1, times: int = 1) -> None:
        """The next ``times`` calls answer HTTP 429, ``Retry-After: retry_after``, ``error: ratelimited``."""
        self._faults.add_rate_limit(method, retry_after=retry_after, times=times)

    def limit_per_channel(self, method: str = "chat.postMessage", *, per_second: float = 1.0) -> None:
        """Calls to one ``channel`` argument faster than ``per_second`` answer 429 with Retry-After."""
        self._faults.limit_per_channel(method, per_second)

    def delay(self, method: str, seconds: float, *, times: int = 1) -> None:
        """Sleep ``seconds`` before answering the next ``times`` calls (simulates slowness/timeouts)."""
        self._faults.add_delay(method, seconds, times=times)

    # ---- inspection ------------------------------------------------------------------------------
    def messages(self, channel: str) -> list[dict[str, Any]]:
        """Current messages in a channel (a user id means the bot's DM with them), oldest first,
        thread replies included, each with at least ts, text, blocks, metadata, thread_ts, user."""
        with self._state.lock:
            channel_id = channel_key(channel)
            stored = copy.deepcopy(self._state.messages.get(channel_id, []))
        defaults: dict[str, Any] = {"blocks": [], "metadata": None, "thread_ts": None, "user": None}
        return [{**{k: defaults.get(k) for k in _MESSAGE_KEYS}, **m} for m in stored]

    def ephemeral_messages(self, user_id: str | None = None) -> list[dict[str, Any]]:
        """chat.postEphemeral messages (and ephemeral response_url replies), optionally for one user.

        Each carries ``channel`` and ``user`` = the recipient (None for response_url replies)."""
        with self._state.lock:
            found = [m for m in self._state.ephemeral_messages if user_id is None or m["user"] == user_id]
            return copy.deepcopy(found)

    def home_view(self, user_id: str) -> dict[str, Any] | None:
        with self._state.lock:
            view = self._state.home_views.get(user_id)
            return copy.deepcopy(view) if view is not None else None

    def open_views(self) -> dict[str, dict[str, Any]]:
        """view_id → view for modals opened/pushed/updated and not closed with ``close_view``."""
        with self._state.lock:
            return copy.deepcopy(self._state.views)

    def close_view(self, view_id: str) -> None:
        with self._state.lock:
            self._state.views.pop(view_id, None)

    def dm_channel(self, user_id: str) -> str:
        """The DM channel id conversations.open returns for this user (``"D" + user_id``)."""
        return self._state.dm_channel_id(user_id)

    def reset(self) -> None:
        """Forget users, messages, views, calls, faults and validation errors; keep the server running."""
        self._state.reset()
        self._faults.reset()
        self._dispatcher.clear()
