"""A migrated database of its own for the migration tests (SQLite file, or a PostgreSQL database when DATABASE_URL names one), to walk revisions down and up."""
from __future__ import annotations

import os

import pytest
from sqlalchemy import inspect

from inventory.migrate import upgrade

from ..databases import PostgresDatabase, pg_unreachable_reason


@pytest.fixture
def url(tmp_path):
    if os.environ.get("DATABASE_URL", "").startswith("postgres"):
        reason = pg_unreachable_reason()
        if reason:
            pytest.skip(reason)
        database = PostgresDatabase()
        database.engine.dispose()
        yield database.url
        database.close()
    else:
        url = f"sqlite:///{tmp_path / 'migrations.db'}"
        upgrade(url)
        yield url


def columns(engine, table: str) -> set[str]:
    """The names of a table's columns as the database has them now."""
    return {c["name"] for c in inspect(engine).get_columns(table)}
