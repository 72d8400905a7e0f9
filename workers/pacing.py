"""Cross-process pacing of chat.postMessage, per channel and per workspace, kept in Redis.

Slack's chat.postMessage is a "special tier" method: about one message per second per channel
(short bursts tolerated) plus a workspace-wide limit that Slack does not publish as a number.

* Per channel: at most one message per ``CHANNEL_INTERVAL_MS`` (a ``SET NX PX`` lock).
* Per workspace (team_id): a generic cell rate algorithm (GCRA) in one Lua script, so every
  worker process on every machine shares one schedule: ``WORKSPACE_BURST`` messages may go at
  once, then one every ``1 / WORKSPACE_RATE_PER_S`` seconds. Each caller *reserves* its slot and
  sleeps until it, so waiting workers are served in order and never poll.

The defaults (10/s, bursts of 10 = 600 a minute) keep a large organisation's Monday-morning
nudges flowing while staying clear of the workspace limit; a 429 with ``Retry-After`` is still
handled by the client's retry handler if Slack disagrees.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

CHANNEL_INTERVAL_MS = 1000
WORKSPACE_RATE_PER_S = 10.0
WORKSPACE_BURST = 10
MAX_WAIT_S = 30.0
IDLE_TTL_MS = 60_000  # a workspace's schedule is forgotten this long after its last reserved slot

CHANNEL_KEY = "flowcoach:pace:{channel}"
WORKSPACE_KEY = "flowcoach:pace:team:{team_id}"

# KEYS[1]: the workspace's theoretical arrival time (ms). ARGV: now_ms, interval_ms, burst, idle_ttl_ms.
# Returns the milliseconds the caller must wait before its (now reserved) slot.
_GCRA = """
local now = tonumber(ARGV[1])
local interval = tonumber(ARGV[2])
local tolerance = interval * (tonumber(ARGV[3]) - 1)
local stored = redis.call('GET', KEYS[1])
local tat = now
if stored then tat = math.max(tonumber(stored), now) end
local wait = tat - tolerance - now
if wait < 0 then wait = 0 end
local new_tat = tat + interval
redis.call('SET', KEYS[1], string.format('%d', new_tat), 'PX', math.floor(new_tat - now) + tonumber(ARGV[4]))
return wait
"""


def wait_for_channel_slot(redis: Any, channel: str, *, interval_ms: int = CHANNEL_INTERVAL_MS,
                          max_wait_s: float = MAX_WAIT_S) -> None:
    deadline = time.monotonic() + max_wait_s
    key = CHANNEL_KEY.format(channel=channel)
    while not redis.set(key, b"1", nx=True, px=interval_ms):
        if time.monotonic() > deadline:
            return
        remaining = redis.pttl(key)  # a post in flight holds the key long: look again soon, not at its expiry
        time.sleep(min(max(int(remaining) if isinstance(remaining, int) else 0, 10), POLL_MAX_MS) / 1000)


POLL_MAX_MS = 50
IN_FLIGHT_MS = 15_000  # longer than a post with its retries: no one else posts to the channel meanwhile


def hold_channel_for_post(redis: Any, channel: str, *, max_wait_s: float = MAX_WAIT_S) -> None:
    """Take the channel's slot and keep it while our post is in flight (see ``channel_posted``)."""
    wait_for_channel_slot(redis, channel, interval_ms=IN_FLIGHT_MS, max_wait_s=max_wait_s)


def channel_posted(redis: Any, channel: str, *, interval_ms: int = CHANNEL_INTERVAL_MS) -> None:
    """Our post reached Slack (or failed): the next one may go ``interval_ms`` from *now*.

    Timing the interval from when Slack received the post, not from when we took the slot, keeps
    posts to one channel at least a second apart at Slack's end despite network jitter."""
    redis.set(CHANNEL_KEY.format(channel=channel), b"1", px=interval_ms)


def reserve_workspace_slot(redis: Any, team_id: str, *, now_ms: int, rate_per_s: float | None = None,
                           burst: int | None = None) -> int:
    """Reserve the workspace's next chat.postMessage slot; return how many ms to wait for it."""
    rate = WORKSPACE_RATE_PER_S if rate_per_s is None else rate_per_s
    size = WORKSPACE_BURST if burst is None else burst
    if rate <= 0 or size < 1:
        raise ValueError("the workspace rate must be positive and the burst at least 1")
    interval_ms = max(1, round(1000 / rate))
    wait = redis.eval(_GCRA, 1, WORKSPACE_KEY.format(team_id=team_id), int(now_ms), interval_ms, int(size),
                       IDLE_TTL_MS)
    return int(wait)


def wait_for_workspace_slot(redis: Any, team_id: str, *, rate_per_s: float | None = None, burst: int | None = None,
                            max_wait_s: float = MAX_WAIT_S, clock: Callable[[], float] = time.time,
                            sleep: Callable[[float], None] = time.sleep) -> float:
    """Sleep until this process may post to ``team_id``; returns the seconds waited.

    ``clock`` is wall time (shared across machines, unlike a monotonic clock). A wait longer than
    ``max_wait_s`` is cut short: Slack's own 429 handling is the backstop.
    """
    wait_ms = reserve_workspace_slot(redis, team_id, now_ms=int(clock() * 1000), rate_per_s=rate_per_s, burst=burst)
    seconds = min(wait_ms / 1000, max_wait_s)
    if seconds > 0:
        sleep(seconds)
    return seconds
