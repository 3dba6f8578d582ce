"""The cycle-count API (HQ): an open count's lines carry no book quantity, HQ approves and rejects
variances beyond the tolerance, other keys get 403, and the accuracy report adds up."""
from __future__ import annotations

from decimal import Decimal

import pytest

from inventory.db import make_session_factory, transaction
from inventory.policy import Policy
from inventory.warehouses import cycle_counts as cc
from inventory.warehouses import ledger

PUMP_BOOK, REMOTE_BOOK = 7391, 4826


@pytest.fixture
def count_id(engine, auth):
    """GD1's open count of its pumps (7391 on the books) and remotes (4826)."""
    with make_session_factory(engine)() as session, transaction(session):
        ledger.receive(session, "GD1", "WM-PUMP-01", PUMP_BOOK - 10, actor="test")
        ledger.receive(session, "GD1", "AC-REMOTE-01", REMOTE_BOOK - 20, actor="test")
        return cc.start_count(session, "GD1", Policy(), actor="clerk:gd_clerk").id


def submit(engine, count_id, counted):
    with make_session_factory(engine)() as session, transaction(session):
        cc.submit_count(session, count_id, counted, Policy(), actor="clerk:gd_clerk")


def book(engine, sku):
    with make_session_factory(engine)() as session:
        return ledger.get_balance(session, "GD1", sku).on_hand


def test_an_open_count_shows_no_book_quantity(client, auth, count_id):
    response = client.get(f"/api/v1/cycle-counts/{count_id}", headers=auth["hq"])
    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "counting" and {line["sku"] for line in body["lines"]} == {"WM-PUMP-01", "AC-REMOTE-01"}
    assert all(line["book"] is None and line["variance"] is None for line in body["lines"])
    raw = response.get_data(as_text=True)
    assert str(PUMP_BOOK) not in raw and str(REMOTE_BOOK) not in raw
    listed = client.get("/api/v1/cycle-counts?warehouse=GD1&status=counting", headers=auth["hq"])
    assert listed.headers["X-Total-Count"] == "1" and str(PUMP_BOOK) not in listed.get_data(as_text=True)


def test_hq_approves_and_rejects_variances_beyond_the_tolerance(client, auth, engine, count_id):
    submit(engine, count_id, {"WM-PUMP-01": 7000, "AC-REMOTE-01": 4000})
    body = client.get(f"/api/v1/cycle-counts/{count_id}", headers=auth["hq"]).get_json()
    lines = {line["sku"]: line for line in body["lines"]}
    assert body["status"] == "submitted"
    assert (lines["AC-REMOTE-01"]["book"], lines["AC-REMOTE-01"]["variance"]) == (REMOTE_BOOK, -826)
    assert lines["AC-REMOTE-01"]["variance_value"] == "16520.00"
    approved = client.post(f"/api/v1/cycle-counts/lines/{lines['AC-REMOTE-01']['id']}/approve", headers=auth["hq"])
    assert approved.status_code == 200 and approved.get_json()["posted_delta"] == -826
    assert book(engine, "AC-REMOTE-01") == 4000
    empty = client.post(f"/api/v1/cycle-counts/lines/{lines['WM-PUMP-01']['id']}/reject", json={"reason": ""},
                        headers=auth["hq"])
    assert empty.status_code == 422
    rejected = client.post(f"/api/v1/cycle-counts/lines/{lines['WM-PUMP-01']['id']}/reject",
                           json={"reason": "recount"}, headers=auth["hq"])
    assert rejected.status_code == 200 and rejected.get_json()["status"] == "rejected"
    assert book(engine, "WM-PUMP-01") == PUMP_BOOK
    again = client.post(f"/api/v1/cycle-counts/lines/{lines['WM-PUMP-01']['id']}/approve", headers=auth["hq"])
    assert again.status_code == 409
    due = client.get("/api/v1/cycle-counts/due?warehouse=GD1", headers=auth["hq"]).get_json()
    assert [d["sku"] for d in due] == ["WM-PUMP-01"]  # rejected: counted again


@pytest.mark.parametrize("who", ["dealer", "point", "call_center"])
def test_other_keys_are_refused(client, auth, count_id, who):
    assert client.get("/api/v1/cycle-counts", headers=auth[who]).status_code == 403
    assert client.get(f"/api/v1/cycle-counts/{count_id}", headers=auth[who]).status_code == 403
    assert client.post("/api/v1/cycle-counts/lines/1/approve", headers=auth[who]).status_code == 403


def test_unknown_ids_and_bad_arguments(client, auth, count_id):
    assert client.get("/api/v1/cycle-counts/999999", headers=auth["hq"]).status_code == 404
    assert client.get(f"/api/v1/cycle-counts/{2 ** 70}", headers=auth["hq"]).status_code == 404
    assert client.post("/api/v1/cycle-counts/lines/999999/approve", headers=auth["hq"]).status_code == 404
    assert client.get("/api/v1/cycle-counts/accuracy?days=7", headers=auth["hq"]).status_code == 422
    assert client.get("/api/v1/cycle-counts/due?warehouse=XX9", headers=auth["hq"]).status_code == 404


def test_the_accuracy_report_adds_up(client, auth, engine, count_id):
    submit(engine, count_id, {"WM-PUMP-01": PUMP_BOOK - 1, "AC-REMOTE-01": 4000})
    body = client.get("/api/v1/cycle-counts/accuracy?days=90", headers=auth["hq"]).get_json()
    assert body["rows"] == [{"warehouse": "GD1", "abc_class": "C", "lines": 2, "within": 1, "share_within": 0.5,
                             "variance_value": "16600.00"}]
    assert body["total"]["lines"] == sum(r["lines"] for r in body["rows"])
    assert Decimal(body["total"]["variance_value"]) == sum(Decimal(r["variance_value"]) for r in body["rows"])
