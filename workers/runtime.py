"""The Services a job runs with: installed by the process that starts workers, else built from the environment."""

from __future__ import annotations

import threading

from slackapp.services import Services

_lock = threading.Lock()
_current: Services | None = None


def install(services: Services | None) -> None:
    global _current
    with _lock:
        _current = services


def current() -> Services:
    global _current
    with _lock:
        if _current is None:
            from slackapp.bootstrap import build_services
            from slackapp.settings import settings_from_environment

            _current = build_services(settings_from_environment(require_slack=False))
        return _current
