"""Polling for what happens after an HTTP answer: listener work, and messages that go through the outbox."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from tests.conftest import JobRunner
from workers import runtime


def wait_until(condition: Callable[[], Any], *, timeout: float = 5.0, what: str = "condition",
               between: Callable[[], object] | None = None) -> Any:
    """Poll ``condition`` until it is truthy and return that value; ``between`` runs between polls."""
    deadline = time.monotonic() + timeout
    while True:
        found = condition()
        if found:
            return found
        if time.monotonic() >= deadline:
            raise AssertionError(f"timed out after {timeout:g}s waiting for {what}")
        if between is not None:
            between()
        time.sleep(0.03)


def wait_running_outbox(condition: Callable[[], Any], what: str, timeout: float = 5.0) -> Any:
    """Poll, running the outbox meanwhile (as the dispatcher would): notices to other people go through it."""
    return wait_until(condition, timeout=timeout, what=what,
                      between=lambda: JobRunner(runtime.current().redis).dispatch_and_run())
