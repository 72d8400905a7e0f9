"""Alembic migrations: up, down and up again; the migrated schema is exactly the ORM models; datetimes are UTC.

Runs on SQLite by default and on PostgreSQL when DATABASE_URL is set. On PostgreSQL the migration round
trip uses its own throw-away database, so the shared, session-wide test schema is never touched.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, inspect, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import StatementError

from slackapp.db import Database, make_engine, upgrade
from slackapp.db.migrate import alembic_config, downgrade, is_current
from slackapp.db.models import Base, Delivery, UtcDateTime
from slackapp.settings import load_settings

APP_TABLES = {table.name for table in Base.metadata.sorted_tables}


def _configured_url() -> str | None:
    raw = os.environ.get("DATABASE_URL")
    return load_settings({"DATABASE_URL": raw}, require_slack=False).database_url if raw else None


@pytest.fixture
def migration_engine(tmp_path: Path) -> Iterator[Engine]:
    """An empty database: a SQLite file, or a freshly created PostgreSQL database dropped afterwards."""
    url = _configured_url()
    if url is None:
        engine = make_engine(f"sqlite:///{tmp_path / 'migrations.db'}")
        yield engine
        engine.dispose()
        return
    name = f"flowcoach_migrations_test_{os.getpid()}"
    admin = make_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    engine = make_engine(make_url(url).set(database=name).render_as_string(hide_password=False))
    try:
        yield engine
    finally:
        engine.dispose()
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _tables(engine: Engine) -> set[str]:
    return set(inspect(engine).get_table_names())


def _head(engine: Engine) -> str:
    head = ScriptDirectory.from_config(alembic_config(engine)).get_current_head()
    assert head is not None
    return head


def _schema_differences(engine: Engine) -> list[object]:
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return list(compare_metadata(context, Base.metadata))


def test_the_configured_database_is_the_one_under_test(migration_engine: Engine) -> None:
    expected = "postgresql" if os.environ.get("DATABASE_URL") else "sqlite"
    assert migration_engine.dialect.name == expected  # CI's PostgreSQL run must really use PostgreSQL
    assert _tables(migration_engine) == set()


def test_upgrade_downgrade_upgrade(migration_engine: Engine) -> None:
    upgrade(migration_engine)
    assert _tables(migration_engine) == APP_TABLES | {"alembic_version"}
    assert is_current(migration_engine)
    with migration_engine.connect() as connection:
        assert connection.scalar(text("SELECT version_num FROM alembic_version")) == _head(migration_engine)

    upgrade(migration_engine)  # already at head: nothing to do, nothing breaks
    assert is_current(migration_engine)

    downgrade(migration_engine, "base")
    assert _tables(migration_engine) - {"alembic_version"} == set()
    assert not is_current(migration_engine)

    upgrade(migration_engine)
    assert _tables(migration_engine) == APP_TABLES | {"alembic_version"}
    assert is_current(migration_engine)
    assert _schema_differences(migration_engine) == []


def test_migrated_schema_matches_the_models(migration_engine: Engine) -> None:
    upgrade(migration_engine)
    assert _schema_differences(migration_engine) == []


def test_a_schema_drift_would_be_noticed(migration_engine: Engine) -> None:
    """Guards the guard: compare_metadata really sees the database (a missing index is reported)."""
    upgrade(migration_engine)
    index = min(Base.metadata.tables["deliveries"].indexes, key=lambda i: str(i.name))
    with migration_engine.begin() as connection:
        connection.execute(text(f"DROP INDEX {index.name}"))
    differences = _schema_differences(migration_engine)
    assert [(d[0], d[1].name) for d in differences if isinstance(d, tuple)] == [("add_index", index.name)]


def _delivery(due_at: datetime, *, key: str = "k1") -> Delivery:
    now = datetime.now(UTC)
    return Delivery(key=key, team_id="T0001", user_id="U1", kind="nudge", due_at=due_at, created_at=now,
                    updated_at=now)


def test_datetimes_round_trip_as_aware_utc(db: Database) -> None:
    paris = datetime(2026, 7, 1, 9, 30, 15, 123456, tzinfo=ZoneInfo("Europe/Paris"))  # 07:30:15 UTC (summer)
    with db.session() as session:
        session.add(_delivery(paris))
    with db.session() as session:
        stored = session.scalars(select(Delivery)).one()
        stored_id = stored.id
    assert stored.due_at == paris
    assert stored.due_at.tzinfo is not None and stored.due_at.utcoffset() == timedelta(0)
    assert stored.due_at == datetime(2026, 7, 1, 7, 30, 15, 123456, tzinfo=UTC)
    assert stored.due_at.tzinfo is UTC
    with db.session() as session:  # the value on disk is the UTC instant, whatever the dialect does with zones
        raw = session.execute(text("SELECT due_at FROM deliveries WHERE id = :id"), {"id": stored_id}).scalar_one()
    if isinstance(raw, str):  # SQLite hands back text
        raw = datetime.fromisoformat(raw)
    raw_utc = raw.replace(tzinfo=UTC) if raw.tzinfo is None else raw.astimezone(UTC)
    assert raw_utc == datetime(2026, 7, 1, 7, 30, 15, 123456, tzinfo=UTC)
    # Comparisons in SQL use the same instant, from any zone.
    with db.session() as session:
        before = session.scalars(select(Delivery).where(Delivery.due_at < datetime(2026, 7, 1, 7, 31, tzinfo=UTC)))
        assert [d.id for d in before] == [stored_id]
        after = session.scalars(select(Delivery).where(
            Delivery.due_at > datetime(2026, 7, 1, 9, 31, tzinfo=ZoneInfo("Europe/Paris"))))
        assert list(after) == []


def test_a_naive_datetime_is_refused(db: Database) -> None:
    # SQLAlchemy wraps the type's ValueError in a StatementError raised before anything reaches the database.
    with pytest.raises(StatementError) as caught, db.session() as session:
        session.add(_delivery(datetime(2026, 7, 1, 9, 30)))
    assert isinstance(caught.value.orig, ValueError) and "naive" in str(caught.value.orig)
    with db.session() as session:
        assert session.scalars(select(Delivery)).all() == []
    with pytest.raises(ValueError, match="naive"):
        UtcDateTime().process_bind_param(datetime(2026, 7, 1, 9, 30), db.engine.dialect)
