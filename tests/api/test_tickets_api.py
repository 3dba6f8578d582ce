"""REST contract of API.md for repair tickets, and `parts attribute` replaying what the API showed."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from inventory.access import Principal
from inventory.db import transaction
from inventory.policy import Policy
from inventory.requisitions import service as requisitions
from inventory.requisitions.service import LineRequest
from inventory.warehouses import ledger

BEIJING = timezone(timedelta(hours=8))
T0 = datetime(2026, 10, 5, 9, 0, tzinfo=BEIJING)
PARTS = Path(sys.executable).with_name("parts")
FLOW = (("created", 0.0), ("dispatched_center", 0.1), ("dispatched_point", 0.2), ("contacted", 0.5),
        ("visited", 5.0), ("completed", 100.0))


def h(hours: float) -> datetime:
    return T0 + timedelta(hours=hours)


def event(client, headers, kind, hours=None, ticket="T20261005-0001", headers_extra=None, **body):
    payload = {"type": kind, **({"at": h(hours).isoformat()} if hours is not None else {}), **body}
    return client.post(f"/api/v1/tickets/{ticket}/events", headers={**headers, **(headers_extra or {})},
                       json=payload)


def post_flow(client, headers, ticket="T20261005-0001", flow=FLOW, point="SP0001"):
    for kind, hours in flow:
        extra = {"service_point": point, "family": "twin_tub"} if kind == "created" else {}
        assert event(client, headers, kind, hours, ticket=ticket, **extra).status_code == 201


def late_shortage(session, ticket="T20261005-0001") -> str:
    """A requisition the regional warehouse could not cover; HQ shipped in time, it arrived late."""
    point = Principal("service_point", "SP0001")
    with transaction(session):
        ledger.reserve(session, "GD1", "WM-PUMP-01", 10, actor="test")
        code = requisitions.submit(session, point, ship_to="SP0001", lines=[LineRequest("WM-PUMP-01", 1)], ticket=ticket,
                           policy=Policy(), now=h(1)).code
    with transaction(session):
        requisitions.ship(session, "hq", code, at=h(2), now=h(2))
    with transaction(session):
        requisitions.receive(session, point, code, at=h(90), now=h(90))
    return code


@pytest.fixture
def parts(database, engine):
    """Run `parts ARGS...` as an operator would, on this test's database (or none)."""
    def run(*args: str, database_url: str | None = database.url, cwd=None) -> subprocess.CompletedProcess:
        env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
        if database_url:
            env["DATABASE_URL"] = database_url
        command = [str(PARTS)] if PARTS.exists() else [sys.executable, "-c", "from api.cli import main; main()"]
        return subprocess.run(command + list(args), env=env, capture_output=True, text=True, timeout=120, cwd=cwd)
    return run


# -- POST events -------------------------------------------------------------------------------------

def test_the_call_center_posts_an_event_and_gets_the_stored_event(client, auth):
    r = event(client, auth["call_center"], "created", 0, note="用户报修: 不排水", service_point="SP0001")
    assert r.status_code == 201, r.json
    body = r.json
    assert (body["ticket"], body["type"], body["note"], body["service_point"]) == (
        "T20261005-0001", "created", "用户报修: 不排水", "SP0001")
    assert body["at"] == "2026-10-05T01:00:00+00:00" and body["until"] is None
    assert body["received_by"] == "call_center" and isinstance(body["id"], int)


def test_hq_may_post_events_too(client, auth):
    assert event(client, auth["hq"], "created", 0).status_code == 201


def test_an_exact_repeat_answers_the_first_event_and_stores_nothing_new(client, auth):
    first = event(client, auth["call_center"], "created", 0)
    again = client.post("/api/v1/tickets/T20261005-0001/events", headers=auth["hq"],
                        json={"type": "created", "at": "2026-10-05T01:00:00Z"})
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json == first.json
    assert len(client.get("/api/v1/tickets/T20261005-0001", headers=auth["hq"]).json["timeline"]) == 1


def test_an_event_without_at_happened_now(client, auth):
    before = datetime.now(timezone.utc)
    r = event(client, auth["call_center"], "created")
    assert r.status_code == 201 and datetime.fromisoformat(r.json["at"]) >= before - timedelta(seconds=1)


def test_an_idempotency_key_replays_the_first_response_and_refuses_another_body(client, auth):
    key = {"Idempotency-Key": "evt-1"}
    first = event(client, auth["call_center"], "contacted", 1, headers_extra=key)
    replay = event(client, auth["call_center"], "contacted", 1, headers_extra=key)
    assert (first.status_code, replay.status_code, replay.json) == (201, 201, first.json)
    other = event(client, auth["call_center"], "contacted", 2, headers_extra=key)
    assert other.status_code == 409 and other.mimetype == "application/problem+json"


@pytest.mark.parametrize("who", ["dealer", "point", "other_point"])
def test_dealers_and_service_points_may_not_post_or_read_tickets(client, auth, who):
    assert event(client, auth[who], "created", 0).status_code == 403
    r = client.get("/api/v1/tickets/T20261005-0001", headers=auth[who])
    assert r.status_code == 403 and r.mimetype == "application/problem+json"


def test_no_key_is_401(client, auth):
    assert event(client, {}, "created", 0).status_code == 401


@pytest.mark.parametrize("body, field", [
    ({"type": "opened", "at": "2026-10-05T09:00:00+08:00"}, "type"),
    ({"at": "2026-10-05T09:00:00+08:00"}, "type"),
    ({"type": "created", "at": "2026-10-05T09:00:00"}, "at"),
    ({"type": "created", "at": "yesterday"}, "at"),
    ({"type": "created", "at": "2099-01-01T00:00:00+08:00"}, "at"),
    ({"type": "created", "at": "0001-01-01T00:00:00+01:00"}, "at"),
    ({"type": "force_majeure", "at": "2026-10-05T09:00:00+08:00", "until": "9999-12-31T23:00:00-05:00"}, "until"),
    ({"type": "force_majeure", "at": "2026-10-05T09:00:00+08:00"}, "until"),
    ({"type": "force_majeure", "at": "2026-10-05T09:00:00+08:00", "until": "2026-10-05T08:00:00+08:00"}, "until"),
    ({"type": "visited", "at": "2026-10-05T09:00:00+08:00", "until": "2026-10-06T09:00:00+08:00"}, "until"),
    ({"type": "created", "at": "2026-10-05T09:00:00+08:00", "service_point": "SP9999"}, "service_point"),
    ({"type": "created", "at": "2026-10-05T09:00:00+08:00", "colour": "red"}, "colour"),
    ({"type": "created", "at": "2026-10-05T09:00:00+08:00", "note": "x" * 2001}, "note"),
])
def test_a_bad_event_is_422_problem_naming_the_field(client, auth, body, field):
    r = client.post("/api/v1/tickets/T20261005-0001/events", headers=auth["call_center"], json=body)
    assert r.status_code == 422, r.json
    assert r.mimetype == "application/problem+json" and field in r.json["errors"]
    assert client.get("/api/v1/tickets/T20261005-0001", headers=auth["hq"]).status_code == 404


def test_a_body_that_is_not_json_is_refused(client, auth):
    r = client.post("/api/v1/tickets/T1/events", headers={**auth["call_center"], "Content-Type": "application/json"},
                    data="{not json")
    assert r.status_code == 400 and r.mimetype == "application/problem+json"


# -- GET one ticket ------------------------------------------------------------------------------------

def test_an_unknown_ticket_is_404_problem(client, auth):
    r = client.get("/api/v1/tickets/T-NOPE", headers=auth["call_center"])
    assert r.status_code == 404 and r.mimetype == "application/problem+json"


def test_the_ticket_shows_timeline_linked_requisitions_and_the_attribution(client, auth, session):
    post_flow(client, auth["call_center"])
    code = late_shortage(session)
    r = client.get("/api/v1/tickets/T20261005-0001", headers=auth["call_center"])
    assert r.status_code == 200, r.json
    body = r.json
    assert [e["type"] for e in body["timeline"]] == [kind for kind, _ in FLOW]
    assert [(q["id"], q["status"]) for q in body["requisitions"]] == [(code, "delivered")]
    assert body["requisitions"][0]["lines"][0]["cause"] == "regional_shortage"
    assert (body["late"], body["late_hours"]) == (True, 28.0)
    # 100 h: late, but within 7 days, so the centre's shortage is recorded without its roles' fines
    assert body["attribution"][0] == {"party": "center:GD", "reason": "regional_shortage", "hours": 41.0,
                                      "fine": "0.00", "requisitions": [code]}
    assert body["requisitions"][0]["lines"][0]["cause_status"] == "automatic"
    assert body["visit_bonus"] == "10.00" and body["status"] == "completed"


def test_an_open_ticket_is_attributed_up_to_as_of(client, auth):
    post_flow(client, auth["call_center"], flow=FLOW[:5])
    r = client.get("/api/v1/tickets/T20261005-0001", headers=auth["hq"], query_string={"as_of": h(80).isoformat()})
    assert r.status_code == 200 and r.json["status"] == "open"
    assert (r.json["late"], r.json["late_hours"]) == (True, 8.0)


def test_an_as_of_out_of_range_is_422_not_a_crash(client, auth):
    event(client, auth["call_center"], "created", 0)
    r = client.get("/api/v1/tickets/T20261005-0001", headers=auth["hq"],
                   query_string={"as_of": "0001-01-01T00:00:00+01:00"})
    assert r.status_code == 422 and "as_of" in r.json["errors"]


def test_a_stub_ticket_explains_why_it_has_no_attribution_yet(client, auth):
    event(client, auth["call_center"], "visited", 5)
    body = client.get("/api/v1/tickets/T20261005-0001", headers=auth["hq"]).json
    assert body["late"] is None and body["attribution"] == [] and "created" in body["attribution_unavailable"]


# -- the same engine offline ---------------------------------------------------------------------------

def test_parts_attribute_prints_exactly_the_attribution_the_api_showed(client, auth, session, parts, tmp_path):
    post_flow(client, auth["call_center"])
    event(client, auth["call_center"], "rescheduled_by_customer", 6, until=h(10).isoformat())
    late_shortage(session)
    shown = client.get("/api/v1/tickets/T20261005-0001", headers=auth["hq"]).json
    path = tmp_path / "ticket.json"
    path.write_text(json.dumps(shown["engine_input"], ensure_ascii=False), encoding="utf-8")
    result = parts("attribute", "--input", str(path))
    assert result.returncode == 0, result.stderr
    printed = json.loads(result.stdout)
    assert printed["attribution"] and printed == {key: shown[key] for key in printed}


def test_parts_attribute_works_without_a_database_on_the_default_policy(parts, tmp_path):
    path = tmp_path / "ticket.json"
    path.write_text(json.dumps({"ticket": "T1", "service_point": "SP0001", "center": "GD", "distance_class": "urban",
                                "family": "fully_automatic",
                                "events": [{"type": "created", "at": "2026-11-02T09:00:00+08:00"},
                                           {"type": "dispatched_center", "at": "2026-11-02T09:45:00+08:00"},
                                           {"type": "completed", "at": "2026-11-02T12:00:00+08:00"}]}))
    result = parts("attribute", "--input", str(path), database_url=None, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["attribution"][0] == {
        "party": "hq_dispatch", "reason": "hq_dispatch", "hours": 0.5, "fine": "30.00"}


@pytest.mark.parametrize("content, message", [
    (None, "No such file"),
    ("{not json", "not valid JSON"),
    (json.dumps({"ticket": "T1"}), "service_point: missing"),
    (json.dumps({"ticket": "T1", "service_point": "SP0001", "center": "GD", "distance_class": "urban",
                 "family": "x", "events": [{"type": "created", "at": "2026-11-02T09:00:00+08:00"}],
                 "parts_waits": [{"requisition": "R1", "submitted_at": "2026-11-02T09:00:00+08:00",
                                  "promised_by": "2026-11-04T09:00:00+08:00", "delivred_at": "x",
                                  "cause": "none"}]}), "parts_waits[0].delivred_at: unknown field"),
])
def test_parts_attribute_refuses_bad_input_in_one_line_with_exit_2(parts, tmp_path, content, message):
    path = tmp_path / "ticket.json"
    if content is not None:
        path.write_text(content)
    result = parts("attribute", "--input", str(path))
    assert result.returncode == 2 and result.stdout == ""
    assert len(result.stderr.strip().splitlines()) == 1 and message in result.stderr
