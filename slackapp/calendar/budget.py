"""A CPU-time budget for parsing one feed, with a hard stop for runaway recurrence rules.

Why a trace hook: dateutil evaluates a recurrence rule inside one Python loop and can spin for
seconds without producing a single value (``FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30`` scans every
day up to the year 9999, ~5 s; ``FREQ=SECONDLY`` from years ago yields hundreds of millions of
values before the window). Checking the clock between values cannot stop that, so while such
code runs (:meth:`CpuBudget.guard`), a ``sys.settrace`` hook reads the thread's CPU clock every
few hundred Python calls and raises :class:`BudgetExceeded` inside the loop. The hook is
per-thread, installed only around recurrence-rule evaluation, and chains to a tracer that was
already installed (coverage, debuggers), which is restored afterwards.

CPU time is the calling thread's (``time.thread_time``): worker threads in embedded mode must
not be charged for each other's work. In a single-threaded worker it equals process time.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType
from typing import Any, Literal

__all__ = ["BudgetExceeded", "CpuBudget"]

_CALLS_BETWEEN_CLOCK_READS = 256

TraceFunction = Callable[[FrameType, str, Any], Any]  # sys.gettrace()'s type, spelled out


class BudgetExceeded(BaseException):
    """Raised when CPU time runs out.

    A BaseException on purpose: library code that catches ``Exception`` must not swallow it.
    ``scope`` says whether the whole feed's budget or only the current series' allowance ran out.
    """

    def __init__(self, scope: Literal["feed", "series"]) -> None:
        super().__init__(scope)
        self.scope: Literal["feed", "series"] = scope


class CpuBudget:
    def __init__(self, seconds: float, clock: Callable[[], float] = time.thread_time) -> None:
        self._clock = clock
        self.started = clock()
        self.deadline = self.started + seconds
        self._limit = self.deadline

    def used(self) -> float:
        return self._clock() - self.started

    def check(self) -> None:
        """Raise BudgetExceeded if the current limit (feed or series) has passed."""
        if self._clock() > self._limit:
            raise self._exceeded()

    def _exceeded(self) -> BudgetExceeded:
        return BudgetExceeded("feed" if self._clock() > self.deadline else "series")

    @contextmanager
    def allowance(self, seconds: float) -> Iterator[None]:
        """Limit the enclosed work to ``seconds`` more CPU time (never beyond the feed deadline)."""
        outer = self._limit
        self._limit = min(outer, self._clock() + seconds)
        try:
            yield
        finally:
            self._limit = outer

    @contextmanager
    def guard(self) -> Iterator[None]:
        """Enforce the current limit even inside loops that never return to our code."""
        self.check()
        previous: Any = sys.gettrace()
        clock = self._clock
        limit = self._limit
        calls = 0

        def hook(frame: FrameType, event: str, arg: Any) -> Any:
            nonlocal calls
            calls += 1
            if calls >= _CALLS_BETWEEN_CLOCK_READS:
                calls = 0
                if clock() > limit:
                    # Raising here unsets the hook and propagates into the running code.
                    raise self._exceeded()
            return previous(frame, event, arg) if previous is not None else None

        sys.settrace(hook)
        try:
            yield
        finally:
            sys.settrace(previous)
