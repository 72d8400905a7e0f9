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
import contextlib
import http.client
import json
import logging
import math
import multiprocessing
import os
import random
import shutil
import signal
import sys
import tempfile
import threading
import time
import traceback
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # measure the checkout this file lives in

import fakeredis  # noqa: E402
from slack_bolt import Ack, App  # noqa: E402
from slack_bolt.adapter.wsgi import SlackRequestHandler  # noqa: E402
from slack_sdk import WebClient  # noqa: E402

from slackapp import ids  # noqa: E402
from slackapp.app import create_app  # noqa: E402
from slackapp.bootstrap import build_services  # noqa: E402
from slackapp.clock import utcnow  # noqa: E402
from slackapp.content import load_content  # noqa: E402
from slackapp.crypto import Vault  # noqa: E402
from slackapp.db import Database, make_engine, upgrade  # noqa: E402
from slackapp.domain import people  # noqa: E402
from slackapp.emulator.signing import signed_headers  # noqa: E402
from slackapp.emulator.web_api import FakeSlack  # noqa: E402
from slackapp.server import BackgroundServer  # noqa: E402
from slackapp.services import Services  # noqa: E402
from slackapp.settings import load_settings  # noqa: E402
from slackapp.web import EVENTS_PATH, create_wsgi_app  # noqa: E402

SIGNING_SECRET = "bench-signing-secret"
BOT_TOKEN = "xoxb-bench"
TEAM_ID = "T0001"
USER_ID = "UBENCH1"
FORM = "application/x-www-form-urlencoded"
WARMUP_HEADER = "X-Bench-Warmup"  # sent on untimed requests only, so the CPU column skips them
WARMUP_ENVIRON = "HTTP_X_BENCH_WARMUP"
STOP_SENDING = threading.Event()  # set when the bench stops early (Ctrl-C, an error): sender threads end
LAZY_BACKLOG_LIMIT = 32  # queued lazy tasks in the target's executor before senders pause (untimed)
BACKLOG_POLL_S = 0.002  # concurrent senders share one backlog answer for this long (fewer control calls)
DRAIN_TIMEOUT_S = 60.0
START_TIMEOUT_S = 120.0  # a child builds its app (migrations, content) and starts its server
CALL_TIMEOUT_S = 30.0  # one control command
STOP_TIMEOUT_S = 30.0  # a child stops its server and lets acknowledged work finish
BACKLOG_SAMPLE_S = 0.2  # open loop: one monitor thread samples the lazy backlog this often (nobody waits for it)
SPIN_S = 0.0003  # open loop: sleep until this long before an intended send time, then yield in a loop
START_DELAY_S = 0.01  # open loop: the schedule starts this long after the senders leave their barrier
RATE_REQUESTS_CAP = 1000  # open loop: default measured requests per row, if --requests is larger

# Targets from the issue.
P50_TARGET_MS = 3.0
P99_TARGET_MS = {"seq": 100.0, "conc": 300.0, "rate": 300.0}
NOISE_RATIO = 1.10  # "not worse than bare Bolt": within 10 % ...
NOISE_ABS_MS = 0.3  # ... or within 0.3 ms

TARGETS = ("flowcoach", "bare-bolt", "floor")

StartResponse = Callable[..., Any]
WsgiApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]
Handlers = dict[str, Callable[..., Any]]


class BenchError(Exception):
    """Something went wrong that makes the figures meaningless."""


class CountingHandler(logging.Handler):
    """Counts waitress's "Task queue depth is N" warnings (a request waited for a free server thread)."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        self.count += 1


@dataclass(frozen=True)
class Mode:
    """How a row is measured: ``seq`` (one sender, settled before each request), ``conc`` (closed loop:
    ``senders`` back to back) or ``rate`` (open loop: ``rate`` requests per second in total across ``senders``,
    each on its own schedule of intended send times)."""

    name: str
    senders: int
    requests: int  # measured requests per target × payload, split across the rounds and the senders
    rate: float = 0.0  # requests per second, all senders together (open loop only)

    @property
    def open_loop(self) -> bool:
        return self.name == "rate"

    @property
    def label(self) -> str:
        if self.open_loop:
            return f"rate{self.rate:g}x{self.senders}"
        return f"{self.name}x{self.senders}" if self.senders > 1 else self.name

    @property
    def where(self) -> str:
        """For verdict lines: the load this row was measured under."""
        if self.open_loop:
            return f"at {self.rate:g} req/s ({self.senders} sender{'s' if self.senders > 1 else ''}, open loop)"
        return "sequential" if self.senders == 1 else f"{self.senders} concurrent senders"


# ---- payloads ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Payload:
    name: str
    body: bytes
    content_type: str = FORM


def command_payload(response_url: str) -> Payload:
    fields = {
        "token": "legacy", "team_id": TEAM_ID, "team_domain": "acme", "channel_id": "D" + USER_ID,
        "channel_name": "directmessage", "user_id": USER_ID, "user_name": USER_ID.lower(), "command": ids.COMMAND,
        "text": "help", "api_app_id": "A0001", "is_enterprise_install": "false", "response_url": response_url,
        "trigger_id": "1337.42.bench-trigger",
    }
    return Payload("/coach help", urlencode(fields).encode())


def action_payload(response_url: str, home_view: dict[str, Any] | None) -> Payload:
    """A Home-tab button click as Slack sends it: the whole published view travels with it."""
    payload: dict[str, Any] = {
        "type": "block_actions", "team": {"id": TEAM_ID, "domain": "acme"},
        "user": {"id": USER_ID, "username": USER_ID.lower(), "name": USER_ID.lower(), "team_id": TEAM_ID},
        "api_app_id": "A0001", "token": "legacy", "trigger_id": "1337.43.bench-trigger",
        "response_url": response_url, "is_enterprise_install": False,
        "actions": [{"type": "button", "action_id": ids.PAUSE_WEEK, "block_id": "home_prefs", "value": "pause",
                     "text": {"type": "plain_text", "text": "Pause for a week", "emoji": True},
                     "action_ts": "1795420800.000100"}],
    }
    if home_view is not None:
        payload["container"] = {"type": "view", "view_id": home_view.get("id", "VHOME")}
        payload["view"] = home_view
    return Payload(f"block_actions {ids.PAUSE_WEEK}", urlencode({"payload": json.dumps(payload)}).encode())


# ---- inside a child: the apps and their servers --------------------------------------------------
def backlog(executor: object | None) -> int:
    """Tasks waiting (not yet running) in a target's executor: ``pending()`` if it has one, else
    ``ThreadPoolExecutor``'s ``_work_queue``; 0 without an executor."""
    pending = getattr(executor, "pending", None)
    if callable(pending):
        return int(pending())
    queue = getattr(executor, "_work_queue", None)
    return int(queue.qsize()) if queue is not None else 0


def busy(executor: object | None) -> bool:
    """Work after the ack still running (not just queued): ``running()`` if the executor has it, else
    ``ThreadPoolExecutor``'s idle semaphore against its thread count; False without an executor."""
    running = getattr(executor, "running", None)
    if callable(running):
        return int(running()) > 0
    idle = getattr(executor, "_idle_semaphore", None)
    threads = len(getattr(executor, "_threads", ()) or ())
    return idle is not None and threads > 0 and idle._value < threads


def cpu_timed(app: WsgiApp, sink: list[float]) -> WsgiApp:
    """Diagnostic: the request thread's own CPU time inside the WSGI app (waiting for the GIL is not CPU)."""

    def timed(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        started = time.thread_time()
        result = app(environ, start_response)
        if WARMUP_ENVIRON not in environ:
            sink.append(time.thread_time() - started)
        return result

    return timed


def take(sink: list[float]) -> list[float]:
    """Return and clear the samples so far (request threads only ever append)."""
    taken = sink[:]
    del sink[:len(taken)]
    return taken


def start_server(wsgi: WsgiApp, *, as_shipped_loop: bool) -> BackgroundServer:
    """A BackgroundServer (waitress, 8 threads). An ``asyncore_loop_timeout`` below 1 s (slackapp/server.py
    used to pass 0.1, which waitress casts with ``int`` to 0) makes the idle serving loop busy-poll
    ``select`` and burn most of a core per server. ``flowcoach serve`` (``serve_forever``) keeps waitress's
    default of 1 s, so unless ``as_shipped_loop`` the bench sets a 0 timeout back to 1 s (wake-ups come
    from waitress's trigger, so no latency is added). With today's server.py this changes nothing."""
    server = BackgroundServer(wsgi)
    adj = getattr(getattr(server, "_server", None), "adj", None)
    if not as_shipped_loop and adj is not None and not adj.asyncore_loop_timeout:
        adj.asyncore_loop_timeout = 1
    return server.start()


def floor_app(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
    start_response("200 OK", [("Content-Length", "0")])
    return [b""]


def bare_bolt_app(slack_url: str, bot_token: str) -> tuple[App, WsgiApp]:
    # The bot token travels in the client (Bolt takes it from there and warns if ``token=`` is given too).
    app = App(signing_secret=SIGNING_SECRET, client=WebClient(base_url=slack_url, token=bot_token),
              process_before_response=True)

    @app.command(ids.COMMAND)
    def coach(ack: Ack) -> None:
        ack()

    @app.action(ids.PAUSE_WEEK)
    def pause_week(ack: Ack) -> None:
        ack()

    return app, SlackRequestHandler(app, path=EVENTS_PATH)


def flowcoach_services(slack_url: str, bot_token: str, workdir: Path) -> Services:
    url = f"sqlite:///{workdir / 'flowcoach.db'}"
    engine = make_engine(url)
    upgrade(engine)
    settings = load_settings({
        "SLACK_SIGNING_SECRET": SIGNING_SECRET, "SLACK_BOT_TOKEN": bot_token, "SLACK_API_URL": slack_url,
        "DATABASE_URL": url, "FLOWCOACH_SECRET_KEY": Vault.generate_key(),
        "FLOWCOACH_CONTENT_DIR": str(REPO / "content"),
    })
    redis = fakeredis.FakeRedis(server=fakeredis.FakeServer())
    services = build_services(settings, redis=redis, content=load_content(REPO / "content"), db=Database(engine))
    with services.db.session() as session:  # the clicking person exists before the first click
        people.get_or_create_person(session, team_id=TEAM_ID, user_id=USER_ID, now=utcnow())
    return services


def person_paused(services: Services) -> bool:
    with services.db.session() as session:
        person = people.find_person(session, team_id=TEAM_ID, user_id=USER_ID)
        return person is not None and person.paused_until is not None


@dataclass(frozen=True)
class ChildConfig:
    workdir: Path
    as_shipped_loop: bool
    slack_url: str = ""  # the FakeSlack child's Web API URL (target children only)
    bot_token: str = BOT_TOKEN


def fake_slack_child(config: ChildConfig, cleanup: list[Callable[[], None]]) -> tuple[Handlers, dict[str, Any]]:
    fake = FakeSlack(team_id=TEAM_ID, bot_token=config.bot_token)
    fake.start()
    cleanup.append(fake.stop)
    fake.add_user(USER_ID, name="bench", real_name="Bench Person", tz="Europe/London", email="bench@example.com")

    def publishes() -> tuple[int, int]:
        """views.publish calls (received, answered)."""
        calls = fake.calls_to("views.publish")
        return len(calls), sum(1 for call in calls if call.response)

    handlers: Handlers = {
        "publishes": publishes,
        "home_view": fake.home_view,
        "errors": lambda: fake.validation_errors + fake.internal_errors,
    }
    return handlers, {"url": fake.url, "bot_token": fake.bot_token, "response_url": fake.response_url("bench")}


def target_child(name: str) -> Callable[[ChildConfig, list[Callable[[], None]]], tuple[Handlers, dict[str, Any]]]:
    def build(config: ChildConfig, cleanup: list[Callable[[], None]]) -> tuple[Handlers, dict[str, Any]]:
        queue_log, queued = logging.getLogger("waitress.queue"), CountingHandler()
        queue_log.addHandler(queued)
        queue_log.propagate = False
        executor: object | None = None
        handlers: Handlers = {}
        if name == "flowcoach":
            services = flowcoach_services(config.slack_url, config.bot_token, config.workdir)
            cleanup.append(services.db.dispose)
            cleanup.append(services.shutdown)  # runs before dispose: cleanup runs in reverse
            app = create_app(services)
            cleanup.append(lambda: app.listener_runner.listener_executor.shutdown(wait=True))
            wsgi, executor = create_wsgi_app(app, services), services.background
            handlers["person_paused"] = lambda: person_paused(services)
        elif name == "bare-bolt":
            bolt, wsgi = bare_bolt_app(config.slack_url, config.bot_token)
            cleanup.append(lambda: bolt.listener_runner.listener_executor.shutdown(wait=True))
            executor = bolt.listener_runner.listener_executor
        else:
            wsgi = floor_app
        sink: list[float] = []
        server = start_server(cpu_timed(wsgi, sink), as_shipped_loop=config.as_shipped_loop)
        cleanup.append(server.stop)
        handlers.update({
            "lazy_queued": lambda: backlog(executor),
            "busy": lambda: busy(executor),
            "settled": lambda: backlog(executor) == 0 and not busy(executor),
            "cpu": lambda: take(sink),
            "queue_warnings": lambda: queued.count,
        })
        return handlers, {"url": server.url, "executor": executor is not None}

    return build


def child_main(conn: Connection, parent_pid: int,
               build: Callable[[ChildConfig, list[Callable[[], None]]], tuple[Handlers, dict[str, Any]]],
               config: ChildConfig) -> None:
    """A child's whole life: build, say hello (or why not), answer commands until "stop", clean up."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the whole group: the bench process stops us
    cleanup: list[Callable[[], None]] = []
    stop_requested = False
    try:
        try:
            handlers, hello = build(config, cleanup)
        except Exception:
            conn.send(("error", traceback.format_exc(limit=8)))
            return
        conn.send(("ok", hello))
        while True:
            if not conn.poll(1.0):
                if os.getppid() != parent_pid:  # the bench process died: nobody to drain for, FakeSlack
                    os._exit(1)  # is gone too (queued work would retry against it), so no clean-up
                continue
            try:
                command, args = conn.recv()
            except EOFError:
                return
            if command == "stop":
                stop_requested = True
                return
            try:
                conn.send(("ok", handlers[command](*args)))
            except Exception as error:
                conn.send(("error", f"{type(error).__name__}: {error}"))
    finally:
        problems: list[str] = []
        for step in reversed(cleanup):
            try:
                step()
            except Exception as error:
                problems.append(f"cleanup failed: {type(error).__name__}: {error}")
        if stop_requested:
            alive = [t.name for t in threading.enumerate() if t is not threading.main_thread() and t.is_alive()]
            problems += [f"threads still alive at exit: {alive}"] if alive else []
            with contextlib.suppress(OSError):
                conn.send(("stopped", problems))  # tagged: a reply to an interrupted call may precede it
        conn.close()


# ---- in the bench process: the children ----------------------------------------------------------
class Child:
    """A child process and its control Pipe; ``call`` is one request/response, safe from any thread."""

    def __init__(self, name: str, process: BaseProcess, conn: Connection) -> None:
        self.name, self.process, self.conn = name, process, conn
        self.hello: dict[str, Any] = {}
        self._lock = threading.Lock()

    @property
    def pid(self) -> int | None:
        return self.process.pid

    def _receive(self, timeout: float, what: str, expect: str = "ok") -> Any:
        deadline = time.monotonic() + timeout
        while True:
            if not self.conn.poll(max(0.0, deadline - time.monotonic())):
                state = "alive" if self.process.is_alive() else f"exited with {self.process.exitcode}"
                raise BenchError(f"{self.name} child ({state}) did not answer {what} within {timeout:g} s")
            try:
                status, result = self.conn.recv()
            except EOFError as error:
                raise BenchError(f"{self.name} child exited ({self.process.exitcode}) during {what}") from error
            if status == expect:
                return result
            if status == "error" and expect == "ok":
                raise BenchError(f"{self.name} child: {what}: {result}")
            # waiting for "stopped": skip the answer to a call that Ctrl-C interrupted before it was read

    def wait_ready(self) -> dict[str, Any]:
        self.hello = self._receive(START_TIMEOUT_S, "start-up")
        return self.hello

    def call(self, command: str, *args: Any) -> Any:
        with self._lock:
            try:
                self.conn.send((command, args))
            except OSError as error:
                raise BenchError(f"{self.name} child is gone ({command}): {error}") from error
            return self._receive(CALL_TIMEOUT_S, command)

    def stop(self) -> list[str]:
        """Ask the child to stop and wait for it; terminate it if it does not. Returns its complaints."""
        problems: list[str] = []
        if self.process.is_alive():
            try:
                with self._lock:
                    self.conn.send(("stop", ()))
                    problems = list(self._receive(STOP_TIMEOUT_S, "stop", expect="stopped"))
            except (BenchError, OSError) as error:
                problems.append(str(error))
        self.process.join(timeout=5)
        if self.process.is_alive():
            problems.append("did not exit after stop: terminated")
            self.process.terminate()
            self.process.join(timeout=5)
            if self.process.is_alive():
                self.process.kill()
                self.process.join(timeout=5)
        self.conn.close()
        return [f"{self.name} child: {p}" for p in problems]


def fork_child(ctx: Any, name: str, build: Callable[..., tuple[Handlers, dict[str, Any]]],
               config: ChildConfig, children: list[Child]) -> Child:
    """Fork a child (the bench process must have no other thread yet) and register it for stopping."""
    if threading.active_count() != 1:
        raise BenchError(f"threads running before forking {name}: {[t.name for t in threading.enumerate()]}")
    sys.stdout.flush()
    sys.stderr.flush()
    here, there = ctx.Pipe()
    process = ctx.Process(target=child_main, args=(there, os.getpid(), build, config), name=f"bench-{name}",
                          daemon=True)
    process.start()
    there.close()
    child = Child(name, process, here)
    children.append(child)
    return child


# ---- targets (as the bench process sees them) ----------------------------------------------------
@dataclass
class Target:
    name: str
    child: Child
    url: str
    has_executor: bool = False  # the target has an executor for work after the ack (else nothing to ask)
    lazy_publishes: bool = False  # each block action ends with one views.publish (Flowcoach)
    sent_actions: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _poll_lock: threading.Lock = field(default_factory=threading.Lock)
    _backlog: tuple[float, int] = (-math.inf, 0)  # (monotonic time asked, answer)

    @property
    def address(self) -> tuple[str, int]:
        parts = urlsplit(self.url)
        assert parts.hostname is not None and parts.port is not None
        return parts.hostname, parts.port

    def lazy_queued(self, max_age: float = 0.0) -> int:
        """Tasks queued in the child's executor. With ``max_age``, an answer that young is reused, and while
        another sender is asking the last answer is returned, so senders never queue up on the Pipe."""
        if not self.has_executor:
            return 0
        asked, answer = self._backlog
        if max_age and time.monotonic() - asked < max_age:
            return answer
        if not self._poll_lock.acquire(blocking=not max_age):
            return answer
        try:
            now = time.monotonic()
            answer = int(self.child.call("lazy_queued"))
            self._backlog = (now, answer)
            return answer
        finally:
            self._poll_lock.release()

    def settled(self) -> bool:
        """Nothing queued and nothing running in the child's executor."""
        return not self.has_executor or bool(self.child.call("settled"))

    def take_cpu(self) -> list[float]:
        """The child's request-thread CPU samples since the last call (seconds)."""
        return list(self.child.call("cpu"))

    def count_action(self) -> None:
        with self._lock:
            self.sent_actions += 1


# ---- sending -------------------------------------------------------------------------------------
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


# ---- sending, open loop --------------------------------------------------------------------------
@dataclass
class RateOutcome(Outcome):
    lags: list[float] = field(default_factory=list)  # client lag (seconds): see ``rate_sender``
    behind: int = 0  # requests whose intended time came before the sender had read its previous answer
    finished: float = -math.inf  # perf_counter when the last measured answer was read
    span: float = 0.0  # merged: schedule start to the later of the schedule's end and the last answer (s)
    peak_backlog: int = 0  # merged: most lazy tasks queued in the target's executor, as sampled


@dataclass
class Clock:
    """The chunk's schedule start on the ``perf_counter`` clock, set by the senders' barrier action."""

    start: float = math.nan


def rate_schedule(count: int, rate: float, senders: int, seed: str) -> list[list[float]]:
    """Intended send times, in seconds after the chunk's start, one list per sender. A Poisson stream of
    ``rate`` per second conditioned on ``count`` arrivals in ``count / rate`` seconds (``count`` sorted uniform
    draws), dealt round robin: each sender takes every ``senders``-th arrival, an equal share of the rate.
    Seeded by ``seed`` alone, so every target gets the same schedule in the same payload and round."""
    rng = random.Random(seed)
    span = count / rate
    times = sorted(rng.uniform(0.0, span) for _ in range(count))
    return [times[i::senders] for i in range(senders)]


def wait_until(when: float) -> None:
    """Return at ``perf_counter() >= when``: ``time.sleep`` until ``SPIN_S`` before (it overshoots by ~0.1 ms,
    which the open loop would charge to the server), then ``sleep(0)`` in a loop (yields the GIL)."""
    while (left := when - time.perf_counter()) > SPIN_S:
        if STOP_SENDING.is_set():
            return
        time.sleep(min(left - SPIN_S, 0.05))
    while time.perf_counter() < when:
        time.sleep(0)


class BacklogMonitor:
    """Samples a target's lazy backlog every ``BACKLOG_SAMPLE_S`` from one thread, and once more at the end,
    while an open-loop chunk runs (the senders never ask: nothing holds them back)."""

    def __init__(self, target: Target) -> None:
        self.target = target
        self.peak = 0
        self.errors: list[str] = []
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self.target.has_executor:
            self._thread = threading.Thread(target=self._run, name="bench-backlog-monitor", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()

    def _run(self) -> None:
        try:
            while True:
                self.peak = max(self.peak, self.target.lazy_queued())
                if self._stop.wait(BACKLOG_SAMPLE_S):
                    break
            self.peak = max(self.peak, self.target.lazy_queued())  # the chunk's end
        except BenchError as error:
            self.errors.append(f"{self.target.name}: backlog monitor: {error}")


def rate_sender(target: Target, payload: Payload, times: Sequence[float], warmup: int, outcome: RateOutcome,
                start: threading.Barrier, clock: Clock) -> None:
    """Open loop: ``warmup`` untimed requests back to back (they open the connection), then one request per
    intended time in ``times``, at once if already late (nothing is skipped). Each sample runs from the
    intended send time to having read the whole answer, so time spent behind schedule is charged too.
    Diagnostics: ``behind`` counts requests due before the previous answer was read (waiting behind the
    target's slow answer), ``lags`` is the client lag: the actual send time minus the later of the intended
    time and the previous answer (the bench's own lateness: wake-up, GIL, scheduling; charged to the target
    too)."""
    conn = http.client.HTTPConnection(*target.address, timeout=30)
    try:
        for _ in range(warmup):
            if STOP_SENDING.is_set():
                start.abort()  # the other senders must not wait at the barrier for this one
                return
            _, status, data = send(conn, payload, warmup=True)
            if status == 200 and payload.name.startswith("block_actions"):
                target.count_action()
            if status != 200:
                outcome.errors.append(f"{target.name} {payload.name}: HTTP {status} {data[:200]!r}")
        start.wait()
        previous = -math.inf  # perf_counter when the previous answer was read
        for offset in times:
            # Signed before waiting: off the clock unless the sender is already late.
            headers = signed_headers(payload.body, secret=SIGNING_SECRET, content_type=payload.content_type)
            intended = clock.start + offset
            wait_until(intended)
            if STOP_SENDING.is_set():
                break
            sent = time.perf_counter()
            conn.request("POST", EVENTS_PATH, body=payload.body, headers=headers)
            response = conn.getresponse()
            data = response.read()
            done = time.perf_counter()
            if response.status == 200 and payload.name.startswith("block_actions"):
                target.count_action()
            if response.status != 200:
                outcome.errors.append(f"{target.name} {payload.name}: HTTP {response.status} {data[:200]!r}")
            else:
                outcome.samples.append(done - intended)
                outcome.lags.append(sent - max(intended, previous))
                outcome.behind += int(previous > intended)
            outcome.finished = previous = done
    except Exception as error:  # surfaced as an error line, never a silent gap in the samples
        outcome.errors.append(f"{target.name} {payload.name}: {type(error).__name__}: {error}")
        start.abort()
    finally:
        conn.close()


def run_rate_chunk(target: Target, payload: Payload, *, count: int, senders: int, rate: float, warmup: int,
                   seed: str) -> RateOutcome:
    """One open-loop chunk: after the senders' warm-up the target settles (untimed), the backlog monitor
    starts, and the schedule begins ``START_DELAY_S`` later."""
    schedule = rate_schedule(count, rate, senders, seed)
    outcomes = [RateOutcome() for _ in range(senders)]
    clock, monitor = Clock(), BacklogMonitor(target)

    def begin() -> None:  # run by one sender while the others wait at the barrier
        settle(target)
        monitor.start()
        clock.start = time.perf_counter() + START_DELAY_S

    barrier = threading.Barrier(senders, action=begin)
    threads = [threading.Thread(target=rate_sender, args=(target, payload, schedule[i], warmup, outcomes[i], barrier,
                                                          clock), name=f"bench-rate-sender-{i}", daemon=True)
               for i in range(senders)]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        monitor.stop()
    merged = RateOutcome(errors=list(monitor.errors), peak_backlog=monitor.peak)
    for outcome in outcomes:
        merged.samples.extend(outcome.samples)
        merged.lags.extend(outcome.lags)
        merged.errors.extend(outcome.errors)
        merged.behind += outcome.behind
        merged.finished = max(merged.finished, outcome.finished)
    merged.span = max(count / rate, merged.finished - clock.start) if merged.samples else 0.0
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


# ---- statistics and report -----------------------------------------------------------------------
@dataclass(frozen=True)
class Stats:
    n: int
    p50: float
    p99: float
    max: float  # milliseconds, client wall time
    cpu_p50: float  # milliseconds, server request-thread CPU (diagnostic)


@dataclass
class RateRow:
    """An open-loop row's load figures over its chunks."""

    has_executor: bool
    n: int = 0
    wall: float = 0.0  # seconds: each chunk's schedule start to the later of its end and the last answer, summed
    lags: list[float] = field(default_factory=list)  # client lag (seconds)
    behind: int = 0  # requests due before their sender had read its previous answer
    peak_backlog: int = 0  # most lazy tasks queued, as sampled
    drain: float = 0.0  # seconds: the longest wait for lazy work after a chunk

    def add(self, outcome: RateOutcome, drained: float) -> None:
        self.n += len(outcome.samples)
        self.wall += outcome.span
        self.lags += outcome.lags
        self.behind += outcome.behind
        self.peak_backlog = max(self.peak_backlog, outcome.peak_backlog)
        self.drain = max(self.drain, drained)

    @property
    def achieved(self) -> float:
        return self.n / self.wall if self.wall > 0 else math.nan


def percentile(ordered: Sequence[float], q: float) -> float:
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)]


def stats(samples: Sequence[float], cpu: Sequence[float]) -> Stats:
    ordered = sorted(s * 1000 for s in samples)
    cpu_ordered = sorted(c * 1000 for c in cpu)
    if not ordered:
        return Stats(0, math.nan, math.nan, math.nan, math.nan)
    cpu_p50 = percentile(cpu_ordered, 0.50) if cpu_ordered else math.nan
    return Stats(len(ordered), percentile(ordered, 0.50), percentile(ordered, 0.99), ordered[-1], cpu_p50)


def not_worse(ours: float, theirs: float) -> bool:
    return ours <= theirs * NOISE_RATIO or ours - theirs <= NOISE_ABS_MS


def ratio(a: float, b: float) -> str:
    return f"{a / b:5.2f}x" if b > 0 else "   n/a"


def label_width(modes: Sequence[Mode]) -> int:
    return max(7, *(len(mode.label) for mode in modes))


def print_table(results: dict[tuple[str, str, str], Stats], payloads: Sequence[Payload],
                modes: Sequence[Mode], targets: Sequence[str]) -> None:
    w = label_width(modes)
    head = (f"{'target':<10} {'payload':<28} {'mode':<{w}} {'n':>5} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8}"
            f"  {'p50/bolt':>8} {'p99/bolt':>8} {'p50/floor':>9} {'p99/floor':>9}  {'srv CPU p50':>11}")
    print(head)
    print("-" * len(head))
    for payload in payloads:
        for mode in modes:
            bolt, floor = results[("bare-bolt", payload.name, mode.name)], results[("floor", payload.name, mode.name)]
            for name in targets:
                s = results[(name, payload.name, mode.name)]
                to_bolt = f"{ratio(s.p50, bolt.p50):>8} {ratio(s.p99, bolt.p99):>8}" if name == "flowcoach" else (
                    f"{'':>8} {'':>8}")
                to_floor = (f"{ratio(s.p50, floor.p50):>9} {ratio(s.p99, floor.p99):>9}" if name != "floor"
                            else f"{'':>9} {'':>9}")
                print(f"{name:<10} {payload.name:<28} {mode.label:<{w}} {s.n:>5} {s.p50:>8.3f} {s.p99:>8.3f} "
                      f"{s.max:>8.2f}  {to_bolt} {to_floor}  {s.cpu_p50:>11.3f}")
        print()


def print_rate_table(loads: dict[tuple[str, str, str], RateRow], payloads: Sequence[Payload],
                     modes: Sequence[Mode], targets: Sequence[str]) -> None:
    """The open-loop rows' load: was the offered rate met, how late were the sends, did the lazy work keep up."""
    w = label_width(modes)
    for mode in (m for m in modes if m.open_loop):
        share = f"an equal share for each of {mode.senders} senders" if mode.senders > 1 else "one sender"
        print(f"open loop {mode.label}: {mode.rate:g} req/s offered in total (Poisson arrivals, {share}); latency "
              f"counted from the intended send time.\n"
              f"achieved/s = measured requests / (schedule start to the later of the schedule's end and the last "
              f"answer), over the chunks; behind = requests due before their sender had read its previous answer; "
              f"client lag = actual send time - the later of the intended time and the previous answer (the "
              f"bench's own lateness, charged to the target too); max backlog = most lazy tasks queued in the "
              f"target's executor, sampled every {BACKLOG_SAMPLE_S:g} s (- = no executor); drain s = longest wait "
              f"for the lazy work after a chunk")
        head = (f"{'target':<10} {'payload':<28} {'mode':<{w}} {'n':>5} {'achieved/s':>10} {'behind':>6} "
                f"{'client lag p50 ms':>17} {'p99 ms':>7} {'max ms':>7} {'max backlog':>11} {'drain s':>7}")
        print(head)
        print("-" * len(head))
        for payload in payloads:
            for name in targets:
                row = loads[(name, payload.name, mode.name)]
                lags = sorted(lag * 1000 for lag in row.lags) or [math.nan]
                backlog = f"{row.peak_backlog:>11}" if row.has_executor else f"{'-':>11}"
                print(f"{name:<10} {payload.name:<28} {mode.label:<{w}} {row.n:>5} {row.achieved:>10.1f} "
                      f"{row.behind:>6} {percentile(lags, 0.50):>17.3f} {percentile(lags, 0.99):>7.3f} "
                      f"{lags[-1]:>7.2f} {backlog} {row.drain:>7.2f}")
        print()


def print_verdicts(results: dict[tuple[str, str, str], Stats], payloads: Sequence[Payload],
                   modes: Sequence[Mode]) -> None:
    def line(title: str, checks: list[tuple[bool, str]]) -> None:
        verdict = "PASS" if all(ok for ok, _ in checks) else "MISS"
        print(f"{verdict}  {title}: " + "; ".join(f"{detail} {'ok' if ok else 'MISS'}" for ok, detail in checks))

    closed = [mode for mode in modes if not mode.open_loop]
    combos = [(p.name, mode.name) for p in payloads for mode in closed]
    fc = {c: results[("flowcoach", *c)] for c in combos}
    bolt = {c: results[("bare-bolt", *c)] for c in combos}
    floor = {c: results[("floor", *c)] for c in combos}
    for mode in closed:  # the issue states p50 <= 3 ms once; per mode, so a reader sees which reading holds
        mode_combos = [c for c in combos if c[1] == mode.name]
        line(f"Flowcoach p50 <= {P50_TARGET_MS:g} ms ({mode.where})",
             [(fc[c].p50 <= P50_TARGET_MS, f"{c[0]} {fc[c].p50:.2f} (bolt {bolt[c].p50:.2f}, floor "
               f"{floor[c].p50:.2f})") for c in mode_combos])
    line(f"Flowcoach p50 not worse than bare Bolt (within {NOISE_RATIO - 1:.0%} or {NOISE_ABS_MS} ms)",
         [(not_worse(fc[c].p50, bolt[c].p50), f"{c[0]} {c[1]} {fc[c].p50:.2f} vs {bolt[c].p50:.2f}")
          for c in combos])
    for mode in closed:
        limit = P99_TARGET_MS[mode.name]
        line(f"Flowcoach p99 < {limit:g} ms ({mode.where})",
             [(fc[(p.name, mode.name)].p99 < limit, f"{p.name} {fc[(p.name, mode.name)].p99:.2f}") for p in payloads])
    for mode in (m for m in modes if m.open_loop):  # extra lines: the closed-loop ones above leave these rows out
        rows = [(p.name, results[("flowcoach", p.name, mode.name)], results[("bare-bolt", p.name, mode.name)],
                 results[("floor", p.name, mode.name)]) for p in payloads]
        line(f"Flowcoach p50 <= {P50_TARGET_MS:g} ms {mode.where}",
             [(ours.p50 <= P50_TARGET_MS, f"{name} {ours.p50:.2f} (bolt {bolt_.p50:.2f}, floor {floor_.p50:.2f})")
              for name, ours, bolt_, floor_ in rows])
        line(f"Flowcoach p50 not worse than bare Bolt {mode.where[:-1]}; within {NOISE_RATIO - 1:.0%} or "
             f"{NOISE_ABS_MS} ms)",
             [(not_worse(ours.p50, bolt_.p50), f"{name} {ours.p50:.2f} vs {bolt_.p50:.2f}")
              for name, ours, bolt_, _ in rows])
        limit = P99_TARGET_MS[mode.name]
        line(f"Flowcoach p99 < {limit:g} ms {mode.where}",
             [(ours.p99 < limit, f"{name} {ours.p99:.2f}") for name, ours, _, _ in rows])


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


def loadavg() -> str:
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "n/a"


def start_children(args: argparse.Namespace, workdir: Path, children: list[Child]) -> tuple[Child, list[Target]]:
    """FakeSlack's child first (the targets need its URL), then one child per target; no thread exists yet."""
    ctx = multiprocessing.get_context("fork")
    config = ChildConfig(workdir=workdir, as_shipped_loop=args.as_shipped_loop)
    fake = fork_child(ctx, "fakeslack", fake_slack_child, config, children)
    hello = fake.wait_ready()
    config = ChildConfig(workdir=workdir, as_shipped_loop=args.as_shipped_loop, slack_url=hello["url"],
                         bot_token=hello["bot_token"])
    started = [fork_child(ctx, name, target_child(name), config, children) for name in TARGETS]
    targets = []
    for child in started:
        ready = child.wait_ready()
        targets.append(Target(child.name, child, ready["url"], has_executor=ready["executor"],
                              lazy_publishes=child.name == "flowcoach"))
    return fake, targets


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
