"""Work after the ack, wired to the one error handler.

The app runs with ``process_before_response=True``: the ack function runs in the request thread and its
response goes straight back to Slack; everything else runs afterwards in the app's ``AfterAckPool``
(``services.background``, also Bolt's listener executor). Requests the ack front answered run there whole:
Bolt dispatches them after the answer (``dispatch_after_response``). (Bolt's other mode polls for the ack
every 10 ms and can lose the ack when a listener fails right after acknowledging.)
"""

from __future__ import annotations

import inspect
import logging
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from slack_bolt import Ack, App, BoltRequest

from slackapp.listeners.errors import handle_error
from slackapp.services import Services


def ack_only(ack: Ack) -> None:
    ack()


_request_scope = threading.local()
logger = logging.getLogger(__name__)


@contextmanager
def hold_work_until_response_sent() -> Iterator[list[Callable[[], object]]]:
    """Work handed over during an HTTP request starts once its response has gone out.

    Started any earlier, it competes for the interpreter with the thread still writing the ack.
    The WSGI layer opens this scope around a request and runs the held work from the response's
    ``close()``; outside a scope (Socket Mode, direct dispatch) work starts at once.
    """
    held: list[Callable[[], object]] = []
    previous = getattr(_request_scope, "held", None)
    _request_scope.held = held
    try:
        yield held
    finally:
        _request_scope.held = previous


def _start_after_response(start: Callable[[], object], run_now: Callable[[], object]) -> None:
    """``run_now`` when the answer has already gone out (a request the ack front answered), else ``start``
    once the response is sent (or at once outside an HTTP request)."""
    if getattr(_request_scope, "answered", False):
        run_now()
        return
    held = getattr(_request_scope, "held", None)
    if held is None:
        start()
    else:
        held.append(start)


def dispatch_after_response(app: App, request: BoltRequest, services: Services) -> None:
    """Hand a request the ack front already answered to Bolt, in the app's worker pool.

    Its listeners still call ``ack()`` (Bolt's answer is discarded: Slack has had its 200) and their work
    runs right there, in the same pool thread, instead of hopping to another one.
    """
    services.background.submit(_after_a_breath, _dispatch_answered, app, request)


def _dispatch_answered(app: App, request: BoltRequest) -> None:
    _request_scope.answered = True
    try:
        response = app.dispatch(request)
    finally:
        _request_scope.answered = False
    if response.status >= 400:
        logger.warning("Slack request answered early but not handled: %s %s (%s)", response.status,
                       request.body.get("type") or request.body.get("command"), _what(request.body))


def _what(body: dict[str, Any]) -> str:
    """Which action, callback or event a request was for (ids only, never text)."""
    actions = body.get("actions") or [{}]
    event = body.get("event") if isinstance(body.get("event"), dict) else {}
    return str(actions[0].get("action_id") or body.get("callback_id") or (event or {}).get("type") or "?")


# The server's I/O thread still has to flush the ack to the socket when close() runs; a moment's
# pause keeps the work from taking the interpreter lock before the bytes are out.
BREATH_SECONDS = 0.002


def _after_a_breath(run: Callable[..., None], *args: Any) -> None:
    time.sleep(BREATH_SECONDS)
    run(*args)


def background(func: Callable[..., None], services: Services) -> Callable[..., None]:
    """A listener that acks at once and hands ``func`` to the app's own worker pool.

    Cheaper than Bolt's lazy listeners on the hot paths (buttons, subcommands): Bolt re-parses and
    deep-copies every lazy request (a whole Home view for a Home-tab click) before the ack goes out.
    """
    run = after_ack(func, services)

    def ack_then_work(ack: Ack, body: dict[str, Any], payload: dict[str, Any], context: Any, client: Any,
                      respond: Any) -> None:
        ack()
        _start_after_response(
            lambda: services.background.submit(_after_a_breath, run, body, payload, context, client, respond),
            lambda: run(body, payload, context, client, respond))

    ack_then_work.__name__ = ack_then_work.__qualname__ = f"ack_then_{func.__name__}"
    return ack_then_work


def after_ack(func: Callable[..., None], services: Services) -> Callable[..., None]:
    """``func`` may ask for body, payload (or event/command/action/view/shortcut), context, client,
    respond and services; Bolt deep-copies lazy requests, so services travel by closure."""
    wanted = tuple(inspect.signature(func).parameters)

    def run(body: dict[str, Any], payload: dict[str, Any], context: Any, client: Any, respond: Any) -> None:
        values = {"body": body, "payload": payload, "context": context, "client": client, "respond": respond,
                  "services": services,
                  "event": payload, "command": payload, "action": payload, "view": payload, "shortcut": payload}
        try:
            func(**{name: values[name] for name in wanted})
        except Exception as error:
            handle_error(error, body, respond, context, client)

    run.__name__ = run.__qualname__ = func.__name__  # Bolt tells lazy functions apart by name
    return run
