"""Redis connection and queues. No REDIS_URL means the embedded queue: one fakeredis server per process."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

from redis import Redis
from redis.exceptions import WatchError
from rq import Queue, Retry
from rq.exceptions import DuplicateJobError
from rq.job import Job

DEFAULT_QUEUE = "default"
DELIVERY_QUEUE = "deliveries"
QUEUE_NAMES = (DELIVERY_QUEUE, DEFAULT_QUEUE)
UNIQUE_MANY_ATTEMPTS = 5  # optimistic rounds before falling back to one atomic enqueue per job
logger = logging.getLogger(__name__)


@lru_cache(maxsize=1)
def _embedded_server() -> Any:
    import fakeredis

    return fakeredis.FakeServer()


def connect(redis_url: str | None) -> Redis:
    if redis_url is None:
        import fakeredis

        return fakeredis.FakeRedis(server=_embedded_server())
    return Redis.from_url(redis_url)


class RQEnqueue:
    """``services.enqueue``: enqueue by dotted path, one job at a time or many unique jobs at once."""

    def __init__(self, connection: Redis) -> None:
        self.connection = connection
        self.queues = {name: Queue(name, connection=connection) for name in QUEUE_NAMES}

    def __call__(self, func: str, *args: Any, job_id: str | None = None, queue: str = DEFAULT_QUEUE,
                 **options: Any) -> Any:
        """Enqueue by dotted path; with a job_id the job is unique while it is queued or running."""
        options.setdefault("result_ttl", 0)
        try:
            return self.queues[queue].enqueue(func, *args, job_id=job_id, unique=job_id is not None, **options)
        except DuplicateJobError:
            logger.debug("job %s is already queued", job_id)
            return None

    def unique_many(self, func: str, calls: Sequence[tuple[str, tuple[Any, ...]]], *, queue: str = DEFAULT_QUEUE,
                    retry: Retry | None = None, result_ttl: int = 0, job_timeout: int | None = None) -> list[str]:
        """Enqueue ``func(*args)`` for each ``(job_id, args)`` whose job id is not queued or running; returns
        the ids enqueued now. Same outcome as ``self(func, *args, job_id=job_id, ...)`` per job (RQ's
        ``unique=True``), in three round trips for the whole batch instead of two per job.

        Atomic: the candidate job keys are WATCHed and found absent before one MULTI/EXEC writes all the jobs
        (``Queue.enqueue_many``); if anyone creates one of them in between, Redis aborts the EXEC and the
        batch is looked at again. Keys found present are dropped from the candidates (a job that exists is
        queued or running; with ``result_ttl=0`` a finished job's key is gone).
        """
        target = self.queues[queue]
        options: dict[str, Any] = {"retry": retry, "result_ttl": result_ttl, "timeout": job_timeout}
        args_of = dict(calls)
        candidates = list(args_of)
        for _ in range(UNIQUE_MANY_ATTEMPTS):
            if not candidates:
                return []
            keys = [Job.key_for(job_id) for job_id in candidates]
            with self.connection.pipeline() as pipe:
                try:
                    pipe.watch(*keys)
                    if pipe.exists(*keys):  # some are queued or running already: keep the others
                        candidates = self._absent(candidates)
                        continue
                    pipe.multi()
                    target.enqueue_many([Queue.prepare_data(func, args=args_of[job_id], job_id=job_id, **options)
                                         for job_id in candidates], pipeline=pipe)
                    pipe.execute()
                    return candidates
                except WatchError:  # someone enqueued one of them meanwhile: look again
                    continue
        logger.info("unique_many: %d jobs still contended after %d rounds; enqueueing one by one",
                    len(candidates), UNIQUE_MANY_ATTEMPTS)
        return [job_id for job_id in candidates
                if self(func, *args_of[job_id], job_id=job_id, queue=queue, retry=retry, result_ttl=result_ttl,
                        job_timeout=job_timeout) is not None]

    def _absent(self, job_ids: Sequence[str]) -> list[str]:
        with self.connection.pipeline(transaction=False) as pipe:
            for job_id in job_ids:
                pipe.exists(Job.key_for(job_id))
            found = pipe.execute()
        return [job_id for job_id, exists in zip(job_ids, found, strict=True) if not exists]


def make_enqueue(connection: Redis) -> RQEnqueue:
    return RQEnqueue(connection)
