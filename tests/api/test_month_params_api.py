"""Every month parameter of the REST API (`?month=`, the quota's `?period=`) is read by one rule,
`business_calendar.is_month` (api.v1.common.Month): a month beyond the calendar's years is refused
like a malformed one, by the argument schema (422, errors naming the field), not deeper by
month_bounds in another shape; the calendar's first and last months are served."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from api.v1.common import IsMonth
from inventory.business_calendar import month_of
from inventory.db import utcnow
from inventory.db import make_session_factory
from inventory.quotas.models import QuotaAccount

NOT_MONTHS = ["2100-01", "1969-12", "2024-13", "garbage"]
MONTHS = ["2026-10", "1970-01", "2099-12"]

# (who asks, the URL with {m} for the month, the parameter's name)
QUERIES = [
    ("hq", "/api/v1/reports/penalties?month={m}", "month"),
    ("hq", "/api/v1/reports/penalties?month={m}&format=csv", "month"),
    ("hq", "/api/v1/centers/GD/month?month={m}", "month"),
    ("hq", "/api/v1/centers/GD/tickets?month={m}", "month"),
    ("hq", "/api/v1/returns/report?month={m}", "month"),
    ("hq", "/api/v1/service-points/SP0001/overcharges?month={m}", "month"),
    ("dealer", "/api/v1/quota?period={m}", "period"),
]
QUERY_IDS = [url.split("?")[0].removeprefix("/api/v1/") + ("(csv)" if "csv" in url else "") for _, url, _ in QUERIES]


def quota_accounts(engine) -> int:
    with make_session_factory(engine)() as session:
        return session.scalar(select(func.count()).select_from(QuotaAccount))


@pytest.mark.parametrize("who,url,field", QUERIES, ids=QUERY_IDS)
@pytest.mark.parametrize("month", NOT_MONTHS)
def test_a_month_the_calendar_does_not_know_is_refused_as_a_malformed_one(client, auth, engine, who, url, field,
                                                                         month):
    accounts = quota_accounts(engine)
    r = client.get(url.format(m=month), headers=auth[who])
    assert r.status_code == 422, r.data
    assert r.content_type == "application/problem+json"
    # the argument schema's shape, the one "2024-13" got before: no domain code, the field named
    assert r.json == {"type": "https://parts.example.invalid/problems/422", "title": "Unprocessable Entity",
                      "status": 422, "detail": f"{field}: {IsMonth.error}", "errors": {field: [IsMonth.error]}}
    assert quota_accounts(engine) == accounts  # nothing opened (the quota once opened a 2100-01 account)


@pytest.mark.parametrize("who,url,field", QUERIES, ids=QUERY_IDS)
@pytest.mark.parametrize("month", MONTHS)
def test_a_month_of_the_calendar_is_served(client, auth, who, url, field, month):
    r = client.get(url.format(m=month), headers=auth[who])
    if "penalties" in url and month > month_of(utcnow()):  # a report of tickets: refused before the month begins
        assert (r.status_code, r.json["code"]) == (422, "report.month_not_begun"), r.data
        return
    assert r.status_code == 200, r.data
    if "period" in url:
        assert r.json["period"] == month


@pytest.mark.parametrize("month", NOT_MONTHS)
def test_a_statement_of_no_month_is_refused_as_before(client, auth, month):
    # the month is in the path: month_bounds (is_month) refuses it, in the domain's shape, as it did
    r = client.get(f"/api/v1/service-points/SP0001/statements/{month}", headers=auth["hq"])
    assert r.status_code == 422
    assert r.content_type == "application/problem+json"
    assert r.json["code"] == "month.invalid"
    assert r.json["errors"] == {"month": [f"month: {month!r} is not a month (YYYY-MM)"]}


@pytest.mark.parametrize("month", MONTHS)
def test_a_statement_of_a_month_of_the_calendar_is_served(client, auth, month):
    r = client.get(f"/api/v1/service-points/SP0001/statements/{month}", headers=auth["hq"])
    assert r.status_code == 200, r.data
    assert r.json["month"] == month


def test_the_openapi_document_gives_the_form_and_the_years(client):
    spec = client.get("/api/v1/openapi.json").json
    (param,) = [p for p in spec["paths"]["/api/v1/reports/penalties"]["get"]["parameters"] if p["name"] == "month"]
    assert param["schema"]["pattern"] == r"^([0-9]{4})-(0[1-9]|1[0-2])$"  # ASCII digits: \d takes "２０２６" too
    assert "1970-01 to 2099-12" in param["description"]
