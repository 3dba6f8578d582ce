"""`POST /api/v1/tickets/{t}/parts-causes`: HQ's parts module confirms or corrects a parts wait's cause
(seed 000 四.3: 需配件模块确认原因), audited, and the ticket re-attributed in the same transaction.

Times are hours after 2026-10-05 09:00 Beijing. SP0001 is served by GD1 in 12 h and HQ in 20 h;
the promise is 48 h. The ticket below is over 7 days (200 h) because of a regional shortage
(GD1 empty, HQ shipped in time, the part arrived at 195 h): the centre's three roles are fined.
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from inventory.access import Principal
from inventory.audit import entries
from inventory.db import transaction
from inventory.policy import Policy
from inventory.requisitions import service as requisitions
from inventory.requisitions.service import LineRequest
from inventory.tickets.models import PartsWaitCause
from inventory.warehouses import ledger

BEIJING = timezone(timedelta(hours=8))
T0 = datetime(2026, 10, 5, 9, 0, tzinfo=BEIJING)
TICKET = "T20261005-0001"
POINT = Principal("service_point", "SP0001")
FLOW = (("created", 0.0), ("dispatched_center", 0.1), ("dispatched_point", 0.2), ("contacted", 0.5),
        ("visited", 5.0), ("completed", 200.0))
CENTER_FINES = [("center:GD", "center_over_7_days", "50.00")] * 3


def h(hours: float) -> datetime:
    return T0 + timedelta(hours=hours)


def post_flow(client, headers, ticket=TICKET):
    for kind, hours in FLOW:
        body = {"type": kind, "at": h(hours).isoformat(), **({"service_point": "SP0001"} if kind == "created" else {})}
        assert client.post(f"/api/v1/tickets/{ticket}/events", headers=headers, json=body).status_code == 201


def requisition(session, ticket=TICKET, *, regional_empty=True, shipped=2.0, received=195.0) -> str:
    point = Principal("service_point", "SP0001")
    if regional_empty:
        with transaction(session):
            ledger.reserve(session, "GD1", "WM-PUMP-01", 10, actor="test")
    with transaction(session):
        code = requisitions.submit(session, point, ship_to="SP0001", lines=[LineRequest("WM-PUMP-01", 1)], ticket=ticket,
                           policy=Policy(), now=h(1)).code
    with transaction(session):
        requisitions.ship(session, "hq", code, at=h(shipped), now=h(shipped))
    with transaction(session):
        requisitions.receive(session, point, code, at=h(received), now=h(received))
    return code


@pytest.fixture
def shortage(client, auth, session) -> str:
    """The 8-day ticket with its regional shortage; returns the requisition's code."""
    post_flow(client, auth["call_center"])
    return requisition(session)


def confirm(client, headers, ticket=TICKET, **body):
    return client.post(f"/api/v1/tickets/{ticket}/parts-causes", headers=headers, json=body)


def fines(view: dict) -> list[tuple]:
    return [(r["party"], r["reason"], r["fine"]) for r in view["attribution"] if r["fine"] != "0.00"]


def stored(session) -> int:
    """Decisions stored; the read ends at once (SQLite: a reader left open would block the app's writes)."""
    try:
        return session.scalar(select(func.count()).select_from(PartsWaitCause))
    finally:
        session.rollback()


def audited(session) -> list[tuple[str, str, str, dict]]:
    """(actor, action, subject, details) of each `ticket.parts_cause` audit row, oldest first."""
    try:
        return [(e.actor, e.action, e.subject, e.details) for e in entries(session, action="ticket.parts_cause")]
    finally:
        session.rollback()


# -- who may --------------------------------------------------------------------------------------

@pytest.mark.parametrize("who", ["call_center", "dealer", "point", "other_point"])
def test_only_hqs_parts_team_may_confirm_a_cause(client, auth, session, shortage, who):
    r = confirm(client, auth[who], requisition=shortage, cause="hq_shortage")
    assert r.status_code == 403 and r.mimetype == "application/problem+json"
    assert stored(session) == 0 and audited(session) == []


def test_no_key_is_401(client, auth, shortage):
    assert confirm(client, {}, requisition=shortage, cause="hq_shortage").status_code == 401


# -- refusals change nothing ----------------------------------------------------------------------

def test_an_unknown_ticket_is_404(client, auth, session, shortage):
    r = confirm(client, auth["hq"], ticket="T-NOPE", requisition=shortage, cause="hq_shortage")
    assert r.status_code == 404 and r.mimetype == "application/problem+json"
    assert stored(session) == 0


@pytest.mark.parametrize("requisition_code", ["R99999999", "not-a-code"])
def test_a_requisition_not_on_the_ticket_is_404(client, auth, session, shortage, requisition_code):
    r = confirm(client, auth["hq"], requisition=requisition_code, cause="hq_shortage")
    assert r.status_code == 404 and r.mimetype == "application/problem+json"
    assert stored(session) == 0


def test_a_line_the_requisition_does_not_have_is_404(client, auth, session, shortage):
    assert confirm(client, auth["hq"], requisition=shortage, line=2, cause="hq_shortage").status_code == 404


@pytest.mark.parametrize("body, field", [
    ({"cause": "strike"}, "cause"),
    ({"cause": ""}, "cause"),
    ({}, "cause"),
    ({"cause": "hq_shortage", "warehouse": "GD1"}, "warehouse"),
    ({"cause": "regional_late_shipment"}, "warehouse"),  # HQ shipped this line: no regional warehouse to charge
    ({"cause": "regional_late_shipment", "warehouse": "HB1"}, "warehouse"),
    ({"cause": "hq_shortage", "note": "x" * 501}, "note"),
    ({"cause": "hq_shortage", "line": 0}, "line"),
    ({"cause": "hq_shortage", "colour": "red"}, "colour"),
])
def test_a_bad_decision_is_422_naming_the_field_and_changes_nothing(client, auth, session, shortage, body, field):
    as_of = {"as_of": h(300).isoformat()}
    before = client.get(f"/api/v1/tickets/{TICKET}", headers=auth["hq"], query_string=as_of).json
    r = confirm(client, auth["hq"], requisition=shortage, **body)
    assert r.status_code == 422, r.json
    assert r.mimetype == "application/problem+json" and field in r.json["errors"]
    assert stored(session) == 0 and audited(session) == []
    after = client.get(f"/api/v1/tickets/{TICKET}", headers=auth["hq"], query_string=as_of).json
    assert after == before


def test_a_cancelled_requisition_is_not_a_wait_409(client, auth, session):
    post_flow(client, auth["call_center"])
    with transaction(session):
        code = requisitions.submit(session, POINT, ship_to="SP0001", lines=[LineRequest("WM-PUMP-01", 1)], ticket=TICKET,
                           policy=Policy(), now=h(1)).code
    with transaction(session):
        requisitions.cancel(session, POINT, code, now=h(2))
    r = confirm(client, auth["hq"], requisition=code, cause="none")
    assert r.status_code == 409 and r.mimetype == "application/problem+json"
    assert stored(session) == 0


# -- confirming and correcting ----------------------------------------------------------------------

def test_the_automatic_cause_is_shown_as_automatic_until_hq_confirms_it(client, auth, shortage):
    line = client.get(f"/api/v1/tickets/{TICKET}", headers=auth["hq"]).json["requisitions"][0]["lines"][0]
    assert (line["cause"], line["cause_status"], line["automatic_cause"]) == (
        "regional_shortage", "automatic", "regional_shortage")

    r = confirm(client, auth["hq"], requisition=shortage, cause="regional_shortage", note="GD1 没备货")
    assert r.status_code == 200, r.json
    line = r.json["requisitions"][0]["lines"][0]
    assert (line["cause"], line["cause_status"], line["cause_confirmed_by"], line["cause_note"]) == (
        "regional_shortage", "confirmed", "hq", "GD1 没备货")
    assert fines(r.json) == CENTER_FINES  # the same cause: the same three fines


def test_correcting_a_shortage_to_hqs_re_attributes_the_ticket_and_lifts_the_centers_fines(client, auth, shortage):
    before = client.get(f"/api/v1/tickets/{TICKET}", headers=auth["hq"]).json
    assert fines(before) == CENTER_FINES and before["fine_total"] == "150.00"

    r = confirm(client, auth["hq"], requisition=shortage, cause="hq_shortage", note="总部缺件, 配件模块确认")
    assert r.status_code == 200, r.json
    assert [(row["party"], row["reason"], row["hours"], row["fine"]) for row in r.json["attribution"]] == [
        ("hq_parts_planning", "hq_shortage", 146.0, "0.00")]
    assert (r.json["fine_total"], r.json["over_7_days_center_cause"]) == ("0.00", False)
    line = r.json["requisitions"][0]["lines"][0]
    assert (line["cause"], line["cause_status"], line["automatic_cause"]) == ("hq_shortage", "corrected",
                                                                              "regional_shortage")
    assert r.json["engine_input"]["parts_waits"][0]["cause"] == "hq_shortage"  # a replay charges the same
    again = client.get(f"/api/v1/tickets/{TICKET}", headers=auth["hq"]).json
    assert again["attribution"] == r.json["attribution"]


def test_each_decision_is_audited_with_the_cause_and_the_fines_before_and_after(client, auth, session, shortage):
    assert confirm(client, auth["hq"], requisition=shortage, cause="hq_shortage", note="总部缺件").status_code == 200
    ((actor, action, subject, details),) = audited(session)
    assert (actor, action, subject) == ("hq", "ticket.parts_cause", f"ticket:{TICKET}")
    assert details == {
        "requisition": shortage, "line": 1, "cause": "hq_shortage", "warehouse": None,
        "previous": "regional_shortage", "previous_warehouse": None, "automatic": "regional_shortage",
        "status": "corrected", "note": "总部缺件", "fine_total_before": "150.00", "fine_total_after": "0.00"}


def test_a_later_decision_replaces_the_earlier_and_both_stay_in_the_audit_log(client, auth, session, shortage):
    confirm(client, auth["hq"], requisition=shortage, cause="hq_shortage")
    r = confirm(client, auth["hq"], requisition=shortage, cause="regional_shortage")
    assert r.json["requisitions"][0]["lines"][0]["cause_status"] == "confirmed"
    assert fines(r.json) == CENTER_FINES
    assert stored(session) == 1
    assert [(details["previous"], details["cause"]) for *_, details in audited(session)] == [
        ("regional_shortage", "hq_shortage"), ("hq_shortage", "regional_shortage")]


def test_a_carriers_delay_corrected_to_the_regional_warehouses_slow_pick_charges_that_warehouse(
        client, auth, session):
    post_flow(client, auth["call_center"])
    code = requisition(session, regional_empty=False, shipped=30, received=195)  # GD1 shipped in time (by 37)
    view = client.get(f"/api/v1/tickets/{TICKET}", headers=auth["hq"]).json
    assert view["requisitions"][0]["lines"][0]["cause"] == "none" and view["unexplained_parts_hours"] == 146.0

    r = confirm(client, auth["hq"], requisition=code, cause="regional_late_shipment", note="拣货延误: 单据压在仓库")
    assert r.status_code == 200, r.json
    # GD1 is the GD centre's own warehouse and its 146 h took the ticket past 7 days: the centre's cause too
    assert fines(r.json) == [("warehouse:GD1", "regional_late_shipment", "30.00")] + [
        ("center:GD", "center_over_7_days", "50.00")] * 3
    assert r.json["requisitions"][0]["lines"][0]["cause_warehouse"] == "GD1"


def test_the_monthly_report_charges_the_confirmed_cause(client, auth, shortage):
    def fined():
        report = client.get("/api/v1/reports/penalties", headers=auth["hq"], query_string={"month": "2026-10"}).json
        parties = {p["party"]: (p["hours"], p["fines"]) for p in report["parties"] if p["tickets"]}
        return parties, report["centers"][0]["ticket_fines"]

    assert fined() == ({"center:GD": (146.0, "150.00")}, {"service_director": "50.00", "parts_admin": "50.00",
                                                          "chase_clerk": "50.00"})
    confirm(client, auth["hq"], requisition=shortage, cause="hq_shortage")
    assert fined() == ({"hq_parts_planning": (146.0, "0.00")}, {})
