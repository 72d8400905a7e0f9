"""Cross-process pacing of chat.postMessage per channel (Slack allows about one message per second)."""

from __future__ import annotations

import time

from redis import Redis

CHANNEL_INTERVAL_MS = 1000


def wait_for_channel_slot(redis: Redis, channel: str, *, interval_ms: int = CHANNEL_INTERVAL_MS,
                          max_wait_s: float = 30.0) -> None:
    deadline = time.monotonic() + max_wait_s
    key = f"flowcoach:pace:{channel}"
    while not redis.set(key, b"1", nx=True, px=interval_ms):
        if time.monotonic() > deadline:
            return
        remaining = redis.pttl(key)
        time.sleep(max(int(remaining) if isinstance(remaining, int) else 0, 10) / 1000)
