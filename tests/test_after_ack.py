"""Work after an ack gives way to requests waiting for their answer, for a bounded time only."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest

from slackapp.after_ack import AfterAckPool


@pytest.fixture
def pool() -> Iterator[AfterAckPool]:
    executor = AfterAckPool(max_workers=2, max_wait_seconds=5, stall_seconds=0)
    yield executor
    executor.shutdown(wait=True)


def test_work_starts_only_once_every_waiting_request_is_answered(pool: AfterAckPool) -> None:
    ran = threading.Event()
    pool.answering()
    pool.answering()
    future = pool.submit(ran.set)
    time.sleep(0.05)
    assert not ran.is_set() and pool.pending() == 1
    pool.answered()
    time.sleep(0.05)
    assert not ran.is_set()  # one request still waits for its answer
    pool.answered()
    future.result(timeout=2)
    assert ran.is_set() and pool.pending() == 0


def test_with_no_request_waiting_work_starts_at_once(pool: AfterAckPool) -> None:
    started = time.monotonic()
    assert pool.submit(lambda x: x * 2, 21).result(timeout=2) == 42
    assert time.monotonic() - started < 1


def test_steady_traffic_delays_work_but_never_starves_it() -> None:
    executor = AfterAckPool(max_workers=1, max_wait_seconds=0.1)
    try:
        executor.answering()  # a request that is never answered
        started = time.monotonic()
        executor.submit(lambda: None).result(timeout=2)
        assert 0.09 <= time.monotonic() - started < 1.5
    finally:
        executor.answered()
        executor.shutdown(wait=True)


def test_pending_and_running_are_counted_and_errors_reach_the_future(pool: AfterAckPool) -> None:
    release = threading.Event()
    blocked = pool.submit(release.wait, 5)
    deadline = time.monotonic() + 2
    while pool.running() != 1 and time.monotonic() < deadline:
        time.sleep(0.005)
    assert (pool.running(), pool.pending()) == (1, 0)
    release.set()
    assert blocked.result(timeout=2) is True

    def boom() -> None:
        raise RuntimeError("listener failed")

    with pytest.raises(RuntimeError, match="listener failed"):
        pool.submit(boom).result(timeout=2)
    assert (pool.running(), pool.pending()) == (0, 0)


def test_tasks_run_one_at_a_time_while_each_finishes_promptly() -> None:
    executor = AfterAckPool(max_workers=4, stall_seconds=1)
    lock, running, most = threading.Lock(), [0], [0]

    def task() -> None:
        with lock:
            running[0] += 1
            most[0] = max(most[0], running[0])
        time.sleep(0.01)
        with lock:
            running[0] -= 1

    try:
        for future in [executor.submit(task) for _ in range(12)]:
            future.result(timeout=5)
    finally:
        executor.shutdown(wait=True)
    assert most[0] == 1


def test_a_stalled_task_lets_the_next_one_start_beside_it() -> None:
    executor = AfterAckPool(max_workers=2, stall_seconds=0.2)
    release = threading.Event()
    try:
        executor.submit(release.wait, 5)  # e.g. a Slack call stuck behind a 429 back-off
        started = time.monotonic()
        executor.submit(lambda: None).result(timeout=2)
        waited = time.monotonic() - started
        assert 0.15 <= waited < 1.5  # not at once (one at a time), not after the stuck call either
        assert executor.running() == 1
    finally:
        release.set()
        executor.shutdown(wait=True)


@pytest.mark.parametrize("settings", [{"max_wait_seconds": -1}, {"stall_seconds": -0.1}])
def test_negative_waits_are_refused(settings: dict[str, float]) -> None:
    with pytest.raises(ValueError):
        AfterAckPool(**settings)
