"""`GET /api/v1/centers/{code}/month` and `/tickets`: a centre's key reads its own month, HQ's any;
another centre's is 404 as a missing one is; other keys are 403."""
from __future__ import annotations

import pytest

from inventory.access import create_key
from inventory.db import make_session_factory, transaction

from .test_reports_api import post_ticket, report


@pytest.fixture
def centers(engine, auth):
    """A key per centre, and the month's tickets: GD's six (two late), HB's one."""
    with make_session_factory(engine)() as session, transaction(session):
        keys = {code: create_key(session, "center", code) for code in ("GD", "HB")}
    return {code: {"Authorization": f"Bearer {key}"} for code, key in keys.items()}


@pytest.fixture
def month(client, auth, centers):
    for n in range(4):
        post_ticket(client, auth["call_center"], f"T-GD-{n}", 10)
    for n in range(2):
        post_ticket(client, auth["call_center"], f"T-GD-LATE-{n}", 100, point="SP0002")
    post_ticket(client, auth["call_center"], "T-HB-0", 200, point="SP0003")
    return "2026-10"


def test_a_center_reads_its_own_month_as_the_hq_report_has_it(client, auth, centers, month):
    r = client.get("/api/v1/centers/GD/month", headers=centers["GD"], query_string={"month": month})
    assert r.status_code == 200, r.json
    (hq_row,) = [c for c in report(client, auth["hq"], month=month).json["centers"] if c["center"] == "GD"]
    assert r.json["rates"] == hq_row
    assert (r.json["rates"]["tickets"], r.json["rates"]["over_3_days"], r.json["province"]) == (6, 2, "广东")
    assert r.json["returns"]["due_units"] == 0 and r.json["returns"]["return_rate"] is None


def test_a_center_lists_its_own_tickets_only(client, centers, month):
    r = client.get("/api/v1/centers/GD/tickets", headers=centers["GD"],
                   query_string={"month": month, "per_page": 5})
    assert r.status_code == 200 and r.headers["X-Total-Count"] == "6"
    assert len(r.json) == 5 and all(t["ticket"].startswith("T-GD") for t in r.json)
    assert r.json[0]["ticket"].startswith("T-GD-LATE") and r.json[0]["over_3_days"] is True


@pytest.mark.parametrize("path", ["/api/v1/centers/HB/month", "/api/v1/centers/HB/tickets", "/api/v1/centers/XX/month"])
def test_another_centers_month_is_not_found_like_a_missing_one(client, centers, month, path):
    r = client.get(path, headers=centers["GD"], query_string={"month": month})
    assert r.status_code == 404 and r.mimetype == "application/problem+json"
    assert "T-HB" not in r.get_data(as_text=True) and "湖北" not in r.get_data(as_text=True)


def test_hq_reads_any_center_and_other_keys_may_not(client, auth, centers, month):
    assert client.get("/api/v1/centers/HB/month", headers=auth["hq"], query_string={"month": month}).status_code == 200
    for who in ("dealer", "point", "call_center"):
        r = client.get("/api/v1/centers/GD/month", headers=auth[who], query_string={"month": month})
        assert r.status_code == 403, who


@pytest.mark.parametrize("url", ["/api/v1/reports/penalties?month=2026-10", "/api/v1/tickets/T-GD-0",
                                 "/api/v1/stock-plans"])
def test_a_center_key_cannot_read_hq_resources(client, centers, month, url):
    assert client.get(url, headers=centers["GD"]).status_code == 403


def test_a_bad_month_is_422(client, centers):
    r = client.get("/api/v1/centers/GD/month", headers=centers["GD"], query_string={"month": "2026-13"})
    assert r.status_code == 422 and "month" in r.json["errors"]


def test_a_center_key_needs_an_existing_center(session, world):
    from inventory.errors import InvalidInput, NotFound

    with pytest.raises(NotFound):
        create_key(session, "center", "XX")
    with pytest.raises(InvalidInput):
        create_key(session, "center")
