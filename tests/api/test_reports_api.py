"""`GET /api/v1/reports/penalties` and `parts tickets-report`: the month's penalty report for HQ."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from inventory.policy import Policy
from inventory.tickets import penalties_for_month

BEIJING = timezone(timedelta(hours=8))
T0 = datetime(2026, 10, 5, 9, 0, tzinfo=BEIJING)
PARTS = Path(sys.executable).with_name("parts")


def post_ticket(client, headers, ticket: str, completed_hours: float, point: str = "SP0001") -> None:
    """A ticket dispatched at once and visited in 5 h, completed after `completed_hours`."""
    for kind, hours in (("created", 0), ("dispatched_center", 0.1), ("dispatched_point", 0.2),
                        ("contacted", 0.5), ("visited", 5), ("completed", completed_hours)):
        body = {"type": kind, "at": (T0 + timedelta(hours=hours)).isoformat()}
        if kind == "created":
            body["service_point"] = point
        r = client.post(f"/api/v1/tickets/{ticket}/events", headers=headers, json=body)
        assert r.status_code == 201, r.json


def report(client, headers, **query):
    return client.get("/api/v1/reports/penalties", headers=headers, query_string=query)


@pytest.mark.parametrize("who", ["call_center", "dealer", "point"])
def test_only_hq_reads_the_penalty_report(client, auth, who):
    r = report(client, auth[who], month="2026-10")
    assert r.status_code == 403 and r.mimetype == "application/problem+json"


@pytest.mark.parametrize("query", [{"month": "2026-13"}, {"month": "2026-1"}, {"month": "October"}, {},
                                   {"month": "0001-01"},
                                   {"month": "2026-10", "centre": "GD"}])
def test_a_bad_month_is_422_problem(client, auth, query):
    r = report(client, auth["hq"], **query)
    assert r.status_code == 422 and r.mimetype == "application/problem+json"
    assert set(r.json["errors"]) & {"month", "centre"}


def test_an_empty_month_is_an_empty_report(client, auth):
    r = report(client, auth["hq"], month="2026-09")
    assert r.status_code == 200
    assert (r.json["tickets"], r.json["parties"], r.json["centers"]) == (0, [], [])


def test_a_center_with_over_21_percent_of_tickets_over_3_days_loses_the_bonus(client, auth):
    for n in range(3):
        post_ticket(client, auth["call_center"], f"T-GD-{n}", 10)
    for n in range(2):
        post_ticket(client, auth["call_center"], f"T-GD-LATE-{n}", 100)
    body = report(client, auth["hq"], month="2026-10").json
    (gd,) = body["centers"]
    assert (gd["tickets"], gd["within_3_days"], gd["three_day_rate"], gd["meets_three_day_target"]) == (
        5, 3, "0.6000", False)
    assert (gd["over_3_days"], gd["bonus_cancelled"], gd["cancelled_because"]) == (2, True, ["over_3_days_rate"])
    parties = {p["party"]: p for p in body["parties"]}
    assert parties["service_point:SP0001"]["fines"] == "100.00"  # 50 each for the two over 72 h


def test_a_center_with_more_than_5_tickets_over_7_days_is_fined(client, auth):
    for n in range(6):
        post_ticket(client, auth["call_center"], f"T-HB-{n}", 200, point="SP0003")
    (hb,) = report(client, auth["hq"], month="2026-10").json["centers"]
    assert (hb["center"], hb["province"], hb["over_7_days"], hb["seven_day_rate"]) == ("HB", "湖北", 6, "0.0000")
    assert hb["cancelled_because"] == ["over_3_days_rate", "over_7_days_count"]
    assert hb["fines"] == {"service_director": "200.00", "parts_admin": "100.00", "chase_clerk": "100.00"}


def test_the_api_the_service_function_and_the_cli_give_the_same_report(client, auth, session, database):
    post_ticket(client, auth["call_center"], "T-1", 10)
    post_ticket(client, auth["call_center"], "T-2", 100, point="SP0003")
    shown = report(client, auth["hq"], month="2026-10").json
    computed = penalties_for_month(session, "2026-10", Policy())
    session.rollback()  # end the read (SQLite: release the lock) before the CLI reads
    assert shown == json.loads(json.dumps(computed))
    command = [str(PARTS)] if PARTS.exists() else [sys.executable, "-c", "from api.cli import main; main()"]
    result = subprocess.run(command + ["tickets-report", "--month", "2026-10"], capture_output=True, text=True,
                            env={**os.environ, "DATABASE_URL": database.url}, timeout=120)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == shown
    bad = subprocess.run(command + ["tickets-report", "--month", "2026-13"], capture_output=True, text=True,
                         env={**os.environ, "DATABASE_URL": database.url}, timeout=120)
    assert bad.returncode == 2 and bad.stderr.strip().count("\n") == 0 and "month" in bad.stderr
