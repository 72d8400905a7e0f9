"""`flowcoach serve`: validate everything first, then serve. Problems are one clear line each."""

from __future__ import annotations

import logging
import signal
import sys
import threading

from slack_sdk.errors import SlackApiError

from slackapp.settings import Settings

logger = logging.getLogger(__name__)


def _say(line: str) -> None:
    print(f"flowcoach: {line}", file=sys.stderr)


def _slack_rejection(exc: BaseException) -> SlackApiError | None:
    """The Web API error behind ``exc``: Bolt re-raises a failed auth.test as a BoltError."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        if isinstance(current, SlackApiError):
            return current
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return None


def _stop_on_sigterm() -> None:
    """`docker stop`, systemd and Kubernetes send SIGTERM: leave the serving loop like on Ctrl-C, so the
    embedded queue is stopped (in-flight jobs finish) instead of the process dying mid-job."""
    if threading.current_thread() is not threading.main_thread():
        return

    def _exit(signum: int, frame: object) -> None:
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, _exit)


def run_serve(settings: Settings, *, socket_mode: bool, host: str) -> int:
    from slackapp.app import create_app
    from slackapp.bootstrap import build_services
    from slackapp.content import ContentError, load_content
    from slackapp.db import make_engine, upgrade
    from slackapp.db.migrate import is_current
    from slackapp.server import serve_forever
    from slackapp.web import create_wsgi_app
    from workers import runtime
    from workers.embedded import EmbeddedQueue

    if socket_mode and not settings.app_token:
        _say("--socket needs SLACK_APP_TOKEN (an app-level token starting with xapp-)")
        return 2
    try:
        content = load_content(settings.content_dir)
    except ContentError as exc:
        for problem in exc.problems:
            print(str(problem), file=sys.stderr)
        _say(f"refusing to start: {len(exc.problems)} problem(s) in {settings.content_dir}")
        return 1
    engine = make_engine(settings.database_url)
    if settings.is_sqlite:
        upgrade(engine)
    elif not is_current(engine):
        _say("the database schema is not up to date: run `flowcoach db upgrade` first")
        return 1
    from slackapp.db import Database

    services = build_services(settings, content=content, db=Database(engine))
    runtime.install(services)
    try:
        app = create_app(services)
    except Exception as exc:  # a rejected token (wrapped by Bolt), or Slack unreachable at start-up
        rejection = _slack_rejection(exc)
        if rejection is not None:
            _say(f"Slack rejected SLACK_BOT_TOKEN ({rejection.response.get('error')}); "
                 "check the token and SLACK_API_URL")
        else:
            _say(f"could not reach Slack at {settings.api_url} ({type(exc).__name__})")
        return 1
    _stop_on_sigterm()
    queue = None
    if settings.embedded_queue:
        queue = EmbeddedQueue(services.redis, dispatch_interval=settings.dispatch_interval_seconds).start()
        logger.info("embedded queue running (worker, scheduler, dispatcher threads)")
    try:
        if socket_mode:
            from slack_bolt.adapter.socket_mode import SocketModeHandler

            SocketModeHandler(app, settings.app_token).start()
        else:
            logger.info("serving on %s:%s", host, settings.port)
            serve_forever(create_wsgi_app(app, services), host=host, port=settings.port)
    finally:
        services.shutdown()
        if queue is not None:
            queue.stop()
    return 0
