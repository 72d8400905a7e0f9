"""The embedded queue: an RQ worker, RQ's scheduler and the dispatcher as threads in one process."""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

from rq import Queue, SimpleWorker
from rq.scheduler import RQScheduler
from rq.timeouts import TimerDeathPenalty

from workers import calendar_jobs, debrief_jobs, jobs
from workers.queues import QUEUE_NAMES

logger = logging.getLogger(__name__)
FEED_SYNC_EVERY_SECONDS = 300  # as in workers/cron_config.py
HOUSEKEEPING_EVERY_SECONDS = 24 * 3600


class ThreadWorker(SimpleWorker):
    """SimpleWorker that can live in a non-main thread (signals belong to the main thread)."""

    death_penalty_class = TimerDeathPenalty  # job timeouts without SIGALRM

    def _install_signal_handlers(self) -> None:
        return None

    def stop(self) -> None:
        self._stop_requested = True


class ThreadScheduler(RQScheduler):
    def _install_signal_handlers(self) -> None:
        return None


class EmbeddedQueue:
    def __init__(self, connection: Any, *, dispatch_interval: float, scheduler_interval: float = 1.0) -> None:
        self.connection = connection
        self.dispatch_interval = dispatch_interval
        self.scheduler_interval = scheduler_interval
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        queues = [Queue(name, connection=connection) for name in QUEUE_NAMES]
        self.worker = ThreadWorker(queues, connection=connection, worker_ttl=16)
        self.scheduler = ThreadScheduler(queues, connection=connection, interval=int(scheduler_interval) or 1)

    def start(self) -> EmbeddedQueue:
        for target, name in ((self._work, "fc-worker"), (self._schedule, "fc-scheduler"),
                             (self._dispatch, "fc-dispatcher")):
            thread = threading.Thread(target=target, name=name, daemon=True)
            thread.start()
            self._threads.append(thread)
        return self

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        self.worker.stop()
        for thread in self._threads:
            thread.join(timeout)

    def _work(self) -> None:
        while not self._stop.is_set():
            # RQ's dequeue blocks until a job arrives; max_idle_time lets the loop notice stop()
            self.worker.work(burst=False, logging_level="WARNING", max_idle_time=1)
            self._stop.wait(0.1)

    def _schedule(self) -> None:
        self.scheduler.acquire_locks()
        while not self._stop.wait(self.scheduler_interval):
            try:
                self.scheduler.enqueue_scheduled_jobs()
            except Exception:  # keep the thread alive; the next pass retries
                logger.exception("scheduler pass failed")

    def _dispatch(self) -> None:
        """What `flowcoach cron` does in production: dispatcher ticks, feed syncs, debrief closes, housekeeping."""
        last_feed_sync = last_housekeeping = last_debrief_close = 0.0
        while not self._stop.wait(self.dispatch_interval):
            try:
                jobs.dispatch_tick()
                now = time.monotonic()
                if now - last_feed_sync >= FEED_SYNC_EVERY_SECONDS:
                    last_feed_sync = now
                    calendar_jobs.sync_due_feeds()
                if now - last_debrief_close >= debrief_jobs.CLOSE_EVERY_SECONDS:
                    last_debrief_close = now
                    debrief_jobs.close_due_debriefs()
                if now - last_housekeeping >= HOUSEKEEPING_EVERY_SECONDS:
                    last_housekeeping = now
                    jobs.housekeeping()
            except Exception:
                logger.exception("dispatcher tick failed")
