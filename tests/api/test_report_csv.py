"""The report endpoints answer CSV (`Accept: text/csv` or `?format=csv`) with the rows of their JSON."""
from __future__ import annotations

import csv
import io

import pytest

from .test_reports_api import post_ticket, report


def rows(response) -> list[list[str]]:
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    assert response.mimetype == "text/csv"
    return list(csv.reader(io.StringIO(response.get_data(as_text=True))))


def as_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "; ".join(as_text(v) for v in value)
    return str(value)


def flat(record: dict, prefix: str = "") -> dict:
    out = {}
    for key, value in record.items():
        out.update(flat(value, f"{prefix}{key}.") if isinstance(value, dict) else {prefix + key: value})
    return out


def same_rows(records: list[dict], table: list[list[str]]) -> None:
    """The CSV is the JSON: its header names each (flattened) field, each line a record's values."""
    header, lines = table[0], table[1:]
    assert len(lines) == len(records)
    for record, line in zip(records, lines):
        assert dict(zip(header, line)) == {key: as_text(value) for key, value in flat(record).items()}


@pytest.fixture
def month_with_tickets(client, auth) -> str:
    for n in range(3):
        post_ticket(client, auth["call_center"], f"T-GD-{n}", 10)
    post_ticket(client, auth["call_center"], "T-HB-0", 200, point="SP0003")
    return "2026-10"


def test_the_penalty_report_as_csv_has_the_json_parties_and_centers(client, auth, month_with_tickets):
    body = report(client, auth["hq"], month=month_with_tickets).json
    assert body["parties"] and body["centers"]
    by_accept = client.get("/api/v1/reports/penalties", headers={**auth["hq"], "Accept": "text/csv"},
                           query_string={"month": month_with_tickets})
    same_rows(body["parties"], rows(by_accept))
    assert by_accept.headers["Content-Disposition"] == 'attachment; filename="penalties.csv"'
    centers = report(client, auth["hq"], month=month_with_tickets, format="csv", rows="centers")
    same_rows(body["centers"], rows(centers))
    assert "role_totals.service_director" in rows(centers)[0]  # nested objects flattened


def test_json_stays_the_answer_unless_csv_is_asked_for(client, auth, month_with_tickets):
    for headers in ({}, {"Accept": "*/*"}, {"Accept": "application/json, text/csv;q=0.5"}):
        r = client.get("/api/v1/reports/penalties", headers={**auth["hq"], **headers},
                       query_string={"month": month_with_tickets})
        assert r.status_code == 200 and r.is_json
    assert report(client, auth["hq"], month=month_with_tickets, format="json").is_json


@pytest.mark.parametrize("query, field", [({"format": "xml"}, "format"), ({"format": "csv", "rows": "nope"}, "rows")])
def test_an_unknown_format_or_table_is_422_problem(client, auth, query, field):
    r = report(client, auth["hq"], month="2026-10", **query)
    assert r.status_code == 422 and r.mimetype == "application/problem+json" and field in r.json["errors"]


def test_the_wrong_role_gets_the_same_403_problem_with_csv_asked_for(client, auth):
    r = report(client, auth["dealer"], month="2026-10", format="csv")
    assert r.status_code == 403 and r.mimetype == "application/problem+json"


def test_the_json_endpoints_checks_still_apply_to_csv(client, auth):
    r = report(client, auth["hq"], month="October", format="csv")
    assert r.status_code == 422 and "month" in r.json["errors"]


def test_optimizer_runs_and_count_accuracy_as_csv_match_their_json(client, auth):
    started = client.post("/api/v1/optimizer/runs", headers=auth["hq"], json={})
    assert started.status_code == 202
    runs = client.get("/api/v1/optimizer/runs", headers=auth["hq"]).json
    assert runs
    same_rows(runs, rows(client.get("/api/v1/optimizer/runs?format=csv", headers=auth["hq"])))
    accuracy = client.get("/api/v1/cycle-counts/accuracy?days=90", headers=auth["hq"]).json
    table = rows(client.get("/api/v1/cycle-counts/accuracy?days=90", headers={**auth["hq"], "Accept": "text/csv"}))
    same_rows(accuracy["rows"], table)


def test_a_centers_tickets_as_csv_match_their_json(client, auth, month_with_tickets):
    tickets = client.get("/api/v1/centers/GD/tickets?month=2026-10", headers=auth["hq"])
    assert tickets.status_code == 200, tickets.json
    assert tickets.json
    same_rows(tickets.json, rows(client.get("/api/v1/centers/GD/tickets?month=2026-10&format=csv",
                                            headers=auth["hq"])))


def test_a_plans_levels_as_csv_are_the_json_page_with_its_total(client, auth, engine):
    from .test_stock_plans_api import plans

    url = f"/api/v1/stock-plans/{plans(engine)[0]}/targets?sku=pump&per_page=2"
    page = client.get(url, headers=auth["hq"])
    answer = client.get(url, headers={**auth["hq"], "Accept": "text/csv"})
    same_rows(page.json, rows(answer))
    assert answer.headers["X-Total-Count"] == page.headers["X-Total-Count"] == "3"


def test_the_returns_report_as_csv_matches_its_json(client, auth, month_with_tickets):
    body = client.get("/api/v1/returns/report?month=2026-10", headers=auth["hq"]).json
    assert body  # a row per centre
    same_rows(body, rows(client.get("/api/v1/returns/report?month=2026-10&format=csv", headers=auth["hq"])))
