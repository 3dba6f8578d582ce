"""HQ reads the stock plans over the API (figures, totals per warehouse, levels) and asks for a new
one under a budget: a run made by the weekly job's task (eager here), followed at its Location."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from inventory.db import make_session_factory, transaction, utcnow
from inventory.planning import StockPlanRecord, StockPlanRun, request_plan

from ..factories import kept_plan

PUMP, MOTOR, REMOTE = "WM-PUMP-01", "WM-MOTOR-01", "AC-REMOTE-01"
MONDAY = datetime(2026, 11, 2, 17, 0, tzinfo=timezone.utc)
LEVELS = {("HQ", PUMP): 20, ("HQ", MOTOR): 2, ("GD1", PUMP): 6, ("GD1", REMOTE): 10, ("HB1", PUMP): 4}


def plans(engine, count: int = 1) -> list[str]:
    """`count` weekly plans, a week apart, the last one with LEVELS; returns their codes oldest first."""
    with make_session_factory(engine)() as session, transaction(session):
        made = [kept_plan(session, LEVELS if week == count - 1 else {("HQ", PUMP): 1},
                          created_at=MONDAY + timedelta(weeks=week), budget=5000.0 + week, keep={PUMP: 8})
                for week in range(count)]
        return [record.code for record in made]


def counts(engine) -> tuple[int, int]:
    with make_session_factory(engine)() as session:
        return (session.scalar(select(func.count()).select_from(StockPlanRun)),
                session.scalar(select(func.count()).select_from(StockPlanRecord)))


def test_hq_asks_for_a_plan_and_follows_its_run_to_the_plan(client, auth):
    started = client.post("/api/v1/stock-plans", headers=auth["hq"], json={"budget": "5000.00"})
    assert started.status_code == 202 and started.json["id"].startswith("SPR")
    assert started.headers["Location"] == started.json["location"] == f"/api/v1/stock-plans/runs/{started.json['id']}"
    run = client.get(started.headers["Location"], headers=auth["hq"]).json
    assert (run["status"], run["trigger"], run["created_by"], run["budget"]) == ("done", "api", "hq", "5000.00")
    assert run["plan"].startswith("SP") and run["error"] is None
    plan = client.get(f"/api/v1/stock-plans/{run['plan']}", headers=auth["hq"]).json
    assert plan["budget"] == "5000.00" and plan["created_by"] == "hq"
    assert 0 < float(plan["stock_value"]) <= 5000 and 0 <= plan["gap"] < 0.01
    assert datetime.fromisoformat(plan["created_at"]).utcoffset() == timedelta(0)
    levels = client.get(f"/api/v1/stock-plans/{run['plan']}/targets?per_page=200", headers=auth["hq"]).json
    assert plan["target_count"] == len(levels) > 0
    by_warehouse = {w["warehouse"]: w for w in plan["warehouses"]}
    for code, total in by_warehouse.items():
        mine = [t for t in levels if t["warehouse"] == code]
        assert total["units"] == sum(t["level"] for t in mine)
        assert total["value"] == f"{sum(t['level'] * float(t['unit_cost']) for t in mine):.2f}"


def test_a_plan_reads_its_figures_in_decimal_rmb_and_its_totals_per_warehouse(client, auth, engine):
    [code] = plans(engine)
    plan = client.get(f"/api/v1/stock-plans/{code}", headers=auth["hq"]).json
    assert plan["budget"] == "5000.00" and plan["stock_value"] == "4200.00"
    assert (plan["expected_on_time_rate"], plan["upper_bound_rate"], plan["target_count"]) == (0.97, 0.975, 5)
    assert plan["created_at"] == MONDAY.isoformat()
    assert plan["warehouses"] == [
        {"warehouse": "GD1", "name": "广州配件仓", "kind": "regional", "skus": 2, "units": 16, "value": "680.00"},
        {"warehouse": "HB1", "name": "武汉配件仓", "kind": "regional", "skus": 1, "units": 4, "value": "320.00"},
        {"warehouse": "HQ", "name": "总部配件中心", "kind": "hq", "skus": 2, "units": 22, "value": "2220.00"}]


def test_plans_are_listed_newest_first_a_page_at_a_time(client, auth, engine):
    codes = plans(engine, 3)
    first = client.get("/api/v1/stock-plans?per_page=2", headers=auth["hq"])
    assert first.status_code == 200 and first.headers["X-Total-Count"] == "3"
    assert [p["id"] for p in first.json] == [codes[2], codes[1]]
    assert [p["target_count"] for p in first.json] == [5, 1]
    second = client.get("/api/v1/stock-plans?per_page=2&page=2", headers=auth["hq"]).json
    assert [p["id"] for p in second] == [codes[0]] and second[0]["budget"] == "5000.00"
    assert client.get("/api/v1/stock-plans?page=3&per_page=2", headers=auth["hq"]).json == []


def test_levels_filter_by_warehouse_and_part_of_the_sku_a_page_at_a_time(client, auth, engine):
    code = plans(engine)[0]
    url = f"/api/v1/stock-plans/{code}/targets"
    everything = client.get(url, headers=auth["hq"])
    assert everything.headers["X-Total-Count"] == "5"
    assert [(t["warehouse"], t["sku"]) for t in everything.json] == sorted(LEVELS)
    hq = client.get(f"{url}?warehouse=HQ", headers=auth["hq"]).json
    assert hq == [{"warehouse": "HQ", "sku": MOTOR, "name": "洗涤电机", "level": 2, "keep": 0, "unit_cost": "310.00",
                   "value": "620.00"},
                  {"warehouse": "HQ", "sku": PUMP, "name": "排水泵", "level": 20, "keep": 8, "unit_cost": "80.00",
                   "value": "1600.00"}]
    pumps = client.get(f"{url}?sku=pump", headers=auth["hq"])
    assert pumps.headers["X-Total-Count"] == "3" and {t["sku"] for t in pumps.json} == {PUMP}
    both = client.get(f"{url}?sku=PUMP&warehouse=GD1", headers=auth["hq"]).json
    assert [(t["warehouse"], t["level"]) for t in both] == [("GD1", 6)]
    page = client.get(f"{url}?per_page=2&page=3", headers=auth["hq"])
    assert page.headers["X-Total-Count"] == "5" and [(t["warehouse"], t["sku"]) for t in page.json] == [("HQ", PUMP)]
    assert client.get(f"{url}?sku=%25", headers=auth["hq"]).json == []   # a LIKE wildcard is a character
    assert client.get(f"{url}?warehouse=XX9", headers=auth["hq"]).json == []


@pytest.mark.parametrize("query", ["per_page=0", "per_page=201", "page=0", "colour=red", "sku=" + "X" * 41])
def test_a_malformed_query_is_refused(client, auth, engine, query):
    code = plans(engine)[0]
    answer = client.get(f"/api/v1/stock-plans/{code}/targets?{query}", headers=auth["hq"])
    assert answer.status_code == 422 and answer.content_type == "application/problem+json"


@pytest.mark.parametrize("body", [
    {"budget": "-1"}, {"budget": "0"}, {"budget": "0.00"}, {"budget": "10000000000.01"}, {"budget": "1e5"},
    {"budget": "12.345"}, {"budget": "abc"}, {"budget": ""}, {"budget": " 100"}, {"budget": "NaN"},
    {"budget": 5000}, {"budget": 5000.5}, {"budget": True}, {"budget": ["100"]}, {"budget": "100", "extra": 1},
    {"shards": 2},
])
def test_a_bad_budget_or_an_unknown_field_is_refused_and_starts_nothing(client, auth, engine, body):
    answer = client.post("/api/v1/stock-plans", headers=auth["hq"], json=body)
    assert answer.status_code == 422 and answer.content_type == "application/problem+json"
    assert set(answer.json["errors"]) == ({"budget"} if "budget" in body and len(body) == 1 else set(body) - {"budget"})
    assert counts(engine) == (0, 0)


def test_a_budget_up_to_ten_billion_or_none_at_all_is_taken(client, auth, engine):
    for body in ({"budget": "10000000000"}, {"budget": "1.5"}, {"budget": None}, {}, None):
        answer = client.post("/api/v1/stock-plans", headers=auth["hq"], json=body)
        assert answer.status_code == 202, answer.json
    budgets = [r["budget"] for r in client.get("/api/v1/stock-plans/runs", headers=auth["hq"]).json]
    assert budgets == [None, None, None, "1.50", "10000000000.00"]
    assert counts(engine) == (5, 5)


def test_only_hq_reads_and_asks_for_plans(client, auth, engine):
    code = plans(engine)[0]
    for who in ("dealer", "point", "call_center"):
        for url in ("/api/v1/stock-plans", f"/api/v1/stock-plans/{code}", f"/api/v1/stock-plans/{code}/targets",
                    "/api/v1/stock-plans/runs", "/api/v1/stock-plans/runs/SPR000001"):
            answer = client.get(url, headers=auth[who])
            assert answer.status_code == 403 and answer.content_type == "application/problem+json", url
        assert client.post("/api/v1/stock-plans", headers=auth[who], json={"budget": "100"}).status_code == 403
    assert client.get("/api/v1/stock-plans").status_code == 401
    assert counts(engine) == (0, 1)


@pytest.mark.parametrize("url", ["/api/v1/stock-plans/SP999999", "/api/v1/stock-plans/SP999999/targets",
                                 "/api/v1/stock-plans/nonsense", "/api/v1/stock-plans/SPR000001",
                                 "/api/v1/stock-plans/runs/SPR999999", "/api/v1/stock-plans/runs/SP000001"])
def test_an_unknown_plan_or_run_is_not_found(client, auth, engine, url):
    plans(engine)
    answer = client.get(url, headers=auth["hq"])
    assert answer.status_code == 404 and answer.content_type == "application/problem+json"


def test_a_plan_asked_for_while_another_is_being_made_is_refused(client, auth, engine):
    with make_session_factory(engine)() as session, transaction(session):
        busy = request_plan(session, actor="hq", trigger="api").code
    answer = client.post("/api/v1/stock-plans", headers=auth["hq"], json={"budget": "100"})
    assert answer.status_code == 409 and busy in answer.json["detail"]
    assert counts(engine) == (1, 0)


def test_a_run_queued_for_hours_has_died_and_blocks_no_new_plan(client, auth, engine):
    with make_session_factory(engine)() as session, transaction(session):
        request_plan(session, actor="hq", trigger="api", now=utcnow() - timedelta(hours=7))
    assert client.post("/api/v1/stock-plans", headers=auth["hq"], json={}).status_code == 202
    assert counts(engine) == (2, 1)


def test_the_same_idempotency_key_starts_one_run(client, auth, engine):
    headers = {**auth["hq"], "Idempotency-Key": "plan-2026-48"}
    first = client.post("/api/v1/stock-plans", headers=headers, json={"budget": "800"})
    again = client.post("/api/v1/stock-plans", headers=headers, json={"budget": "800"})
    assert first.status_code == again.status_code == 202 and first.json == again.json
    assert again.headers["Location"] == first.headers["Location"]
    assert client.post("/api/v1/stock-plans", headers=headers, json={"budget": "900"}).status_code == 409
    assert counts(engine) == (1, 1)


def test_a_queue_that_is_down_answers_503_and_the_run_is_failed(client, auth, engine, monkeypatch):
    from kombu.exceptions import OperationalError

    from api.tasks import planning as tasks

    def down(*args, **kwargs):
        raise OperationalError("connection refused")

    monkeypatch.setattr(tasks.plan_run, "apply_async", down)
    headers = {**auth["hq"], "Idempotency-Key": "k1"}
    answer = client.post("/api/v1/stock-plans", headers=headers, json={})
    # 60 s, or the rate limiter's own reset when its headers stamp the answer (59 a second later)
    assert answer.status_code == 503 and 0 < int(answer.headers["Retry-After"]) <= 60
    run = client.get("/api/v1/stock-plans/runs", headers=auth["hq"]).json[0]
    assert run["status"] == "failed" and "queue unavailable" in run["error"]
    monkeypatch.undo()
    retried = client.post("/api/v1/stock-plans", headers=headers, json={})  # the key was forgotten
    assert retried.status_code == 202 and retried.json["id"] != run["id"]
    assert counts(engine) == (2, 1)


def test_a_plan_that_fails_leaves_a_failed_run_and_no_plan(client, auth, engine, monkeypatch):
    import optimizer.stock_plan

    def broken(*args, **kwargs):
        raise ValueError("the solver gave up")

    monkeypatch.setattr(optimizer.stock_plan, "solve_request", broken)
    answer = client.post("/api/v1/stock-plans", headers=auth["hq"], json={"budget": "100"})
    assert answer.status_code == 202
    run = client.get(answer.headers["Location"], headers=auth["hq"]).json
    assert run["status"] == "failed" and run["error"] == "ValueError: the solver gave up" and run["plan"] is None
    assert counts(engine) == (1, 0)


def test_the_weekly_job_makes_its_plan_through_a_recorded_run(app, client, auth, engine):
    from api.tasks.planning import weekly_plan

    summary = weekly_plan.delay().get()
    run = client.get("/api/v1/stock-plans/runs", headers=auth["hq"]).json[0]
    assert (run["trigger"], run["created_by"], run["status"], run["budget"]) == ("weekly", "system:beat", "done", None)
    assert summary == f"{run['plan']}: 0 purchase orders proposed"
    plan = client.get(f"/api/v1/stock-plans/{run['plan']}", headers=auth["hq"]).json
    assert plan["budget"] == "30000000.00" and plan["created_by"] == "system:beat"
    with make_session_factory(engine)() as session, transaction(session):
        request_plan(session, actor="hq", trigger="api")
    assert weekly_plan.delay().get().startswith("skipped: stock plan run SPR")


def test_the_openapi_document_describes_the_stock_plans(client):
    spec = client.get("/api/v1/openapi.json").json
    for path in ("/api/v1/stock-plans", "/api/v1/stock-plans/{code}", "/api/v1/stock-plans/{code}/targets",
                 "/api/v1/stock-plans/runs", "/api/v1/stock-plans/runs/{code}"):
        assert path in spec["paths"], path
    post = spec["paths"]["/api/v1/stock-plans"]["post"]
    assert {"202", "409", "422", "503"} <= set(post["responses"])
    assert "Location" in post["responses"]["202"]["headers"]
    budget = spec["components"]["schemas"]["PlanRequest"]["properties"]["budget"]
    assert (budget["type"], budget["format"]) == ("string", "decimal")
    assert spec["components"]["schemas"]["StockPlan"]["properties"]["stock_value"]["format"] == "decimal"
