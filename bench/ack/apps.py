"""Inside a child: the target apps and FakeSlack, their servers, and the control commands they answer."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import fakeredis
from slack_bolt import Ack, App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_sdk import WebClient

from bench.ack.payloads import BOT_TOKEN, SIGNING_SECRET, TEAM_ID, USER_ID, WARMUP_ENVIRON
from slackapp import ids
from slackapp.app import create_app
from slackapp.bootstrap import build_services
from slackapp.clock import utcnow
from slackapp.content import load_content
from slackapp.crypto import Vault
from slackapp.db import Database, make_engine, upgrade
from slackapp.domain import people
from slackapp.emulator.web_api import FakeSlack
from slackapp.server import BackgroundServer
from slackapp.services import Services
from slackapp.settings import load_settings
from slackapp.web import EVENTS_PATH, create_wsgi_app

REPO = Path(__file__).resolve().parents[2]  # the checkout bench/bench_ack.py measures (its content library)

StartResponse = Callable[..., Any]
WsgiApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]
Handlers = dict[str, Callable[..., Any]]


class CountingHandler(logging.Handler):
    """Counts waitress's "Task queue depth is N" warnings (a request waited for a free server thread)."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        self.count += 1



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

