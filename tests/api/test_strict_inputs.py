"""Inputs that a lenient parser would quietly turn into something else are refused (422) and
change nothing: a flag is JSON true or false, a search's `%` and `_` are characters, and a month's
report exists once the month has begun."""
from __future__ import annotations

import pytest

from .. import appliances

PUMP = "WM-PUMP-01"


@pytest.mark.parametrize("flag", ["no", "off", "0", 0, 1, "FALSE", "true", None, [], {}])
def test_a_requisitions_in_warranty_is_true_or_false_only(client, auth, flag):
    body = {"ship_to": "SP0001", "ticket": "T-1", "in_warranty": flag, "lines": [{"sku": PUMP, "qty": 1}]}
    r = client.post("/api/v1/requisitions", headers=auth["point"], json=body)
    if flag is None:  # null: no assertion made, as API.md allows
        assert r.status_code == 201, r.json
        return
    assert r.status_code == 422 and "in_warranty" in r.json["errors"], r.json
    assert client.get("/api/v1/requisitions", headers=auth["point"]).json == []


def test_hqs_warranty_override_is_true_or_false_only(client, auth):
    appliances.put(client, auth["call_center"], "T-1")
    code = client.post("/api/v1/requisitions", headers=auth["point"],
                       json={"ship_to": "SP0001", "ticket": "T-1", "lines": [{"sku": PUMP, "qty": 1}]}).json["id"]
    for flag in ("off", 0, "false"):
        r = client.post(f"/api/v1/requisitions/{code}/lines/1/warranty", headers=auth["hq"],
                        json={"in_warranty": flag, "reason": "customer's card is forged"})
        assert r.status_code == 422 and "in_warranty" in r.json["errors"], r.json
    line = client.get(f"/api/v1/requisitions/{code}", headers=auth["hq"]).json["lines"][0]
    assert (line["in_warranty"], line["warranty_overridden"]) == (True, False)


@pytest.mark.parametrize("q", ["%", "_", "WM_PUMP", "%PUMP%"])
def test_a_parts_search_takes_percent_and_underscore_as_themselves(client, auth, q):
    r = client.get("/api/v1/parts", headers=auth["point"], query_string={"q": q})
    assert r.status_code == 200 and r.json == [] and r.headers["X-Total-Count"] == "0"


def test_a_parts_search_still_finds_by_any_part_of_sku_or_name(client, auth):
    found = client.get("/api/v1/parts", headers=auth["point"], query_string={"q": "pump-"}).json
    assert [p["sku"] for p in found] == [PUMP]
    assert [p["sku"] for p in client.get("/api/v1/parts", headers=auth["point"],
                                          query_string={"q": "电机"}).json] == ["WM-MOTOR-01"]


@pytest.mark.parametrize("month", ["2099-12", "２０２６-01"])
def test_a_penalty_report_for_a_month_not_begun_or_not_a_month_is_422(client, auth, month):
    r = client.get("/api/v1/reports/penalties", headers=auth["hq"], query_string={"month": month})
    assert r.status_code == 422 and "month" in r.json["errors"], r.json


def test_the_penalty_report_of_the_month_under_way_is_there(client, auth):
    from inventory.business_calendar import month_of
    from inventory.db import utcnow

    r = client.get("/api/v1/reports/penalties", headers=auth["hq"], query_string={"month": month_of(utcnow())})
    assert r.status_code == 200, r.json
