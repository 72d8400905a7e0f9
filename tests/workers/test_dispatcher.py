"""The outbox dispatcher: each due delivery becomes exactly one RQ job, whatever the ticks do."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from rq import Queue
from rq.job import Job
from sqlalchemy import insert, select, update

from slackapp.clock import utcnow
from slackapp.db.models import Delivery
from slackapp.domain import deliveries
from slackapp.emulator.web_api import FakeSlack
from slackapp.services import Services
from tests.conftest import JobRunner
from workers import jobs
from workers.dispatcher import BATCH_SIZE, DELIVER, RETRY, STALE_AFTER, dispatch_due, job_id_for
from workers.queues import DELIVERY_QUEUE


def _schedule(services: Services, user_id: str = "UREPORT1", *, key: str | None = None,
              due_in: timedelta = timedelta(0)) -> int:
    now = utcnow()
    with services.db.session() as session:
        delivery = deliveries.schedule(session, key=key or f"welcome:T0001:{user_id}", team_id="T0001",
                                       user_id=user_id, kind="welcome", due_at=now + due_in, now=now)
        session.flush()
        return delivery.id


def _insert_due(services: Services, count: int, *, ties: int = 1) -> list[tuple[int, Any]]:
    """Bulk-insert ``count`` due rows, ``ties`` of them per due time; returns (id, due_at) in due order."""
    now = utcnow()
    with services.db.session() as session:
        session.execute(insert(Delivery), [
            {"key": f"bulk:{i}", "team_id": "T0001", "user_id": f"UB{i:05d}", "kind": "welcome",
             "due_at": now - timedelta(seconds=count - i // ties), "payload": {}, "state": "scheduled",
             "attempts": 0, "created_at": now, "updated_at": now}
            for i in range(count)])
    with services.db.session() as session:
        rows = session.execute(select(Delivery.id, Delivery.due_at).order_by(Delivery.due_at, Delivery.id)).all()
        return [(row.id, row.due_at) for row in rows]


def _queued(services: Services) -> list[str]:
    return list(Queue(DELIVERY_QUEUE, connection=services.redis).get_job_ids())


def _row(services: Services, delivery_id: int) -> Delivery:
    with services.db.session() as session:
        return session.get_one(Delivery, delivery_id)


def _job_id(services: Services, delivery_id: int) -> str:
    row = _row(services, delivery_id)
    return job_id_for(row.id, row.due_at)


def test_a_tick_enqueues_each_due_delivery_once(
    services: Services, frozen_time: time_machine.Traveller
) -> None:
    ids = [_schedule(services, user) for user in ("UMANAGER", "UREPORT1", "UREPORT2")]
    assert jobs.dispatch_tick() == 3
    assert sorted(_queued(services)) == sorted(_job_id(services, i) for i in ids)
    for delivery_id in ids:
        assert _row(services, delivery_id).enqueued_at is not None
        job = Job.fetch(_job_id(services, delivery_id), connection=services.redis)
        assert (job.func_name, tuple(job.args), job.origin) == (DELIVER, (delivery_id,), DELIVERY_QUEUE)
        assert (job.retries_left, job.retry_intervals, job.result_ttl) == (RETRY.max, RETRY.intervals, 0)


def test_a_second_tick_enqueues_nothing_while_jobs_are_queued(
    services: Services, frozen_time: time_machine.Traveller
) -> None:
    ids = [_schedule(services, user) for user in ("UMANAGER", "UREPORT1")]
    assert jobs.dispatch_tick() == 2
    assert jobs.dispatch_tick() == 0
    # A tick that read the rows before the first one's commit (or whose own commit was lost) sees them
    # due again: it marks them, but the queued jobs are not enqueued a second time.
    with services.db.session() as session:
        session.execute(update(Delivery).values(enqueued_at=None))
    assert jobs.dispatch_tick() == 2
    assert sorted(_queued(services)) == sorted(_job_id(services, i) for i in ids)


def test_a_running_job_is_not_enqueued_again(
    services: Services, frozen_time: time_machine.Traveller
) -> None:
    delivery_id = _schedule(services)
    jobs.dispatch_tick()
    job_id = _job_id(services, delivery_id)
    queue = Queue(DELIVERY_QUEUE, connection=services.redis)
    queue.remove(job_id)  # a worker took it off the queue; its job hash says it is running
    with services.db.session() as session:
        session.execute(update(Delivery).values(enqueued_at=None))
    assert jobs.dispatch_tick() == 1
    assert _queued(services) == []


def test_a_racing_enqueue_between_check_and_write_is_not_duplicated(
    services: Services, frozen_time: time_machine.Traveller, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another dispatcher enqueues one of the jobs after this one found it absent: EXEC aborts, no duplicate."""
    ids = [_schedule(services, user) for user in ("UMANAGER", "UREPORT1", "UREPORT2")]
    racer = _job_id(services, ids[1])
    queue = services.enqueue.queues[DELIVERY_QUEUE]  # type: ignore[attr-defined]
    original = queue.enqueue_many
    raced: list[str] = []

    def enqueue_many_after_a_rival(job_datas: Sequence[Any], pipeline: Any = None, **kwargs: Any) -> Any:
        if not raced:  # first round only: the rival's job lands after WATCH, before EXEC
            raced.append(racer)
            rival = Queue(DELIVERY_QUEUE, connection=services.redis)
            rival.enqueue(DELIVER, ids[1], job_id=racer, unique=True, result_ttl=0)
        return original(job_datas, pipeline=pipeline, **kwargs)

    monkeypatch.setattr(queue, "enqueue_many", enqueue_many_after_a_rival)
    assert jobs.dispatch_tick() == 3
    assert raced == [racer]
    queued = _queued(services)
    assert sorted(queued) == sorted(_job_id(services, i) for i in ids)
    assert len(queued) == len(set(queued)) == 3


def test_concurrent_dispatchers_enqueue_each_job_once(
    services: Services, frozen_time: time_machine.Traveller
) -> None:
    calls = [(f"deliver-{i}-0", (i,)) for i in range(600)]
    won: list[list[str]] = [[] for _ in range(4)]
    barrier = threading.Barrier(4)

    def dispatcher(slot: int) -> None:
        barrier.wait()
        for start in range(0, len(calls), 100):
            won[slot] += services.enqueue.unique_many(  # type: ignore[attr-defined]
                DELIVER, calls[start:start + 150], queue=DELIVERY_QUEUE, retry=RETRY)

    threads = [threading.Thread(target=dispatcher, args=(slot,)) for slot in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    enqueued = [job_id for slot in won for job_id in slot]
    assert sorted(enqueued) == sorted(job_id for job_id, _ in calls)  # each job won by exactly one
    queued = _queued(services)
    assert len(queued) == len(set(queued)) == len(calls)


def test_a_deferred_delivery_gets_a_new_job_when_it_falls_due_again(
    services: Services, fake_slack: FakeSlack, job_runner: JobRunner, frozen_time: time_machine.Traveller
) -> None:
    dnd_end = utcnow() + timedelta(minutes=45)
    fake_slack.set_dnd("UREPORT1", snooze_enabled=True, snooze_endtime=int(dnd_end.timestamp()))
    delivery_id = _schedule(services)
    first_job = _job_id(services, delivery_id)
    assert job_runner.dispatch_and_run() == 1
    row = _row(services, delivery_id)
    assert (row.state, row.enqueued_at) == ("scheduled", None)
    assert abs((row.due_at - dnd_end).total_seconds()) < 1
    assert job_runner.dispatch_and_run() == 0  # not due yet
    frozen_time.shift(timedelta(minutes=46))
    second_job = _job_id(services, delivery_id)
    assert second_job != first_job
    assert jobs.dispatch_tick() == 1
    assert _queued(services) == [second_job]
    job_runner.run()
    assert _row(services, delivery_id).state == "sent"
    assert len(fake_slack.calls_to("chat.postMessage")) == 1


def test_a_stale_enqueued_row_whose_job_was_lost_is_enqueued_again(
    services: Services, fake_slack: FakeSlack, job_runner: JobRunner, frozen_time: time_machine.Traveller
) -> None:
    delivery_id = _schedule(services)
    assert jobs.dispatch_tick() == 1
    services.redis.flushdb()  # Redis lost the job
    assert jobs.dispatch_tick() == 0  # marked recently: not stale yet
    frozen_time.shift(STALE_AFTER + timedelta(minutes=1))
    assert jobs.dispatch_tick() == 1
    assert _queued(services) == [_job_id(services, delivery_id)]
    job_runner.run()
    assert _row(services, delivery_id).state == "sent"
    assert len(fake_slack.calls_to("chat.postMessage")) == 1


def test_a_stale_sending_row_is_recovered_and_sent_once(
    services: Services, fake_slack: FakeSlack, job_runner: JobRunner, frozen_time: time_machine.Traveller
) -> None:
    crashed = _schedule(services, "UREPORT1")
    busy = _schedule(services, "UREPORT2")
    now = utcnow()
    with services.db.session() as session:  # two workers died mid-send: one long ago, one just now
        session.execute(update(Delivery).where(Delivery.id == crashed).values(
            state="sending", attempts=1, enqueued_at=now - STALE_AFTER * 2, updated_at=now - STALE_AFTER * 2))
        session.execute(update(Delivery).where(Delivery.id == busy).values(
            state="sending", attempts=1, enqueued_at=now, updated_at=now))
    assert jobs.dispatch_tick() == 1
    assert _queued(services) == [_job_id(services, crashed)]
    assert _row(services, busy).state == "sending"
    job_runner.run()
    assert _row(services, crashed).state == "sent"
    assert len(fake_slack.messages(fake_slack.dm_channel("UREPORT1"))) == 1
    assert fake_slack.calls_to("conversations.history")  # it looked for its own message first


def test_future_deliveries_are_not_enqueued_until_due(
    services: Services, frozen_time: time_machine.Traveller
) -> None:
    later = _schedule(services, due_in=timedelta(minutes=5))
    assert jobs.dispatch_tick() == 0
    assert _queued(services) == []
    assert _row(services, later).enqueued_at is None
    frozen_time.shift(timedelta(minutes=5, seconds=1))
    assert jobs.dispatch_tick() == 1
    assert _queued(services) == [_job_id(services, later)]


@pytest.mark.parametrize(("count", "batch", "ties"), [(BATCH_SIZE + 1, BATCH_SIZE, 1), (23, 4, 3)])
def test_more_due_rows_than_a_batch_are_all_enqueued_in_due_order(
    services: Services, frozen_time: time_machine.Traveller, count: int, batch: int, ties: int
) -> None:
    rows = _insert_due(services, count, ties=ties)
    with services.db.session() as session:
        assert dispatch_due(session, enqueue=services.enqueue, now=utcnow(), batch=batch) == count
    assert _queued(services) == [job_id_for(i, due_at) for i, due_at in rows]  # deliveries.due order
    with services.db.session() as session:
        assert session.scalars(select(Delivery).where(Delivery.enqueued_at.is_(None))).all() == []
        assert dispatch_due(session, enqueue=services.enqueue, now=utcnow(), batch=batch) == 0


def test_a_plain_enqueue_callable_gets_one_call_per_row(
    services: Services, frozen_time: time_machine.Traveller
) -> None:
    rows = _insert_due(services, 5, ties=2)
    calls: list[tuple[Any, ...]] = []

    def enqueue(func: str, *args: Any, **options: Any) -> None:
        calls.append((func, args, options))

    with services.db.session() as session:
        assert dispatch_due(session, enqueue=enqueue, now=utcnow(), batch=2) == 5
    assert calls == [(DELIVER, (i,), {"job_id": job_id_for(i, due_at), "queue": DELIVERY_QUEUE, "retry": RETRY})
                     for i, due_at in rows]


def test_batched_jobs_are_the_jobs_a_single_enqueue_makes(services: Services) -> None:
    services.enqueue(DELIVER, 1, job_id="single", queue=DELIVERY_QUEUE, retry=RETRY)
    assert services.enqueue.unique_many(  # type: ignore[attr-defined]
        DELIVER, [("batched", (1,))], queue=DELIVERY_QUEUE, retry=RETRY) == ["batched"]
    single, batched = (Job.fetch(i, connection=services.redis) for i in ("single", "batched"))
    fields = ("func_name", "args", "kwargs", "origin", "timeout", "result_ttl", "ttl", "failure_ttl",
              "retries_left", "retry_intervals", "meta")
    assert {f: getattr(batched, f) for f in fields} == {f: getattr(single, f) for f in fields}
    assert batched.get_status() == single.get_status() == "queued"
    assert _queued(services) == ["single", "batched"]
