"""Ack latency through the real HTTP stack: Flowcoach vs a bare Bolt app vs a bare WSGI floor.

Run::

    .venv/bin/python bench/bench_ack.py [--requests 2000] [--concurrency 8] [--warmup 200] [--rounds 4]
                                        [--rate 100] [--rate-requests N]

Processes. Every target server and the fake Slack Web API run in a child process of their own, forked
(``multiprocessing``, "fork") before this process starts any thread; this process holds only the
sender threads. With everything in one process the servers, FakeSlack and the senders shared one GIL,
and with 8 concurrent senders even the floor target showed ~4.5 ms p50: the harness, not the server,
was measured. In production the server has its process to itself and Slack is remote.

- the FakeSlack child (started first) serves ``FakeSlack`` and reports its URL and bot token; its CPU
  (it validates every published Home view) is not charged to any target;
- each target child builds its app, starts its own real waitress server
  (``slackapp.server.BackgroundServer``, 8 threads, 127.0.0.1, see ``start_server``) and then answers
  control commands;
- the bench process talks to each child over a ``multiprocessing`` Pipe, one request/response at a time
  (``(command, args)`` → ``("ok", result)`` or ``("error", text)``): lazy backlog and busy state, the
  per-request server CPU samples, and at the end the checks (person paused, views.publish count,
  FakeSlack validation errors). Every child is sent "stop" at the end (also on errors and Ctrl-C),
  joined, and terminated if it does not exit.

Three targets, measured side by side in the same run:

1. ``flowcoach``: ``create_app`` + ``create_wsgi_app`` with a temporary migrated SQLite database,
   fakeredis, the real content library and the FakeSlack child as the Web API (``SLACK_API_URL``);
2. ``bare-bolt``: a Bolt ``App`` (``process_before_response=True``) whose ``/coach`` command and
   ``fc_pause_week`` action listeners only ``ack()``, behind ``slack_bolt.adapter.wsgi.SlackRequestHandler``;
3. ``floor``: a WSGI callable that answers ``200 ""`` without reading the request.

Two payloads: the slash command ``/coach help`` (answered in the ack) and a ``block_actions`` payload
for ``fc_pause_week`` from the Home tab (acked at once; Flowcoach's work after the ack then writes SQLite
and publishes the Home tab to FakeSlack). Every request is signed afresh (outside the timed region)
with ``slackapp.emulator.signing.signed_headers``; bodies are built once. Each sender thread uses its
own keep-alive ``http.client.HTTPConnection`` (no TCP set-up in the figures, less client overhead than
``requests``). The figure is client-side wall time (``time.perf_counter``) from sending the request
to having read the whole answer (``seq``, ``conc``), or from the request's intended send time to having
read the whole answer (``rate``, see below).

Modes (rows), each ``--rounds`` chunks per target:

- ``seq``: one sender; before each request the target settles (untimed: nothing queued or running after
  the previous ack). The latency of one click on an otherwise idle server.
- ``concx8`` (closed loop): ``--concurrency`` senders, each with its own connection, each sending its
  next request as soon as it has read the previous answer. The offered load is whatever the server
  answers, so this measures throughput under saturation: by Little's law the p50 is roughly senders ×
  the per-request time of the busiest process. Senders pause (untimed) while more than
  ``LAZY_BACKLOG_LIMIT`` tasks wait in the target's executor (asked of the child at most every
  ``BACKLOG_POLL_S``, by one sender at a time), so lazy work cannot pile up without bound. For the block
  action this is hundreds of clicks a second, several times what Flowcoach's work after the ack
  (~12 ms of CPU a click, in the same process) can absorb: these rows are acks of a saturated server.
  A closed loop also suffers from coordinated omission: while the server stalls, the senders wait with
  it and send nothing, so the stall delays a handful of requests instead of every request that would
  have arrived meanwhile, and the percentiles understate it.
- ``rate<R>x8`` (open loop, ``--rate R`` requests per second in total, default 100; ``--rate 0`` drops
  these rows): the same ``--concurrency`` senders, but each sends on a schedule fixed in advance,
  whatever the server does. Arrivals are Poisson: each chunk's intended send times are ``count`` sorted
  uniform draws over ``count / R`` seconds (a Poisson stream of R per second conditioned on that count),
  from ``random.Random`` seeded by payload and round only (every target gets the same schedule), dealt
  round robin so each sender takes every ``--concurrency``-th arrival: an equal share of the rate, on its
  own schedule. A sender sleeps until a request's intended time (``time.sleep``, then ``sleep(0)`` for
  the last ``SPIN_S``); if it is already late (its previous answer came late) it sends at once, and
  nothing is skipped. The latency is counted from the intended time, not the actual send time, so a
  stalled server is charged for the whole wait of every request due meanwhile (no coordinated omission;
  as in wrk2). With one connection per sender at most ``--concurrency`` requests are in flight; a
  request due while its sender still waits is charged the wait, as if queued in the client. There is no
  backlog limiter here: if the server cannot keep up, its lazy backlog grows, and the run says so
  (below). The rows are measured with ``--rate-requests`` requests (default ``--requests``, at most
  ``RATE_REQUESTS_CAP``), so each takes about rate-requests / R seconds per target.

Within each payload × mode the targets take turns in ``--rounds`` chunks so drift (CPU frequency,
other load) hits all three alike; a target's lazy work is drained (untimed) before the next target
runs. Concurrent and open-loop senders first send a few untimed warm-up requests back to back (which
opens their connections); in the open loop the target then settles before the schedule starts.

For the open-loop rows a second table shows whether the offered load was met: the achieved rate
(measured requests / time from each chunk's schedule start to the later of the schedule's end and its
last answer), how many requests were due before their sender had read its previous answer ("behind"),
the client lag (actual send time minus the later of the intended time and the previous answer: the
bench's own lateness, which the open loop charges to the target too), the most lazy tasks queued in the
target's executor (sampled every ``BACKLOG_SAMPLE_S`` by one monitor thread, not per request) and the
longest drain after a chunk. A backlog that keeps growing means the server did not keep up with its work
after the ack, even if the acks stayed fast.

The extra column "srv CPU p50" is a diagnostic: the request thread's own CPU time inside the WSGI app
(``time.thread_time``, collected in the target's child), which excludes waiting for the GIL, the
network and the client.

PASS/MISS lines: p50 <= 3 ms and "not worse than bare Bolt" over the ``seq`` and ``conc`` rows, p99 per
closed-loop mode, and for each open-loop mode the same three (p50, vs bare Bolt, p99 < 300 ms) on their
own lines.

Exit status: 0 with figures (PASS/MISS lines are information, not a test), 1 if anything errors
(a non-200 answer, a wrong help answer, lazy work that never completes, a child that fails).
"""

from __future__ import annotations

import argparse
import logging
import math
import os
import shutil
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

# Measure the checkout this file lives in; bench.ack is imported from it too (from any working directory).
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.ack.children import Child, Target, start_children
from bench.ack.open_loop import run_rate_chunk
from bench.ack.payloads import (
    LAZY_BACKLOG_LIMIT,
    RATE_REQUESTS_CAP,
    STOP_SENDING,
    USER_ID,
    BenchError,
    Mode,
    Payload,
    action_payload,
    command_payload,
)
from bench.ack.report import RateRow, Stats, print_rate_table, print_table, print_verdicts, stats
from bench.ack.senders import Outcome, check_help_answer, check_plain_ok, drain, run_chunk
from bench.machine import loadavg


# ---- main ----------------------------------------------------------------------------------------
def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--requests", type=int, default=2000,
                        help="measured requests per target × payload × mode (split across senders when concurrent)")
    parser.add_argument("--concurrency", type=int, default=8,
                        help="sender threads in the concurrent (closed-loop) and the open-loop mode")
    parser.add_argument("--warmup", type=int, default=200,
                        help="untimed requests per target × payload before measuring (and ~5%% per concurrent sender)")
    parser.add_argument("--rounds", type=int, default=4, help="chunks per target, interleaved between targets")
    parser.add_argument("--rate", type=float, default=100.0,
                        help="open-loop mode: requests per second in total across the --concurrency senders "
                             "(0: no open-loop rows)")
    parser.add_argument("--rate-requests", type=int, default=None,
                        help=f"measured requests per target × payload in the open-loop mode (default: --requests, "
                             f"at most {RATE_REQUESTS_CAP}); each row takes about this / --rate seconds per target")
    parser.add_argument("--as-shipped-loop", action="store_true",
                        help="keep a BackgroundServer asyncore_loop_timeout of 0 (waitress busy loop) instead of 1 s")
    args = parser.parse_args(argv)
    if args.requests < args.rounds or args.concurrency < 1 or args.warmup < 0 or args.rounds < 1:
        parser.error("need --requests >= --rounds >= 1, --concurrency >= 1, --warmup >= 0")
    if args.rate_requests is None:
        args.rate_requests = min(args.requests, RATE_REQUESTS_CAP)
    if not args.rate >= 0 or math.isinf(args.rate) or (args.rate > 0 and args.rate_requests < args.rounds):
        parser.error("need a finite --rate >= 0 and --rate-requests >= --rounds")
    return args


@dataclass
class Run:
    results: dict[tuple[str, str, str], Stats] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    backlog_waits: int = 0
    phases: list[str] = field(default_factory=list)
    loads: dict[tuple[str, str, str], RateRow] = field(default_factory=dict)  # open-loop rows only


def measure(args: argparse.Namespace, fake: Child, targets: list[Target], payloads: list[Payload],
            modes: list[Mode]) -> Run:
    run = Run()
    for payload in payloads:  # warm-up: imports, caches, the DB file, connection pools
        for target in targets:
            run.errors += run_chunk(target, payload, count=0, senders=1, warmup=args.warmup).errors
            drain(target, fake)
    for payload in payloads:
        for mode in modes:
            samples: dict[str, list[float]] = {t.name: [] for t in targets}
            cpu: dict[str, list[float]] = {t.name: [] for t in targets}
            loads = {t.name: RateRow(has_executor=t.has_executor) for t in targets}
            phase_started = time.monotonic()
            for r in range(args.rounds):
                count = mode.requests // args.rounds + (1 if r < mode.requests % args.rounds else 0)
                for target in targets:
                    warmup = 0 if mode.name == "seq" else max(5, args.warmup // 20)  # opens each sender's connection
                    target.take_cpu()  # nothing measured yet belongs to this chunk
                    if mode.open_loop:  # same schedule for every target: seeded by payload and round only
                        rated = run_rate_chunk(target, payload, count=count, senders=mode.senders, rate=mode.rate,
                                               warmup=warmup, seed=f"{payload.name}/round {r}")
                        outcome: Outcome = rated
                    else:
                        outcome = run_chunk(target, payload, count=count, senders=mode.senders, warmup=warmup)
                    samples[target.name] += outcome.samples
                    cpu[target.name] += target.take_cpu()
                    run.errors += outcome.errors
                    run.backlog_waits += outcome.backlog_waits
                    drained = drain(target, fake)
                    if mode.open_loop:
                        loads[target.name].add(rated, drained)
            for target in targets:
                run.results[(target.name, payload.name, mode.name)] = stats(samples[target.name], cpu[target.name])
                if mode.open_loop:
                    run.loads[(target.name, payload.name, mode.name)] = loads[target.name]
            name = mode.label if mode.open_loop else mode.name
            run.phases.append(f"{payload.name} {name} {time.monotonic() - phase_started:.0f} s")
    return run



def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    workdir = Path(tempfile.mkdtemp(prefix="flowcoach-bench-"))
    children: list[Child] = []
    started, load_before = time.monotonic(), loadavg()
    try:
        fake, targets = start_children(args, workdir, children)
        print("processes: each target server in its own process (" +
              ", ".join(f"{t.name} pid {t.child.pid}" for t in targets) +
              f"); FakeSlack in its own process (pid {fake.pid}); senders in the bench process "
              f"(pid {os.getpid()})", flush=True)
        response_url = fake.hello["response_url"]

        command = command_payload(response_url)
        check_help_answer(targets[0], command)
        for target in targets[1:]:
            check_plain_ok(target, command)
        # One real click first: the action body then carries the Home view Flowcoach really publishes.
        check_plain_ok(targets[0], action_payload(response_url, None))
        drain(targets[0], fake)
        action = action_payload(response_url, fake.call("home_view", USER_ID))
        for target in targets:
            check_plain_ok(target, action)
            drain(target, fake)

        payloads = [command, action]
        modes = [Mode("seq", 1, args.requests)]
        if args.concurrency > 1:
            modes.append(Mode("conc", args.concurrency, args.requests))
        if args.rate > 0:
            modes.append(Mode("rate", args.concurrency, args.rate_requests, args.rate))
        run = measure(args, fake, targets, payloads, modes)

        published = fake.call("publishes")[0]
        if published != targets[0].sent_actions:
            raise BenchError(f"{targets[0].sent_actions} clicks acked with 200 but {published} Home tabs published")
        if not targets[0].child.call("person_paused"):
            raise BenchError("the fc_pause_week lazy work never paused the person")
        if rejected := fake.call("errors"):
            raise BenchError(f"FakeSlack rejected calls: {rejected[:3]}")
        queued = sum(int(t.child.call("queue_warnings")) for t in targets)

        print(f"ack latency = client wall time per request over keep-alive http.client connections; "
              f"{args.requests} measured requests per row in {args.rounds} interleaved rounds after "
              f"{args.warmup} warm-up; concurrent mode (closed loop) = {args.concurrency} senders, one connection "
              f"each; " + (f"open-loop mode = {args.rate:g} req/s over {args.concurrency} senders, "
                           f"{args.rate_requests} measured requests per row; " if args.rate > 0 else
                           "open-loop mode off (--rate 0); ") +
              f"waitress loop timeout {'as shipped' if args.as_shipped_loop else '1 s (as serve)'}")
        print(f"payload bytes: {', '.join(f'{p.name} = {len(p.body)}' for p in payloads)}; Flowcoach lazy work "
              f"completed: {targets[0].sent_actions} Home tabs published; sender pauses for lazy backlog "
              f"(> {LAZY_BACKLOG_LIMIT} queued, closed loop only): {run.backlog_waits}")
        print(f"non-200 answers / request errors: {len(run.errors)}; waitress 'task queue depth' warnings: "
              f"{queued}; load average before {load_before}, after {loadavg()} ({os.cpu_count()} CPUs)\n")
        print_table(run.results, payloads, modes, [t.name for t in targets])
        print_rate_table(run.loads, payloads, modes, [t.name for t in targets])
        print_verdicts(run.results, payloads, modes)
        print(f"\nphases: {'; '.join(run.phases)}; total run time {time.monotonic() - started:.1f} s")
        if run.errors:
            for error in run.errors[:10]:
                print(f"ERROR: {error}", file=sys.stderr)
            return 1
        return 0
    except BenchError as error:
        print(f"ERROR: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted: stopping the children", file=sys.stderr)
        return 130
    finally:
        STOP_SENDING.set()
        try:
            for child in reversed(children):  # targets first, FakeSlack last
                try:
                    problems = child.stop()
                except Exception as error:  # stop every child whatever happens to one
                    problems = [f"{child.name} child: stop failed: {type(error).__name__}: {error}"]
                for problem in problems:
                    print(f"warning: {problem}", file=sys.stderr)
        finally:
            shutil.rmtree(workdir, ignore_errors=True)
        leftover = [t.name for t in threading.enumerate() if t is not threading.main_thread() and t.is_alive()]
        if leftover:
            print(f"warning: threads still alive at exit: {leftover}", file=sys.stderr)


if __name__ == "__main__":
    sys.exit(main())
