"""Build the process-wide Services from Settings (used by serve, worker, cron and the demo)."""

from __future__ import annotations

from typing import Any

from slackapp.content import ContentLibrary, load_content
from slackapp.crypto import Vault
from slackapp.db.engine import Database
from slackapp.oauth_store import EncryptedInstallationStore
from slackapp.services import Services
from slackapp.settings import Settings


def build_services(
    settings: Settings, *, redis: Any = None, content: ContentLibrary | None = None, db: Database | None = None
) -> Services:
    from workers.queues import connect, make_enqueue

    connection = redis if redis is not None else connect(settings.redis_url)
    database = db or Database.from_url(settings.database_url)
    vault = Vault(settings.secret_key)
    store = (EncryptedInstallationStore(db=database, vault=vault, client_id=settings.client_id)
             if settings.client_id else None)
    return Services(
        settings=settings,
        db=database,
        content=content if content is not None else load_content(settings.content_dir),
        enqueue=make_enqueue(connection),
        vault=vault,
        installation_store=store,
        redis=connection,
    )
