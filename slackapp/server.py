"""Serving the WSGI app with waitress, in the foreground (serve) or a background thread (tests, demo)."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable
from typing import Any

from waitress.server import create_server


class BackgroundServer:
    """A real HTTP server on 127.0.0.1 (port 0 = any free port) running in a daemon thread."""

    def __init__(self, wsgi_app: Callable[..., Any], *, host: str = "127.0.0.1", port: int = 0,
                 threads: int = 8) -> None:
        self._server: Any = create_server(wsgi_app, host=host, port=port, threads=threads,
                                          ident="flowcoach")
        self._thread = threading.Thread(target=self._server.run, name="fc-http", daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.effective_port}"

    def start(self) -> BackgroundServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        """Close the listening socket and every connection from inside the serving loop, so it ends."""
        server = self._server

        def close_everything() -> None:
            for channel in list(server._map.values()):
                channel.close()

        # The loop, woken by a worker, may run close_everything before our own wake-up write lands.
        with contextlib.suppress(OSError):
            server.trigger.pull_trigger(close_everything)
        self._thread.join(timeout=5)
        server.task_dispatcher.shutdown(timeout=2)


def serve_forever(wsgi_app: Callable[..., Any], *, host: str, port: int, threads: int = 8) -> None:
    server: Any = create_server(wsgi_app, host=host, port=port, threads=threads, ident="flowcoach")
    server.run()
