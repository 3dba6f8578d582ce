"""PostgreSQL kills a request's connection mid-transaction (pg_terminate_backend from another
session, as a failover or an admin would): the caller gets a clean 503 with Retry-After at once,
nothing of the request is left half-written, and the next request works."""
from __future__ import annotations

import threading

import pytest
from sqlalchemy import text

from inventory import audit
from inventory.warehouses import ledger

from ..web.conftest import WebClient, add_users
from .conftest import ledger_clean, state

pytestmark = pytest.mark.postgres

DEALER_ORDER = {"ship_to": "SP0001", "lines": [{"sku": "WM-PUMP-01", "qty": 2}, {"sku": "AC-REMOTE-01", "qty": 1}]}
WAIT = 30


class Killer:
    """Wraps a domain function: the first call does its real work inside the request's
    transaction, then waits while the test terminates that transaction's backend."""

    def __init__(self, monkeypatch, module, name: str):
        self.real = getattr(module, name)
        self.inside, self.release = threading.Event(), threading.Event()
        self.pid = None
        monkeypatch.setattr(module, name, self)

    def __call__(self, session, *args, **kwargs):
        result = self.real(session, *args, **kwargs)
        if self.pid is None:
            self.pid = session.execute(text("SELECT pg_backend_pid()")).scalar_one()
            self.inside.set()
            self.release.wait(WAIT)
        return result

    def kill_during(self, call, admin_engine):
        """Run `call()` in a thread; once it is inside, terminate its backend; return its result."""
        outcome = {}
        worker = threading.Thread(target=lambda: outcome.update(response=call()), daemon=True)
        worker.start()
        assert self.inside.wait(WAIT), "the request never reached the blocking point"
        with admin_engine.connect() as admin:
            assert admin.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": self.pid}).scalar_one()
        self.release.set()
        worker.join(WAIT)
        assert not worker.is_alive(), "the request hung after its connection was killed"
        return outcome["response"]


def test_a_requisition_whose_connection_dies_mid_transaction_fails_cleanly_and_leaves_nothing(
        pg_app, pg_auth, pg_engine, monkeypatch):
    client = pg_app.test_client()
    before = state(pg_engine)
    killer = Killer(monkeypatch, ledger, "reserve_locked")  # after the quota and the lines are reserved
    response = killer.kill_during(
        lambda: client.post("/api/v1/requisitions", json=DEALER_ORDER, headers=pg_auth["dealer"]), pg_engine)

    assert response.status_code == 503 and response.headers["Retry-After"] == "2"
    assert response.mimetype == "application/problem+json"
    body = response.get_json()
    assert body["status"] == 503 and body["code"] == "database.unavailable"
    assert "Traceback" not in response.get_data(as_text=True) and "terminating" not in response.get_data(as_text=True)
    assert state(pg_engine) == before  # no requisition, no reservation, no quota held, no ledger row
    assert ledger_clean(pg_engine)

    monkeypatch.setattr(ledger, "reserve_locked", killer.real)
    again = client.post("/api/v1/requisitions", json=DEALER_ORDER, headers=pg_auth["dealer"])
    assert again.status_code == 201, again.get_json()
    assert client.get("/api/v1/quota", headers=pg_auth["dealer"]).get_json()["reserved"] == "295.00"


def test_a_retry_with_the_same_idempotency_key_after_the_failure_creates_it_once(pg_app, pg_auth, pg_engine,
                                                                                 monkeypatch):
    client = pg_app.test_client()
    headers = {**pg_auth["dealer"], "Idempotency-Key": "order-42"}
    killer = Killer(monkeypatch, ledger, "reserve_locked")
    failed = killer.kill_during(lambda: client.post("/api/v1/requisitions", json=DEALER_ORDER, headers=headers),
                                pg_engine)
    assert failed.status_code == 503
    monkeypatch.setattr(ledger, "reserve_locked", killer.real)
    first = client.post("/api/v1/requisitions", json=DEALER_ORDER, headers=headers)
    second = client.post("/api/v1/requisitions", json=DEALER_ORDER, headers=headers)
    assert (first.status_code, second.status_code) == (201, 201)
    assert first.get_json()["id"] == second.get_json()["id"]
    assert state(pg_engine)["counts"]["requisition"] == 1


def test_a_stock_count_whose_connection_dies_shows_an_error_page_and_saves_nothing(
        pg_database, pg_engine, pg_auth, monkeypatch):
    from ..api.conftest import make_app

    add_users(pg_engine)
    app = make_app(pg_database.url, WTF_CSRF_ENABLED=True)
    clerk = WebClient(app)
    assert clerk.login("gd_clerk").status_code == 302
    token = clerk.token("/w/GD1/count")
    before = state(pg_engine)
    killer = Killer(monkeypatch, audit, "record")  # after the balance and the ledger row are written
    response = killer.kill_during(lambda: clerk.http.post("/w/GD1/count", data={
        "sku": "WM-PUMP-01", "counted": "9", "reason": "monthly count", "csrf_token": token}), pg_engine)

    page = response.get_data(as_text=True)
    assert response.status_code == 503 and response.mimetype == "text/html"
    assert "数据库暂时无响应" in page or "The database is not answering" in page
    assert "Traceback" not in page and "psycopg" not in page
    assert state(pg_engine) == before and ledger_clean(pg_engine)

    monkeypatch.setattr(audit, "record", killer.real)
    assert clerk.post("/w/GD1/count", {"sku": "WM-PUMP-01", "counted": "9", "reason": "monthly count"}).status_code == 302
    with app.app_context():
        from api.extensions import db

        db.engine.dispose()


def test_the_next_request_works_after_every_pooled_connection_was_killed(pg_app, pg_auth, pg_engine):
    client = pg_app.test_client()
    for _ in range(3):  # fill the pool
        assert client.get("/api/v1/parts", headers=pg_auth["point"]).status_code == 200
    with pg_engine.connect() as admin:
        killed = admin.execute(text(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()")).scalar_one()
    assert killed >= 1
    assert client.get("/api/v1/parts", headers=pg_auth["point"]).status_code == 200
    created = client.post("/api/v1/requisitions", json=DEALER_ORDER, headers=pg_auth["dealer"])
    assert created.status_code == 201
    assert ledger_clean(pg_engine)
