"""The pool for work after an ack, which gives way to requests still waiting for their answer.

Slack retries a request that is not answered within 3 s, and people feel every millisecond of a click.
In one process the work after an ack (publishing a Home tab, writing the database) competes for the
interpreter lock with the threads answering other requests, so this pool keeps that competition small:

* a task waits to start while any Slack request is being answered, for at most ``max_wait_seconds``
  after it was submitted: a burst of clicks is answered first and handled right after, and steady
  traffic can delay work, never starve it;
* one task runs at a time, unless the running ones have all been running for ``stall_seconds``: then
  they are most likely waiting on the network (a slow Slack call, a 429 back-off), and another starts
  beside them. Several threads all wanting the interpreter at once would only slow every answer down.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, TypeVar

T = TypeVar("T")
DEFAULT_MAX_WAIT_SECONDS = 0.25
DEFAULT_STALL_SECONDS = 0.05


class AfterAckPool(ThreadPoolExecutor):
    def __init__(self, max_workers: int = 4, *, max_wait_seconds: float = DEFAULT_MAX_WAIT_SECONDS,
                 stall_seconds: float = DEFAULT_STALL_SECONDS) -> None:
        if max_wait_seconds < 0 or stall_seconds < 0:
            raise ValueError("max_wait_seconds and stall_seconds must not be negative")
        super().__init__(max_workers=max_workers, thread_name_prefix="fc-after-ack")
        self.max_wait_seconds, self.stall_seconds = max_wait_seconds, stall_seconds
        self._quiet = threading.Condition()
        self._answering = 0
        self._pending = 0
        self._started: dict[int, float] = {}  # running task → when it started

    def submit(self, fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> Future[T]:
        with self._quiet:
            self._pending += 1
        try:
            return super().submit(self._in_turn, time.monotonic() + self.max_wait_seconds, fn, args, kwargs)
        except BaseException:
            with self._quiet:
                self._pending -= 1
            raise

    def _wait_before_start(self, deadline: float) -> float:
        """0 when a task may start now, else how long to wait before looking again (called holding the lock)."""
        now = time.monotonic()
        waits = [until - now for until in (t + self.stall_seconds for t in self._started.values()) if until > now]
        if self._answering and deadline > now:
            waits.append(deadline - now)
        return max(waits, default=0.0)

    def _in_turn(self, deadline: float, fn: Callable[..., T], args: tuple[Any, ...], kwargs: dict[str, Any]) -> T:
        me = threading.get_ident()
        with self._quiet:
            while (wait := self._wait_before_start(deadline)) > 0:
                self._quiet.wait(wait)
            self._pending -= 1
            self._started[me] = time.monotonic()
        try:
            return fn(*args, **kwargs)
        finally:
            with self._quiet:
                del self._started[me]
                self._quiet.notify_all()

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
        """Tasks submitted and not started yet (queued, or waiting for their turn)."""
        with self._quiet:
            return self._pending

    def running(self) -> int:
        with self._quiet:
            return len(self._started)
