"""HQ starts optimizer runs over the API, follows them, and approves or rejects proposals."""
from __future__ import annotations

import json
import subprocess
import sys
from datetime import timedelta

from inventory.access import Principal
from inventory.db import make_session_factory, transaction, utcnow
from inventory.policy import Policy
from inventory.requisitions import service as requisitions
from inventory.requisitions.service import LineRequest
from inventory.warehouses import ledger


def demand_history(engine):
    with make_session_factory(engine)() as session, transaction(session):
        ledger.receive(session, "HQ", "WM-MOTOR-01", 20, actor="t")
        for day in range(14):
            requisitions.submit(session, Principal("service_point", "SP0001"), ship_to="SP0001", ticket="T",
                        policy=Policy(), lines=[LineRequest("WM-MOTOR-01", 1)], now=utcnow() - timedelta(days=day + 1))


def test_hq_starts_a_run_and_reads_its_kpis_and_proposals(client, auth, engine):
    demand_history(engine)
    started = client.post("/api/v1/optimizer/runs", headers=auth["hq"], json={})
    assert started.status_code == 202 and started.json["id"].startswith("OR")
    run = client.get(f"/api/v1/optimizer/runs/{started.json['id']}", headers=auth["hq"]).json
    assert run["status"] == "done" and run["progress"] == 1.0
    assert run["after"]["on_time_units"] >= run["before"]["on_time_units"]
    assert run["transfers_proposed"] == len(run["proposed_transfers"]) > 0
    assert client.get("/api/v1/optimizer/runs", headers=auth["hq"]).json[0]["id"] == run["id"]


def test_only_hq_may_run_the_optimizer(client, auth):
    for who in ("dealer", "point", "call_center"):
        assert client.post("/api/v1/optimizer/runs", headers=auth[who], json={}).status_code == 403
    assert client.get("/api/v1/optimizer/runs/OR999999", headers=auth["hq"]).status_code == 404


def test_approving_a_proposal_ships_it_and_rejecting_needs_a_reason(client, auth, engine):
    demand_history(engine)
    run = client.post("/api/v1/optimizer/runs", headers=auth["hq"], json={}).json
    drafts = client.get(f"/api/v1/transfers?run={run['id']}&status=draft", headers=auth["hq"]).json
    assert len(drafts) >= 1
    approved = client.post(f"/api/v1/transfers/{drafts[0]['id']}/approve", headers=auth["hq"])
    assert approved.status_code == 200 and approved.json["status"] == "shipped"
    assert client.post(f"/api/v1/transfers/{drafts[0]['id']}/approve", headers=auth["hq"]).status_code == 409
    if len(drafts) > 1:
        assert client.post(f"/api/v1/transfers/{drafts[1]['id']}/reject", headers=auth["hq"], json={}).status_code == 422
        rejected = client.post(f"/api/v1/transfers/{drafts[1]['id']}/reject", headers=auth["hq"], json={"reason": "no"})
        assert rejected.json["status"] == "rejected"


def test_the_cli_runs_on_the_database_and_offline_on_a_file(database, engine, auth, tmp_path):
    env = {"DATABASE_URL": database.url, "PATH": "/usr/bin:/bin"}
    done = subprocess.run([sys.executable, "-m", "api.cli", "optimize"], env=env, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["status"] == "done"
    instance = tmp_path / "instance.json"
    instance.write_text(json.dumps({
        "stock": [{"warehouse": "GD1", "sku": "P1", "qty": 5}],
        "lanes": [{"from": "GD1", "to": "SP0001", "hours": 20, "unit_cost": "3.50"}],
        "lines": [{"id": "L1", "service_point": "SP0001", "sku": "P1", "qty": 2, "weight": 3, "hours_left": 48}]}))
    out = tmp_path / "plan.json"
    done = subprocess.run([sys.executable, "-m", "api.cli", "optimize", "--instance", str(instance), "--out", str(out)],
                          env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert json.loads(out.read_text())["summary"]["objective"] == "5993.00"


def test_an_idempotency_key_starts_one_run_for_any_number_of_retries(client, auth, engine):
    """A retry after a lost answer must not start a second national solve."""
    demand_history(engine)
    headers = {**auth["hq"], "Idempotency-Key": "nightly-retry-1"}
    first = client.post("/api/v1/optimizer/runs", headers=headers, json={})
    again = client.post("/api/v1/optimizer/runs", headers=headers, json={})
    assert first.status_code == again.status_code == 202
    assert again.json == first.json
    other = client.post("/api/v1/optimizer/runs", headers=headers, json={"shards": 2})
    assert other.status_code == 409 and other.mimetype == "application/problem+json", other.json
    assert [run["id"] for run in client.get("/api/v1/optimizer/runs", headers=auth["hq"]).json] == [first.json["id"]]
    fresh = client.post("/api/v1/optimizer/runs", headers=auth["hq"], json={})
    assert fresh.status_code == 202 and fresh.json["id"] != first.json["id"]
