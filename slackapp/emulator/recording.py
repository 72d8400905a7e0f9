"""Thread-safe record of the calls the fake Slack Web API received."""

from __future__ import annotations

import copy
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Call:
    """One recorded Web API call (or ``method="response_url"`` for a POST to a response_url).

    ``args`` are the decoded arguments (Block Kit strings JSON-decoded; the token is kept apart in
    ``token``, which is left out of ``repr``). ``response`` is filled in with the JSON body the fake
    answered once it has answered (it stays empty while the call is still being handled).
    """

    method: str
    args: dict[str, Any]
    token: str | None = field(repr=False)
    at: float
    response: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @property
    def ok(self) -> bool | None:
        """True/False once answered, None while pending."""
        value = self.response.get("ok")
        return None if value is None else bool(value)

    @property
    def error(self) -> str | None:
        value = self.response.get("error")
        return value if isinstance(value, str) else None


CallPredicate = Callable[[Call], bool]
_SECRET_ARGS = frozenset({"token", "client_secret", "refresh_token", "code"})


def _redacted(args: dict[str, Any]) -> dict[str, Any]:
    return {k: ("<redacted>" if k in _SECRET_ARGS else v) for k, v in args.items()}


class CallLog:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._calls: list[Call] = []

    def record(self, method: str, args: dict[str, Any], token: str | None) -> Call:
        call = Call(method=method, args=copy.deepcopy(args), token=token, at=time.monotonic())
        with self._lock:
            self._calls.append(call)
        return call

    def snapshot(self) -> list[Call]:
        with self._lock:
            return list(self._calls)

    def clear(self) -> None:
        with self._lock:
            self._calls.clear()

    def wait_for(self, method: str, *, count: int, timeout: float, predicate: CallPredicate | None) -> list[Call]:
        """Poll until ``count`` answered calls to ``method`` match; AssertionError listing calls otherwise."""
        deadline = time.monotonic() + timeout
        while True:
            matching = [
                c for c in self.snapshot() if c.method == method and c.response and (predicate is None or predicate(c))
            ]
            if len(matching) >= count:
                return matching
            if time.monotonic() >= deadline:
                raise AssertionError(self.describe_timeout(method, count, timeout, predicate, len(matching)))
            time.sleep(0.01)

    def describe_timeout(
        self, method: str, count: int, timeout: float, predicate: CallPredicate | None, seen: int
    ) -> str:
        calls = self.snapshot()
        condition = " matching the predicate" if predicate is not None else ""
        lines = [f"expected {count} answered call(s) to {method}{condition} within {timeout}s, saw {seen}."]
        lines.append(f"{len(calls)} call(s) received:" if calls else "No calls were received at all.")
        first = max(0, len(calls) - 50)
        for index, call in enumerate(calls[first:], start=first + 1):
            outcome = "pending" if not call.response else ("ok" if call.ok else f"error={call.error}")
            args = repr(_redacted(call.args))
            lines.append(f"  {index}. {call.method} [{outcome}] {args[:300]}{'…' if len(args) > 300 else ''}")
        return "\n".join(lines)
