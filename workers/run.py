"""`flowcoach worker` and `flowcoach cron` (production mode, with Redis)."""

from __future__ import annotations

import sys

from rq import Queue, Worker
from rq.cron import CronScheduler

from slackapp.bootstrap import build_services
from slackapp.settings import Settings
from workers import runtime
from workers.cron_config import register_jobs
from workers.queues import QUEUE_NAMES


def _needs_redis(settings: Settings) -> bool:
    if settings.redis_url is None:
        print("flowcoach: REDIS_URL is not set; without it `flowcoach serve` runs the worker and "
              "dispatcher itself (embedded queue)", file=sys.stderr)
        return False
    return True


def run_worker(settings: Settings, *, burst: bool = False) -> int:
    if not _needs_redis(settings):
        return 2
    services = build_services(settings)
    runtime.install(services)
    queues = [Queue(name, connection=services.redis) for name in QUEUE_NAMES]
    Worker(queues, connection=services.redis).work(burst=burst, with_scheduler=True)
    return 0


def run_cron(settings: Settings) -> int:
    if not _needs_redis(settings):
        return 2
    services = build_services(settings)
    runtime.install(services)
    cron = CronScheduler(connection=services.redis)
    register_jobs(cron, dispatch_interval=settings.dispatch_interval_seconds)
    cron.start()
    return 0
