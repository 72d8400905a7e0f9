"""Sending signed requests: the closed-loop senders and chunks, settling, draining, and the checks before measuring."""

from __future__ import annotations

import http.client
import json
import threading
import time
from dataclasses import dataclass, field

from bench.ack.children import Child, Target
from bench.ack.payloads import (
    BACKLOG_POLL_S,
    DRAIN_TIMEOUT_S,
    LAZY_BACKLOG_LIMIT,
    SIGNING_SECRET,
    STOP_SENDING,
    WARMUP_HEADER,
    BenchError,
    Payload,
)
from slackapp import ids
from slackapp.emulator.signing import signed_headers
from slackapp.web import EVENTS_PATH


@dataclass
class Outcome:
    samples: list[float] = field(default_factory=list)  # seconds
    errors: list[str] = field(default_factory=list)
    backlog_waits: int = 0


def send(conn: http.client.HTTPConnection, payload: Payload, *, warmup: bool = False) -> tuple[float, int, bytes]:
    headers = signed_headers(payload.body, secret=SIGNING_SECRET, content_type=payload.content_type)
    if warmup:
        headers[WARMUP_HEADER] = "1"
    started = time.perf_counter()
    conn.request("POST", EVENTS_PATH, body=payload.body, headers=headers)
    response = conn.getresponse()
    data = response.read()
    return time.perf_counter() - started, response.status, data


def wait_for_room(target: Target, outcome: Outcome) -> None:
    if target.lazy_queued(BACKLOG_POLL_S) <= LAZY_BACKLOG_LIMIT:
        return
    outcome.backlog_waits += 1
    deadline = time.monotonic() + DRAIN_TIMEOUT_S
    while target.lazy_queued(BACKLOG_POLL_S) > LAZY_BACKLOG_LIMIT // 2:
        if time.monotonic() > deadline:
            raise BenchError(f"{target.name}: lazy backlog stuck at {target.lazy_queued()}")
        time.sleep(0.001)


def settle(target: Target) -> None:
    """Sequential mode: each request meets a server that has finished the previous one's work (untimed)."""
    deadline = time.monotonic() + DRAIN_TIMEOUT_S
    while not target.settled():
        if time.monotonic() > deadline:
            raise BenchError(f"{target.name}: work after the ack did not finish")
        time.sleep(0.0005)


def sender(target: Target, payload: Payload, count: int, warmup: int, outcome: Outcome,
           start: threading.Barrier | None = None, sequential: bool = False) -> None:
    conn = http.client.HTTPConnection(*target.address, timeout=30)
    try:
        for i in range(warmup + count):
            if STOP_SENDING.is_set():
                break
            if i == warmup and start is not None:
                start.wait()
            if sequential:
                settle(target)
            else:
                wait_for_room(target, outcome)
            elapsed, status, data = send(conn, payload, warmup=i < warmup)
            if status == 200 and payload.name.startswith("block_actions"):
                target.count_action()
            if status != 200:
                outcome.errors.append(f"{target.name} {payload.name}: HTTP {status} {data[:200]!r}")
            elif i >= warmup:
                outcome.samples.append(elapsed)
    except Exception as error:  # surfaced as an error line, never a silent gap in the samples
        outcome.errors.append(f"{target.name} {payload.name}: {type(error).__name__}: {error}")
        if start is not None:
            start.abort()
    finally:
        conn.close()


def run_chunk(target: Target, payload: Payload, *, count: int, senders: int, warmup: int) -> Outcome:
    outcomes = [Outcome() for _ in range(senders)]
    if senders == 1:
        sender(target, payload, count, warmup, outcomes[0], sequential=True)
    else:
        barrier = threading.Barrier(senders)
        shares = [count // senders + (1 if i < count % senders else 0) for i in range(senders)]
        threads = [threading.Thread(target=sender, args=(target, payload, shares[i], warmup, outcomes[i], barrier),
                                    name=f"bench-sender-{i}", daemon=True) for i in range(senders)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    merged = Outcome()
    for outcome in outcomes:
        merged.samples.extend(outcome.samples)
        merged.errors.extend(outcome.errors)
        merged.backlog_waits += outcome.backlog_waits
    return merged



def drain(target: Target, fake: Child) -> float:
    """Wait until the target's lazy work is done (Flowcoach: one views.publish per block action sent).
    Returns how long that took, not counting the final short pause."""
    started = time.monotonic()
    deadline = started + DRAIN_TIMEOUT_S
    while target.lazy_queued() > 0:
        if time.monotonic() > deadline:
            raise BenchError(f"{target.name}: lazy listener queue did not drain")
        time.sleep(0.005)
    if target.lazy_publishes and target.sent_actions:
        while (answered := fake.call("publishes")[1]) < target.sent_actions:
            if time.monotonic() > deadline:
                raise BenchError(f"{target.name}: {target.sent_actions} block actions acked but only {answered} "
                                 f"Home tabs published (lazy work failed?)")
            time.sleep(0.01)
    waited = time.monotonic() - started
    time.sleep(0.02)  # let the last lazy task return its thread to the pool
    return waited



# ---- checks before measuring ---------------------------------------------------------------------
def one_request(target: Target, payload: Payload) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection(*target.address, timeout=30)
    try:
        _, status, data = send(conn, payload, warmup=True)
    finally:
        conn.close()
    if status == 200 and payload.name.startswith("block_actions"):
        target.count_action()
    return status, data


def check_help_answer(target: Target, payload: Payload) -> None:
    status, data = one_request(target, payload)
    if status != 200:
        raise BenchError(f"{target.name}: /coach help answered HTTP {status}: {data[:300]!r}")
    answer = json.loads(data)
    blocks = json.dumps(answer.get("blocks", []))
    missing = [s for s in ("help", "start", "stop", "pause", "resume", "status") if f"{ids.COMMAND} {s}" not in blocks]
    if answer.get("response_type") != "ephemeral" or not answer.get("text", "").startswith("Flowcoach") or missing:
        raise BenchError(f"{target.name}: /coach help is not the help listing (missing {missing}): {data[:300]!r}")


def check_plain_ok(target: Target, payload: Payload) -> None:
    status, data = one_request(target, payload)
    if status != 200:
        raise BenchError(f"{target.name}: {payload.name} answered HTTP {status}: {data[:300]!r}")

