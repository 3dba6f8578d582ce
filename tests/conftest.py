"""Fixtures: a clean database per test on the backend under test, and a tiny world.

The backend is DATABASE_URL's server when it names PostgreSQL (a throwaway database is
created on it), else an embedded SQLite file. `pg_engine` always wants PostgreSQL, for the
concurrency proofs, and skips with the reason when the server is unreachable.
"""
from __future__ import annotations

import os

import pytest
from sqlalchemy.orm import Session

from inventory.db import make_session_factory, transaction, utcnow
from inventory.world import load_world

from .databases import PostgresDatabase, SqliteDatabase, pg_unreachable_reason
from .factories import tiny_world
from .signin_stores import STORES, Clock, StoreUnderTest


def _backend_is_postgres() -> bool:
    return os.environ.get("DATABASE_URL", "").startswith("postgres")


@pytest.fixture(scope="session")
def database(tmp_path_factory):
    if _backend_is_postgres():
        reason = pg_unreachable_reason()
        if reason:
            pytest.skip(reason)
        db = PostgresDatabase()
    else:
        db = SqliteDatabase(tmp_path_factory.mktemp("sqlite"))
    yield db
    db.close()


@pytest.fixture(scope="session")
def pg_database():
    reason = pg_unreachable_reason()
    if reason:
        pytest.skip(reason)
    db = database = PostgresDatabase()
    yield database
    db.close()


@pytest.fixture
def engine(database):
    return database.fresh_engine()


@pytest.fixture
def pg_engine(pg_database):
    return pg_database.fresh_engine()


@pytest.fixture
def sessions(engine):
    """A session factory on the clean test database (for tests that need several)."""
    return make_session_factory(engine)


@pytest.fixture
def session(sessions) -> Session:
    with sessions() as s:
        yield s


@pytest.fixture
def world(session):
    """The tiny world, loaded; returns the dict that was loaded."""
    data = tiny_world()
    with transaction(session):
        load_world(session, data)
    return data


# -- the sign-in guard's tests (db and web): each runs once per store of failed sign-ins ---------

@pytest.fixture(params=STORES)
def kept_in(request):
    store = StoreUnderTest(request.param)
    yield store
    store.cleanup()


@pytest.fixture
def clock():
    """A clock the test moves, for the guard to read instead of the wall clock."""
    return Clock(utcnow().replace(microsecond=0))
