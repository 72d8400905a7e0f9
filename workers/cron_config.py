"""`rq cron` configuration: the dispatcher tick and housekeeping. Loaded by `flowcoach cron`."""

from __future__ import annotations

from rq.cron import CronScheduler

from workers import calendar_jobs, debrief_jobs, jobs
from workers.queues import DEFAULT_QUEUE


def register_jobs(cron: CronScheduler, *, dispatch_interval: int) -> None:
    cron.register(jobs.dispatch_tick, DEFAULT_QUEUE, interval=dispatch_interval, result_ttl=0,
                  name="dispatch_tick")
    cron.register(jobs.housekeeping, DEFAULT_QUEUE, cron="17 3 * * *", result_ttl=0, name="housekeeping")
    # Calendar feeds: every 5 minutes, enqueue a sync for each feed not synced in the last 15.
    cron.register(calendar_jobs.sync_due_feeds, DEFAULT_QUEUE, interval=300, result_ttl=0, name="sync_due_feeds")
    # Peer debriefs: every 5 minutes, enqueue a close for each debrief past its deadline.
    cron.register(debrief_jobs.close_due_debriefs, DEFAULT_QUEUE, interval=debrief_jobs.CLOSE_EVERY_SECONDS,
                  result_ttl=0, name="close_due_debriefs")
