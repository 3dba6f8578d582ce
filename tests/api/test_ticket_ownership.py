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
