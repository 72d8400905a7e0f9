"""Redis connection and queues. No REDIS_URL means the embedded queue: one fakeredis server per process."""

from __future__ import annotations

import logging
from functools import lru_cache
from typing import Any

from redis import Redis
from rq import Queue
from rq.exceptions import DuplicateJobError

from slackapp.services import Enqueue

DEFAULT_QUEUE = "default"
DELIVERY_QUEUE = "deliveries"
QUEUE_NAMES = (DELIVERY_QUEUE, DEFAULT_QUEUE)
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


def make_enqueue(connection: Redis) -> Enqueue:
    queues = {name: Queue(name, connection=connection) for name in QUEUE_NAMES}

    def enqueue(func: str, *args: Any, job_id: str | None = None, queue: str = DEFAULT_QUEUE,
                **options: Any) -> Any:
        """Enqueue by dotted path; with a job_id the job is unique while it is queued or running."""
        options.setdefault("result_ttl", 0)
        try:
            return queues[queue].enqueue(func, *args, job_id=job_id, unique=job_id is not None, **options)
        except DuplicateJobError:
            logger.debug("job %s is already queued", job_id)
            return None

    return enqueue
