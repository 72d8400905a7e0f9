"""The pool for work after an ack, which gives way to requests still waiting for their answer.

Slack retries a request that is not answered within 3 s, and people feel every millisecond of a click.
In one process the work after an ack (publishing a Home tab, writing the database) competes for the
interpreter with the threads answering other requests. So a task waits to start while any Slack request
is being answered, for at most ``max_wait_seconds`` after it was submitted: a burst of clicks is answered
first and handled right after, and steady traffic can only delay work, never starve it.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, TypeVar

T = TypeVar("T")
DEFAULT_MAX_WAIT_SECONDS = 0.25


class AfterAckPool(ThreadPoolExecutor):
    def __init__(self, max_workers: int = 4, *, max_wait_seconds: float = DEFAULT_MAX_WAIT_SECONDS) -> None:
        if max_wait_seconds < 0:
            raise ValueError("max_wait_seconds must not be negative")
        super().__init__(max_workers=max_workers, thread_name_prefix="fc-after-ack")
        self.max_wait_seconds = max_wait_seconds
        self._quiet = threading.Condition()
        self._answering = 0
        self._pending = 0
        self._running = 0

    def submit(self, fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> Future[T]:
        with self._quiet:
            self._pending += 1
        try:
            return super().submit(self._when_quiet, time.monotonic() + self.max_wait_seconds, fn, args, kwargs)
        except BaseException:
            with self._quiet:
                self._pending -= 1
            raise

    def _when_quiet(self, deadline: float, fn: Callable[..., T], args: tuple[Any, ...],
                    kwargs: dict[str, Any]) -> T:
        with self._quiet:
            while self._answering and (left := deadline - time.monotonic()) > 0:
                self._quiet.wait(left)
            self._pending -= 1
            self._running += 1
        try:
            return fn(*args, **kwargs)
        finally:
            with self._quiet:
                self._running -= 1

    def answering(self) -> None:
        """A request has arrived whose answer is not sent yet."""
        with self._quiet:
            self._answering += 1

    def answered(self) -> None:
        with self._quiet:
            self._answering -= 1
            if not self._answering:
                self._quiet.notify_all()

    def pending(self) -> int:
        """Tasks submitted and not started yet (queued, or giving way to requests)."""
        with self._quiet:
            return self._pending

    def running(self) -> int:
        with self._quiet:
            return self._running
