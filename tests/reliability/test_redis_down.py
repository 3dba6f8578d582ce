"""Redis down (the Celery broker and the rate-limit store of production): the API keeps taking
requisitions, an optimizer run asked for meanwhile is refused with 503 instead of hanging, and
the nightly run is a task that retries with backoff and is acknowledged only when done."""
from __future__ import annotations

import time

import pytest
from sqlalchemy.exc import OperationalError

from inventory import planning
from inventory.db import make_session_factory

from ..api.conftest import make_app, running_app

CLOSED = "redis://127.0.0.1:1/0"  # nothing listens on port 1: connection refused at once
ORDER = {"ship_to": "SP0001", "lines": [{"sku": "WM-PUMP-01", "qty": 2}]}


@pytest.fixture(autouse=True)
def no_broker_in_the_environment(monkeypatch):
    """Celery prefers CELERY_BROKER_URL from the environment to the app's config (CI sets it)."""
    for name in ("CELERY_BROKER_URL", "CELERY_RESULT_BACKEND", "RATELIMIT_STORAGE_URI"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def app_without_redis(database, engine, auth):
    config = make_app(database.url).config["CELERY"]
    with running_app(database.url, RATELIMIT_STORAGE_URI=CLOSED, RATELIMIT_DEFAULT="100000 per minute",
                     CELERY={**config, "broker_url": CLOSED, "result_backend": CLOSED,
                             "task_always_eager": False}) as app:
        yield app


def test_requisitions_are_taken_while_redis_is_down(app_without_redis, auth):
    client = app_without_redis.test_client()
    started = time.monotonic()
    created = client.post("/api/v1/requisitions", json=ORDER, headers=auth["dealer"])
    assert created.status_code == 201, created.get_json()
    code = created.get_json()["id"]
    assert client.get("/api/v1/parts?q=PUMP", headers=auth["dealer"]).status_code == 200
    assert client.get(f"/api/v1/requisitions/{code}", headers=auth["dealer"]).status_code == 200
    assert client.post(f"/api/v1/requisitions/{code}/cancel", headers=auth["dealer"]).status_code == 200
    assert client.get("/api/v1/quota", headers=auth["dealer"]).get_json()["reserved"] == "0.00"
    assert time.monotonic() - started < 10  # no request waited on Redis


def test_rate_limits_still_apply_per_process_while_the_limit_store_is_down(database, engine, auth):
    with running_app(database.url, RATELIMIT_STORAGE_URI=CLOSED, RATELIMIT_DEFAULT="2 per minute") as app:
        client = app.test_client()
        statuses = [client.get("/api/v1/parts", headers=auth["point"]).status_code for _ in range(3)]
    assert statuses == [200, 200, 429]


def ask_for_a_run(app, auth, engine):
    client = app.test_client()
    started = time.monotonic()
    response = client.post("/api/v1/optimizer/runs", json={}, headers=auth["hq"])
    assert response.status_code == 503 and response.mimetype == "application/problem+json"
    assert int(response.headers["Retry-After"]) > 0
    assert time.monotonic() - started < 15
    with make_session_factory(engine)() as session:
        assert [run.status for run in planning.list_runs(session)] == ["failed"]


def test_an_optimizer_run_asked_for_while_the_broker_is_down_is_a_503_and_is_not_left_queued(
        database, engine, auth):
    config = make_app(database.url).config["CELERY"]
    app = make_app(database.url, CELERY={**config, "broker_url": CLOSED, "result_backend": "cache+memory://",
                                         "task_always_eager": False})
    ask_for_a_run(app, auth, engine)


def test_an_optimizer_run_asked_for_while_all_of_redis_is_down_is_a_503(app_without_redis, auth, engine):
    ask_for_a_run(app_without_redis, auth, engine)


def nightly_task():
    import api.tasks.optimizer  # noqa: F401  (registers the task)
    from celery import current_app

    return current_app.tasks["optimizer.nightly_run"]


def test_the_nightly_run_retries_database_outages_with_growing_waits(app):
    task = nightly_task()
    assert OperationalError in task.autoretry_for
    assert task.retry_backoff and task.max_retries >= 5
    waits = [min(task.retry_backoff_max, task.retry_backoff * 2 ** n) for n in range(task.max_retries)]
    assert sum(waits) >= 30 * 60  # it keeps trying for at least half an hour


def test_optimizer_tasks_are_acknowledged_only_when_done(app):
    """A worker killed mid-run leaves its message unacknowledged, so another worker redoes it."""
    from celery import current_app

    import api.tasks.optimizer  # noqa: F401

    for name in ("optimizer.nightly_run", "optimizer.start_run", "optimizer.solve_shard", "optimizer.merge_run"):
        task = current_app.tasks[name]
        assert task.acks_late and task.reject_on_worker_lost, name


def test_beat_keeps_trying_to_send_the_nightly_run_until_the_broker_is_back(app):
    from api.celery_setup import beat_schedule

    entry = beat_schedule(app)["nightly-optimizer"]
    policy = entry.get("options", {}).get("retry_policy", {})
    assert entry.get("options", {}).get("retry") is True
    assert policy.get("max_retries") is None or policy["max_retries"] * policy.get("interval_max", 1) >= 30 * 60
