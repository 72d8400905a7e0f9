"""What listeners and jobs share: settings, database, content, queue, secrets. Built once per process."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from slack_sdk.oauth.installation_store import InstallationStore

from slackapp.after_ack import AfterAckPool
from slackapp.crypto import Vault
from slackapp.db.engine import Database
from slackapp.settings import Settings
from slackapp.slack_client import ClientFactory

Enqueue = Callable[..., Any]


@dataclass
class Services:
    settings: Settings
    db: Database
    content: Any  # slackapp.content.ContentLibrary
    enqueue: Enqueue  # enqueue(func_path, *args, job_id=..., queue=...) → pushes a job to RQ
    vault: Vault
    installation_store: InstallationStore | None = None
    redis: Any = None  # the queue's Redis connection (pacing, locks)
    clients: ClientFactory = field(init=False)
    background: AfterAckPool = field(init=False)  # listener work after the ack

    def __post_init__(self) -> None:
        self.clients = ClientFactory(self.settings, self.installation_store)
        self.background = AfterAckPool(max_workers=4)

    def shutdown(self) -> None:
        """Let listener work that was already acknowledged finish."""
        self.background.shutdown(wait=True)

    def is_admin(self, user_id: str) -> bool:
        return user_id in self.settings.admins

    def kick_dispatcher(self) -> None:
        """Deliver due outbox rows now instead of at the next tick (a retried kick is a no-op)."""
        self.enqueue("workers.jobs.dispatch_tick", job_id="dispatch-kick")
