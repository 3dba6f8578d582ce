"""A requisition names a repair ticket only of the point it ships to: the ticket's appliance decides
the parts' warranty and its wait is charged on the ticket, so another point's ticket (or a code the
call centre could never issue) is refused and nothing is written."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from inventory.requisitions.models import Requisition
from inventory.warehouses.models import StockBalance

from .. import appliances

PUMP = "WM-PUMP-01"
TICKET = "T20261207-0001"


@pytest.fixture
def ticket_of_sp0001(client, auth):
    """SP0001's ticket (dispatched there by the call centre) for a washer whose parts are free."""
    r = client.post(f"/api/v1/tickets/{TICKET}/events", headers=auth["call_center"],
                    json={"type": "created", "at": "2026-12-06T09:00:00+08:00", "service_point": "SP0001"})
    assert r.status_code == 201, r.json
    appliances.put(client, auth["call_center"], TICKET)
    return TICKET


def written(app):
    """How many requisitions exist and how much stock is reserved: what a refusal must not change."""
    from api.extensions import db

    with app.app_context():
        return (db.session.scalar(select(func.count()).select_from(Requisition)),
                db.session.scalar(select(func.sum(StockBalance.reserved))))


def submit(client, headers, ship_to: str, ticket: str, **body):
    return client.post("/api/v1/requisitions", headers=headers,
                       json={"ship_to": ship_to, "ticket": ticket, "lines": [{"sku": PUMP, "qty": 1}], **body})


def test_the_point_the_ticket_is_dispatched_to_gets_its_parts_under_warranty(client, auth, ticket_of_sp0001):
    r = submit(client, auth["point"], "SP0001", ticket_of_sp0001)
    assert r.status_code == 201, r.json
    assert r.json["lines"][0]["in_warranty"] is True and r.json["customer_charge"]["total"] == "0.00"


@pytest.mark.parametrize("who, ship_to", [("other_point", "SP0003"), ("other_dealer", "SP0003"),
                                          ("dealer", "SP0002")])
def test_another_points_ticket_is_refused_and_nothing_is_written(app, client, auth, ticket_of_sp0001, who, ship_to):
    before = written(app)
    r = submit(client, auth[who], ship_to, ticket_of_sp0001, in_warranty=False)
    assert (r.status_code, r.json["code"]) == (422, "requisition.ticket_not_yours"), r.json
    assert "ticket" in r.json["errors"]
    assert written(app) == before
    ticket = client.get(f"/api/v1/tickets/{ticket_of_sp0001}", headers=auth["hq"]).json
    assert ticket["requisitions"] == []


def test_a_dealer_may_name_the_ticket_of_a_point_it_ships_to(client, auth, ticket_of_sp0001):
    r = submit(client, auth["dealer"], "SP0001", ticket_of_sp0001)
    assert r.status_code == 201, r.json
    assert r.json["lines"][0]["in_warranty"] is True


def test_a_ticket_the_call_centre_has_not_posted_yet_is_taken_and_decides_nothing(client, auth):
    r = submit(client, auth["other_point"], "SP0003", "T20261207-0999", in_warranty=False)
    assert r.status_code == 201, r.json
    assert r.json["lines"][0]["in_warranty"] is False


@pytest.mark.parametrize("code", ["T 1", "\t", "a\nb", "T\u200b1", "T\u202e1"])
def test_a_ticket_code_the_call_centre_could_not_issue_is_refused(app, client, auth, code):
    before = written(app)
    r = submit(client, auth["point"], "SP0001", code, in_warranty=False)
    assert (r.status_code, r.json["code"]) == (422, "ticket.code_invalid"), r.json
    assert written(app) == before


def test_a_point_that_named_a_ticket_before_it_was_dispatched_elsewhere_does_not_get_its_appliance(client, auth):
    """SP0003 names a ticket the call centre has not posted; the call centre then dispatches it to
    SP0001 and records a covered appliance: SP0001's parts are free, SP0003's stay paid."""
    early = submit(client, auth["other_point"], "SP0003", TICKET, in_warranty=False)
    assert early.status_code == 201, early.json
    r = client.post(f"/api/v1/tickets/{TICKET}/events", headers=auth["call_center"],
                    json={"type": "created", "at": "2026-12-06T09:00:00+08:00", "service_point": "SP0001"})
    assert r.status_code == 201, r.json
    appliances.put(client, auth["call_center"], TICKET)
    mine = submit(client, auth["point"], "SP0001", TICKET)
    assert mine.json["lines"][0]["in_warranty"] is True
    theirs = client.get(f"/api/v1/requisitions/{early.json['id']}", headers=auth["other_point"]).json
    assert theirs["lines"][0]["in_warranty"] is False and theirs["customer_charge"]["total"] != "0.00"


def dispatch(client, auth, ticket: str, point: str) -> None:
    r = client.post(f"/api/v1/tickets/{ticket}/events", headers=auth["call_center"],
                    json={"type": "dispatched_point", "service_point": point})
    assert r.status_code == 201, r.json


def line_of(client, headers, code: str) -> tuple[bool, str]:
    line = client.get(f"/api/v1/requisitions/{code}", headers=headers).json["lines"][0]
    return line["in_warranty"], line["warranty_basis"]


def test_an_appliance_recorded_before_the_dispatch_frees_nothing_until_the_ticket_is_dispatched_here(client, auth):
    """The appliance belongs to the repair and the repair to the point the call centre sends: a
    point that names the ticket first pays, until the dispatch decides its lines again."""
    appliances.put(client, auth["call_center"], TICKET, point=None)  # covered, but dispatched nowhere yet
    claim = submit(client, auth["other_point"], "SP0003", TICKET, in_warranty=True)
    assert (claim.status_code, claim.json["code"]) == (422, "warranty.mismatch"), claim.json
    assert "basis not_dispatched" in claim.json["detail"]
    early = submit(client, auth["other_point"], "SP0003", TICKET)
    assert early.status_code == 201, early.json
    assert (early.json["lines"][0]["in_warranty"], early.json["lines"][0]["warranty_basis"]) == (False, "not_dispatched")
    assert early.json["customer_charge"]["total"] != "0.00"

    dispatch(client, auth, TICKET, "SP0003")
    assert line_of(client, auth["other_point"], early.json["id"]) == (True, "unit")
    history = client.get(f"/api/v1/requisitions/{early.json['id']}", headers=auth["other_point"]).json["history"]
    assert [(e["kind"], e["actor"]) for e in history][-1] == ("warranty_redecided", "call_center")

    dispatch(client, auth, TICKET, "SP0001")  # a wrong dispatch put right: SP0003's line, not yet issued, pays again
    assert line_of(client, auth["other_point"], early.json["id"]) == (False, "not_dispatched")
    mine = submit(client, auth["point"], "SP0001", TICKET)
    assert (mine.json["lines"][0]["in_warranty"], mine.json["lines"][0]["warranty_basis"]) == (True, "unit")


def test_a_line_issued_before_the_ticket_moved_keeps_what_it_was_issued_as(client, auth, ticket_of_sp0001):
    mine = submit(client, auth["point"], "SP0001", ticket_of_sp0001)
    assert client.post(f"/api/v1/requisitions/{mine.json['id']}/ship", headers=auth["hq"]).status_code == 200
    waiting = submit(client, auth["point"], "SP0001", ticket_of_sp0001)
    dispatch(client, auth, ticket_of_sp0001, "SP0003")
    assert line_of(client, auth["point"], mine.json["id"]) == (True, "unit")  # its old part is due back as a free one
    assert line_of(client, auth["point"], waiting.json["id"]) == (False, "not_dispatched")
