"""API fixtures: an app on the test database with the tiny world and a key per principal."""
from __future__ import annotations

import contextlib
import uuid

import pytest

from api.app import create_app
from inventory.access import create_key
from inventory.db import make_session_factory, transaction
from inventory.world import load_world

from ..factories import tiny_world

PRINCIPALS = {
    "dealer": ("dealer", "D001"),
    "other_dealer": ("dealer", "D002"),
    "point": ("service_point", "SP0001"),
    "other_point": ("service_point", "SP0003"),
    "call_center": ("call_center", None),
    "hq": ("hq", None),
}


EAGER_CELERY = {"broker_url": "memory://", "result_backend": "cache+memory://", "task_always_eager": True,
                "task_eager_propagates": True}


def make_app(url: str, **config):
    """The app on a test database. Tasks run eagerly in-process unless a test passes its own
    CELERY config (tests/distributed does, to use real workers on the broker)."""
    from api.config import defaults

    celery = {**defaults()["CELERY"], **EAGER_CELERY}
    # sign-in counts kept in a shared Redis (CI's second pass) are the test's own
    signin_prefix = f"signin-test-{uuid.uuid4().hex[:12]}:"
    return create_app({"DATABASE_URL": url, "TESTING": True, "SECRET_KEY": "test",
                       "RATELIMIT_DEFAULT": "100000 per minute", "CELERY": celery,
                       "SIGNIN_KEY_PREFIX": signin_prefix, **config})


def seed(engine) -> dict[str, dict]:
    """Load the tiny world and return an Authorization header per principal."""
    with make_session_factory(engine)() as session, transaction(session):
        load_world(session, tiny_world())
        keys = {name: create_key(session, role, code) for name, (role, code) in PRINCIPALS.items()}
    return {name: {"Authorization": f"Bearer {key}"} for name, key in keys.items()}


@contextlib.contextmanager
def running_app(url: str, **config):
    """`make_app` for the length of a block, its connection pool closed afterwards."""
    app = make_app(url, **config)
    try:
        yield app
    finally:
        with app.app_context():
            from api.extensions import db

            db.engine.dispose()


@pytest.fixture
def auth(engine):
    """The tiny world on the test database and an Authorization header per principal."""
    return seed(engine)


@pytest.fixture
def app(database, engine, auth):
    with running_app(database.url) as app:
        yield app


@pytest.fixture
def client(app):
    return app.test_client()
