"""The test harness: a strict fake Slack over HTTP, the real app over HTTP, real or fake Redis/DB, fixed time.

- DATABASE_URL set (CI's second run): PostgreSQL, migrated once, tables truncated per test.
  Otherwise: SQLite, migrated once into a template file copied per test.
- REDIS_URL set: real Redis (database flushed per test). Otherwise fakeredis.
"""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import time_machine
from redis import Redis
from rq import Queue, SimpleWorker
from sqlalchemy import text

from slackapp.app import create_app
from slackapp.bootstrap import build_services
from slackapp.content import ContentLibrary, load_content
from slackapp.crypto import Vault
from slackapp.db import Database, make_engine, upgrade
from slackapp.db.models import Base
from slackapp.emulator.calendar_feed import CalendarFeedServer
from slackapp.emulator.sender import SlackSender
from slackapp.emulator.web_api import FakeSlack
from slackapp.server import BackgroundServer
from slackapp.services import Services
from slackapp.settings import Settings, load_settings
from slackapp.web import create_wsgi_app
from tests.corpus_location import CORPUS
from workers import jobs, runtime
from workers.queues import QUEUE_NAMES

REPO = Path(__file__).resolve().parents[1]
SIGNING_SECRET = "test-signing-secret"
BOT_TOKEN = "xoxb-test"
# A Monday, 10:00 in London (UTC in November): inside default working hours.
MONDAY_10AM = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


@pytest.fixture(scope="session")
def corpus() -> Path:
    assert CORPUS.is_dir(), f"the shared test corpus is missing at {CORPUS}"
    return CORPUS


@pytest.fixture(scope="session")
def content_library() -> ContentLibrary:
    return load_content(REPO / "content")


@pytest.fixture(scope="session")
def _template_db(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = os.environ.get("DATABASE_URL")
    if url:
        engine = make_engine(url)
        with engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        upgrade(engine)
        engine.dispose()
        return url
    path = tmp_path_factory.mktemp("db") / "template.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    engine.dispose()
    return str(path)


@pytest.fixture
def database_url(_template_db: str, tmp_path: Path) -> str:
    if os.environ.get("DATABASE_URL"):
        engine = make_engine(_template_db)
        names = ", ".join(t.name for t in Base.metadata.sorted_tables)
        with engine.begin() as connection:
            connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        engine.dispose()
        return _template_db
    target = tmp_path / "flowcoach.db"
    shutil.copyfile(_template_db, target)
    return f"sqlite:///{target}"


@pytest.fixture
def db(database_url: str) -> Iterator[Database]:
    database = Database.from_url(database_url)
    yield database
    database.dispose()


@pytest.fixture
def redis_conn() -> Iterator[Any]:
    url = os.environ.get("REDIS_URL")
    if url:
        connection = Redis.from_url(url)
        connection.flushdb()
        yield connection
        connection.flushdb()
        return
    import fakeredis

    yield fakeredis.FakeRedis(server=fakeredis.FakeServer())


@pytest.fixture
def frozen_time() -> Iterator[time_machine.Traveller]:
    """Time starts on a Monday 10:00 London and keeps ticking (so HTTP timeouts still work)."""
    with time_machine.travel(MONDAY_10AM, tick=True) as traveller:
        yield traveller


@pytest.fixture
def calendar_server() -> Iterator[CalendarFeedServer]:
    """A local private-ICS server; tests set ``.body``. Its host must be in feed_allowed_hosts."""
    with CalendarFeedServer() as server:
        yield server


@pytest.fixture
def fake_slack() -> Iterator[FakeSlack]:
    with FakeSlack(team_id="T0001", bot_token=BOT_TOKEN) as fake:
        for user_id, name in (("UMANAGER", "maria"), ("UREPORT1", "ravi"), ("UREPORT2", "lee")):
            fake.add_user(user_id, name=name, real_name=name.title(), tz="Europe/London",
                          email=f"{name}@example.com")
        yield fake


@pytest.fixture
def settings(fake_slack: FakeSlack, database_url: str) -> Settings:
    return load_settings({
        "SLACK_SIGNING_SECRET": SIGNING_SECRET, "SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_API_URL": fake_slack.url,
        "DATABASE_URL": database_url, "FLOWCOACH_SECRET_KEY": Vault.generate_key(),
        "FLOWCOACH_ADMINS": "UADMIN", "FLOWCOACH_CONTENT_DIR": str(REPO / "content"),
    })


@pytest.fixture
def services(settings: Settings, db: Database, redis_conn: Any, content_library: ContentLibrary) -> Iterator[Services]:
    built = build_services(settings, redis=redis_conn, content=content_library, db=db)
    runtime.install(built)
    yield built
    built.shutdown()
    runtime.install(None)


@pytest.fixture
def app_server(services: Services) -> Iterator[BackgroundServer]:
    server = BackgroundServer(create_wsgi_app(create_app(services), services)).start()
    yield server
    server.stop()


@pytest.fixture
def slack(app_server: BackgroundServer, fake_slack: FakeSlack) -> SlackSender:
    return SlackSender(app_url=app_server.url, signing_secret=SIGNING_SECRET, team_id="T0001",
                       response_url_base=fake_slack.response_url(""))


class JobRunner:
    """Runs the outbox dispatcher and then every queued job, the way production workers would."""

    def __init__(self, connection: Any) -> None:
        self.connection = connection

    def run(self) -> None:
        queues = [Queue(name, connection=self.connection) for name in QUEUE_NAMES]
        SimpleWorker(queues, connection=self.connection).work(burst=True, logging_level="WARNING")

    def dispatch_and_run(self) -> int:
        count = jobs.dispatch_tick()
        self.run()
        return count

    def run_until(self, done: Callable[[], bool], *, timeout: float = 5.0) -> None:
        """Run the outbox until ``done()`` — for messages a listener scheduled after its ack."""
        deadline = time.monotonic() + timeout
        while not done():
            assert time.monotonic() < deadline, "the outbox never delivered what the test waited for"
            self.dispatch_and_run()
            time.sleep(0.02)


@pytest.fixture
def job_runner(services: Services) -> JobRunner:
    return JobRunner(services.redis)
