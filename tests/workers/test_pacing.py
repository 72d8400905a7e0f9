"""Per-workspace and per-channel pacing of chat.postMessage, shared through Redis (real or fake)."""

from __future__ import annotations

import itertools
import threading
import time
from typing import Any

import pytest

from workers import pacing
from workers.pacing import reserve_workspace_slot, wait_for_channel_slot, wait_for_workspace_slot

T0 = 1_800_000_000_000  # a fixed wall clock, in ms


def test_a_burst_goes_at_once_then_one_slot_per_interval(redis_conn: Any) -> None:
    waits = [reserve_workspace_slot(redis_conn, "T1", now_ms=T0, rate_per_s=10, burst=3) for _ in range(6)]
    assert waits == [0, 0, 0, 100, 200, 300]
    assert redis_conn.exists("flowcoach:pace:team:T1")
    # The key is forgotten a minute after the last reserved slot (T0 + 300 ms).
    assert 0 < redis_conn.pttl("flowcoach:pace:team:T1") <= pacing.IDLE_TTL_MS + 600


def test_slots_free_up_as_time_passes(redis_conn: Any) -> None:
    for _ in range(4):
        reserve_workspace_slot(redis_conn, "T1", now_ms=T0, rate_per_s=10, burst=2)
    # Four reserved at T0 (two at once, then T0+100 and T0+200): the next slot is T0+300.
    assert reserve_workspace_slot(redis_conn, "T1", now_ms=T0 + 250, rate_per_s=10, burst=2) == 50
    assert reserve_workspace_slot(redis_conn, "T1", now_ms=T0 + 400, rate_per_s=10, burst=2) == 0
    assert reserve_workspace_slot(redis_conn, "T1", now_ms=T0 + 400, rate_per_s=10, burst=2) == 100
    assert reserve_workspace_slot(redis_conn, "T1", now_ms=T0 + 10_000, rate_per_s=10, burst=2) == 0


def test_workspaces_are_paced_independently(redis_conn: Any) -> None:
    assert [reserve_workspace_slot(redis_conn, "T1", now_ms=T0, rate_per_s=1, burst=1) for _ in range(2)] == [0, 1000]
    assert reserve_workspace_slot(redis_conn, "T2", now_ms=T0, rate_per_s=1, burst=1) == 0


def test_the_defaults_are_the_documented_constants(redis_conn: Any) -> None:
    interval = round(1000 / pacing.WORKSPACE_RATE_PER_S)
    waits = [reserve_workspace_slot(redis_conn, "T1", now_ms=T0) for _ in range(pacing.WORKSPACE_BURST + 2)]
    assert waits == [0] * pacing.WORKSPACE_BURST + [interval, 2 * interval]


def test_waiting_uses_the_clock_and_sleep_it_is_given(redis_conn: Any) -> None:
    slept: list[float] = []
    for _ in range(3):
        wait_for_workspace_slot(redis_conn, "T1", rate_per_s=4, burst=1, clock=lambda: T0 / 1000, sleep=slept.append)
    assert slept == [0.25, 0.5]
    # A long queue never parks a worker for more than max_wait_s: Slack's 429 handling is the backstop.
    assert wait_for_workspace_slot(redis_conn, "T1", rate_per_s=4, burst=1, max_wait_s=0.1,
                                   clock=lambda: T0 / 1000, sleep=slept.append) == 0.1


def test_bad_settings_are_refused(redis_conn: Any) -> None:
    with pytest.raises(ValueError):
        reserve_workspace_slot(redis_conn, "T1", now_ms=T0, rate_per_s=0)
    with pytest.raises(ValueError):
        reserve_workspace_slot(redis_conn, "T1", now_ms=T0, burst=0)


def test_concurrent_workers_share_one_schedule(redis_conn: Any) -> None:
    """Eight threads (standing in for worker processes) post 16 messages at 50/s: about 0.3 s, never faster."""
    waits: list[float] = []  # the absolute slot times handed out
    stamps: list[float] = []
    lock = threading.Lock()

    def worker() -> None:
        for _ in range(2):
            asked = time.time()
            waited = wait_for_workspace_slot(redis_conn, "T1", rate_per_s=50, burst=1, clock=lambda t=asked: t)
            with lock:
                stamps.append(time.monotonic())
                waits.append(int(asked * 1000) / 1000 + waited)  # the slot this worker was given

    threads = [threading.Thread(target=worker) for _ in range(8)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=5)
    assert len(stamps) == 16
    assert max(stamps) - started >= 15 * 0.020 - 0.01  # 15 intervals after the first slot
    # Every worker got its own slot, at least 20 ms after the one before.
    slots = sorted(waits)
    assert min(b - a for a, b in itertools.pairwise(slots)) >= 0.0195


def test_the_channel_slot_spaces_messages_to_one_channel(redis_conn: Any) -> None:
    started = time.monotonic()
    wait_for_channel_slot(redis_conn, "D1", interval_ms=100)
    wait_for_channel_slot(redis_conn, "D2", interval_ms=100)  # another channel: no wait
    assert time.monotonic() - started < 0.05
    wait_for_channel_slot(redis_conn, "D1", interval_ms=100)
    assert time.monotonic() - started >= 0.08
