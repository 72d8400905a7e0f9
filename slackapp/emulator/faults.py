"""Scripted failures for the fake Slack Web API: errors, HTTP 429s, per-channel pacing, delays."""

from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass
from typing import Any

from slackapp.emulator.workspace_state import ApiError, channel_key


@dataclass
class _Failure:
    method: str
    error: str
    remaining: int
    channel: str | None


@dataclass
class _Budget:
    method: str
    remaining: int
    value: float


def ratelimited(retry_after: int) -> ApiError:
    """Slack's 429 answer: ``Retry-After`` header plus ``{"ok": false, "error": "ratelimited"}``."""
    return ApiError("ratelimited", status=429, headers={"Retry-After": str(retry_after)})


class FaultPlan:
    """Thread-safe queue of injected faults, consumed in the order they were scripted.

    Channels are compared by ``channel_key``: a user id and the DM id ``"D" + user_id`` are the same
    channel for ``fail(channel=...)`` and ``limit_per_channel``.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        with self._lock:
            self._failures: list[_Failure] = []
            self._rate_limits: list[_Budget] = []
            self._delays: list[_Budget] = []
            self._per_channel: dict[str, float] = {}
            self._last_allowed: dict[tuple[str, str], float] = {}

    def add_failure(self, method: str, error: str, *, times: int, channel: str | None) -> None:
        with self._lock:
            self._failures.append(_Failure(method, error, times, channel_key(channel)))

    def add_rate_limit(self, method: str, *, retry_after: int, times: int) -> None:
        with self._lock:
            self._rate_limits.append(_Budget(method, times, float(retry_after)))

    def add_delay(self, method: str, seconds: float, *, times: int) -> None:
        with self._lock:
            self._delays.append(_Budget(method, times, seconds))

    def limit_per_channel(self, method: str, per_second: float) -> None:
        if per_second <= 0:
            raise ValueError("per_second must be positive")
        with self._lock:
            self._per_channel[method] = per_second

    @staticmethod
    def _take(budgets: list[_Budget], method: str) -> _Budget | None:
        for budget in budgets:
            if budget.method == method and budget.remaining > 0:
                budget.remaining -= 1
                if budget.remaining == 0:
                    budgets.remove(budget)
                return budget
        return None

    def take_delay(self, method: str) -> float:
        """Seconds to sleep before answering this call (0 when no delay is scripted)."""
        with self._lock:
            budget = self._take(self._delays, method)
        return budget.value if budget else 0.0

    def check(self, method: str, args: dict[str, Any]) -> ApiError | None:
        """The fault to answer with instead of handling the call, if any (consumes it)."""
        with self._lock:
            budget = self._take(self._rate_limits, method)
            if budget is not None:
                return ratelimited(int(budget.value))
            channel = channel_key(args.get("channel"))
            per_second = self._per_channel.get(method)
            if per_second is not None and isinstance(channel, str):
                now = time.monotonic()
                interval = 1.0 / per_second
                last = self._last_allowed.get((method, channel))
                if last is not None and now - last < interval:
                    return ratelimited(max(1, math.ceil(interval - (now - last))))
                self._last_allowed[(method, channel)] = now
            for failure in self._failures:
                if failure.method != method or failure.remaining <= 0:
                    continue
                if failure.channel is not None and failure.channel != channel:
                    continue
                failure.remaining -= 1
                if failure.remaining == 0:
                    self._failures.remove(failure)
                return ApiError(failure.error)
        return None
