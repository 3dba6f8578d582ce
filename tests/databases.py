"""Throwaway test databases: a migrated SQLite template copied per test, or a fresh
PostgreSQL database per run (created on the server DATABASE_URL names, dropped after)."""
from __future__ import annotations

import os
import shutil
import uuid
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine, make_url

from inventory import migrate
from inventory.db import Base, make_engine, normalise_url

PG_DEFAULT = "postgresql://postgres@127.0.0.1:5432/test"


def pg_server_url() -> str:
    url = os.environ.get("DATABASE_URL", "")
    return url if url.startswith("postgres") else os.environ.get("PARTS_TEST_PG_URL", PG_DEFAULT)


def pg_unreachable_reason() -> str | None:
    url = pg_server_url()
    try:
        engine = create_engine(normalise_url(url), connect_args={"connect_timeout": 3})
        with engine.connect():
            pass
        engine.dispose()
        return None
    except Exception as exc:  # noqa: BLE001 - any failure means: skip and say why
        return f"PostgreSQL unreachable at {url}: {str(exc).splitlines()[0]}"


class PostgresDatabase:
    """A database of its own on the server, migrated once; `reset()` empties every table."""

    kind = "postgresql"

    def __init__(self):
        server = make_url(normalise_url(pg_server_url()))
        self.name = f"parts_test_{uuid.uuid4().hex[:10]}"
        self._admin = create_engine(server, isolation_level="AUTOCOMMIT")
        with self._admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{self.name}"'))
        self.url = server.set(database=self.name).render_as_string(hide_password=False)
        migrate.upgrade(self.url)
        self.engine = make_engine(self.url)
        tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
        self._truncate = text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE")

    def fresh_engine(self) -> Engine:
        with self.engine.begin() as conn:
            conn.execute(self._truncate)
        return self.engine

    def close(self) -> None:
        self.engine.dispose()
        with self._admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)'))
        self._admin.dispose()


class SqliteDatabase:
    """A migrated template file; each test gets its own copy (faster than re-migrating)."""

    kind = "sqlite"

    def __init__(self, directory: Path):
        self.directory = directory
        self.template = directory / "template.db"
        migrate.upgrade(f"sqlite:///{self.template}")
        self._engines: list[Engine] = []
        self.url = ""

    def fresh_engine(self) -> Engine:
        for engine in self._engines:
            engine.dispose()
        path = self.directory / f"test-{uuid.uuid4().hex[:8]}.db"
        shutil.copyfile(self.template, path)
        self.url = f"sqlite:///{path}"
        engine = make_engine(self.url)
        self._engines = [engine]
        return engine

    def close(self) -> None:
        for engine in self._engines:
            engine.dispose()
