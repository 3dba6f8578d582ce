"""Throwaway databases for benchmarks: a temp SQLite file, or a fresh PostgreSQL database."""
from __future__ import annotations

import contextlib
import os
import tempfile
import uuid

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from inventory import migrate
from inventory.db import normalise_url

PG_SERVER = os.environ.get("BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test")


@contextlib.contextmanager
def sqlite_db():
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/bench.db"
        migrate.upgrade(url)
        yield url


@contextlib.contextmanager
def postgres_db(*, keep: bool = False):
    """A fresh database on PG_SERVER's server, migrated; dropped afterwards unless `keep`."""
    server = make_url(normalise_url(PG_SERVER))
    name = f"parts_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = server.set(database=name).render_as_string(hide_password=False)
    try:
        migrate.upgrade(url)
        yield url
    finally:
        if not keep:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@contextlib.contextmanager
def copy_of(url: str):
    """A throwaway copy of a database, to run several variants from the same starting state:
    `CREATE DATABASE ... TEMPLATE` on PostgreSQL (a file-level copy), a file copy on SQLite.
    Nothing may be connected to the original while it is copied."""
    if url.startswith("sqlite"):
        import shutil

        with tempfile.TemporaryDirectory() as tmp:
            target = f"{tmp}/copy.db"
            shutil.copyfile(make_url(url).database, target)
            yield f"sqlite:///{target}"
        return
    source = make_url(normalise_url(url))
    name = f"parts_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(source.set(database=make_url(normalise_url(PG_SERVER)).database), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{source.database}"'))
    try:
        yield source.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
