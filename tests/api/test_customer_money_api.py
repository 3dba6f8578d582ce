"""Out-of-warranty money on the API: the price list, what a requisition collects from the customer,
the point's monthly statement (HQ and the point itself only) and overcharge penalties."""
from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select

from inventory import audit
from inventory.catalog import Part
from inventory.db import make_session_factory, transaction
from inventory.overcharges import OverchargePenalty
from inventory.quotas.service import period_of
from inventory.db import utcnow
from inventory.requisitions.models import Requisition, parse_code

PROBLEM = "application/problem+json"
MONTH = period_of(utcnow())


def submit(client, auth, ticket, lines, who="point", ship_to="SP0001"):
    r = client.post("/api/v1/requisitions", headers=auth[who],
                    json={"ship_to": ship_to, "ticket": ticket, "lines": [{"sku": s, "qty": q} for s, q in lines]})
    assert r.status_code == 201, r.json
    return r.json


def decide(engine, code, *in_warranty):
    """The lines' warranty as decided (the engine's or HQ's word), set straight in the database."""
    with make_session_factory(engine)() as session, transaction(session):
        req = session.get(Requisition, parse_code(code))
        for line, value in zip(req.lines, in_warranty):
            line.in_warranty = value
        req.in_warranty = all(in_warranty)


def set_price(client, auth, sku, price, who="hq"):
    return client.put(f"/api/v1/price-list/{sku}", headers=auth[who], json={"list_price": price})


# -- the price list ----------------------------------------------------------------------------------

def test_hq_sets_a_list_price_and_everyone_reads_it(client, auth):
    r = set_price(client, auth, "WM-PUMP-01", "168.00")
    assert r.status_code == 200 and (r.json["list_price"], r.json["price_basis"]) == ("168.00", "list")
    r = client.get("/api/v1/price-list", headers=auth["dealer"], query_string={"q": "AC-"})
    assert r.json == [{"sku": "AC-REMOTE-01", "name": "遥控器", "list_price": None, "customer_price": "36.00",
                       "price_basis": "markup"}]
    assert client.get("/api/v1/parts/WM-PUMP-01", headers=auth["point"]).json["list_price"] == "168.00"


@pytest.mark.parametrize("who", ["dealer", "point", "call_center"])
def test_only_hq_sets_list_prices(client, auth, who):
    r = set_price(client, auth, "WM-PUMP-01", "1.00", who=who)
    assert r.status_code == 403 and r.mimetype == PROBLEM


@pytest.mark.parametrize("price", [12.5, "-1", "1.001", "abc", None,
                                   # Decimal() reads these, a money string is ASCII digits only
                                   "１２３.00", "١٢", "1_000.00", " 12.00", "12.", "1e3"])
def test_a_bad_list_price_is_422_problem(client, auth, price):
    r = set_price(client, auth, "WM-PUMP-01", price)
    assert r.status_code == 422 and r.mimetype == PROBLEM


def test_many_prices_are_set_all_or_none(client, auth, engine):
    r = client.put("/api/v1/price-list", headers=auth["hq"], json={"prices": [
        {"sku": "WM-PUMP-01", "list_price": "168.00"}, {"sku": "NOPE-1", "list_price": "9.00"}]})
    assert r.status_code == 422 and r.mimetype == PROBLEM and "NOPE-1" in r.json["detail"]
    with make_session_factory(engine)() as session:
        assert session.get(Part, "WM-PUMP-01").list_price is None
    r = client.put("/api/v1/price-list", headers=auth["hq"], json={"prices": [
        {"sku": "WM-PUMP-01", "list_price": "168.00"}, {"sku": "AC-REMOTE-01", "list_price": "39.00"}]})
    assert r.status_code == 200 and r.json["changed"] == 2
    with make_session_factory(engine)() as session:
        assert audit.entries(session, action="catalog.list_prices")[-1].details["source"] == "api"


# -- a requisition's customer charge -----------------------------------------------------------------

def test_an_out_of_warranty_requisition_shows_parts_at_list_price_and_the_visit_fee(client, auth, engine):
    set_price(client, auth, "WM-PUMP-01", "168.00")
    req = submit(client, auth, "T-OOW", [("WM-PUMP-01", 2), ("AC-REMOTE-01", 1)])
    decide(engine, req["id"], False, False)
    charge = client.get(f"/api/v1/requisitions/{req['id']}", headers=auth["point"]).json["customer_charge"]
    assert [(line["unit_price"], line["price_basis"], line["amount"]) for line in charge["lines"]] == [
        ("168.00", "list", "336.00"), ("36.00", "markup", "36.00")]
    assert charge["visit_fee"] == {"ticket": "T-OOW", "kind": "visit", "city_tier": "prefecture", "amount": "25.00"}
    assert charge["total"] == "397.00"


def test_a_second_requisition_of_the_ticket_names_the_one_carrying_the_visit_fee(client, auth, engine):
    first = submit(client, auth, "T-OOW", [("AC-REMOTE-01", 1)])
    second = submit(client, auth, "T-OOW", [("AC-REMOTE-01", 1)])
    decide(engine, first["id"], False)
    decide(engine, second["id"], False)
    listed = client.get("/api/v1/requisitions", headers=auth["point"]).json
    charges = {r["id"]: r["customer_charge"] for r in listed}
    assert charges[second["id"]]["visit_fee"] is None
    assert charges[second["id"]]["visit_fee_on"] == first["id"]
    assert (charges[first["id"]]["total"], charges[second["id"]]["total"]) == ("61.00", "36.00")


def test_in_warranty_lines_collect_nothing(client, auth, engine):
    req = submit(client, auth, "T-IN", [("WM-PUMP-01", 1)])
    decide(engine, req["id"], True)
    charge = client.get(f"/api/v1/requisitions/{req['id']}", headers=auth["hq"]).json["customer_charge"]
    assert (charge["total"], charge["visit_fee"], charge["lines"][0]["amount"]) == ("0.00", None, "0.00")


# -- the monthly statement ---------------------------------------------------------------------------

def statement(client, auth, who="hq", point="SP0001", month=MONTH):
    return client.get(f"/api/v1/service-points/{point}/statements/{month}", headers=auth[who])


def test_the_statement_adds_up_to_its_lines(client, auth, engine):
    set_price(client, auth, "WM-PUMP-01", "168.00")
    a = submit(client, auth, "T-1", [("WM-PUMP-01", 1), ("AC-REMOTE-01", 2)])
    b = submit(client, auth, "T-2", [("WM-PUMP-01", 1)])
    decide(engine, a["id"], True, False)
    decide(engine, b["id"], False)
    r = statement(client, auth)
    assert r.status_code == 200
    body, totals = r.json, r.json["totals"]
    assert (body["service_point"]["code"], body["service_point"]["city_tier"]) == ("SP0001", "prefecture")
    assert len(body["parts"]) == 3 and len(body["visit_fees"]) == 2
    assert totals["out_of_warranty"]["to_collect"] == "240.00"  # 2 x 36 + 168
    assert totals["to_collect"] == "290.00"
    assert Decimal(totals["to_collect"]) == sum(Decimal(p["to_collect"]) for p in body["parts"]) + sum(
        Decimal(f["amount"]) for f in body["visit_fees"])
    assert Decimal(totals["in_warranty"]["value"]) == sum(
        Decimal(p["value"]) for p in body["parts"] if p["in_warranty"])


def test_a_point_reads_its_own_statement(client, auth):
    assert statement(client, auth, who="point").status_code == 200


def test_a_point_cannot_read_another_points_statement(client, auth):
    r = statement(client, auth, who="other_point")
    assert r.status_code == 404 and r.mimetype == PROBLEM


@pytest.mark.parametrize("who", ["dealer", "call_center"])
def test_dealers_and_the_call_center_may_not_read_statements(client, auth, who):
    r = statement(client, auth, who=who)
    assert r.status_code == 403 and r.mimetype == PROBLEM


@pytest.mark.parametrize("month", ["2026-13", "June", "0001-01", "2026-6"])
def test_a_bad_month_is_422_problem(client, auth, month):
    r = statement(client, auth, month=month)
    assert r.status_code == 422 and r.mimetype == PROBLEM


def test_an_unknown_point_is_404_for_hq(client, auth):
    r = statement(client, auth, point="SP9999")
    assert r.status_code == 404 and r.mimetype == PROBLEM


# -- overcharge penalties ----------------------------------------------------------------------------

def overcharge(client, auth, body, who="hq", point="SP0001"):
    return client.post(f"/api/v1/service-points/{point}/overcharges", headers=auth[who], json=body)


def test_hq_records_an_overcharge_at_ten_times_the_excess_and_it_is_on_the_statement(client, auth, engine):
    req = submit(client, auth, "T-1", [("AC-REMOTE-01", 1)])
    decide(engine, req["id"], False)
    r = overcharge(client, auth, {"charged": "100.00", "ticket": "T-1", "note": "customer's receipt seen"})
    assert r.status_code == 201, r.json
    assert (r.json["allowed"], r.json["excess"], r.json["amount"]) == ("61.00", "39.00", "390.00")
    body = statement(client, auth, who="point").json
    assert [p["amount"] for p in body["overcharge_penalties"]] == ["390.00"]
    assert body["totals"]["charges"] == "390.00"
    listed = client.get("/api/v1/service-points/SP0001/overcharges", headers=auth["point"],
                        query_string={"month": MONTH})
    assert [p["id"] for p in listed.json] == [r.json["id"]]
    with make_session_factory(engine)() as session:
        assert audit.entries(session, action="penalty.overcharge")[-1].details["penalty"] == r.json["id"]


@pytest.mark.parametrize("body", [{"charged": "10.00", "allowed": "10.00", "note": "x"},
                                  {"charged": 12.5, "allowed": "1.00", "note": "x"},
                                  {"charged": "10.00", "note": "x"},
                                  {"charged": "10.00", "allowed": "1.00", "note": ""},
                                  {"charged": "10.00", "allowed": "1.00"}])
def test_a_bad_overcharge_is_422_problem_and_writes_nothing(client, auth, engine, body):
    r = overcharge(client, auth, body)
    assert r.status_code == 422 and r.mimetype == PROBLEM
    with make_session_factory(engine)() as session:
        assert session.scalars(select(OverchargePenalty)).all() == []


@pytest.mark.parametrize("who", ["point", "dealer", "call_center"])
def test_only_hq_records_overcharges(client, auth, who):
    r = overcharge(client, auth, {"charged": "10.00", "allowed": "1.00", "note": "x"}, who=who)
    assert r.status_code == 403 and r.mimetype == PROBLEM


def test_a_point_cannot_list_another_points_overcharges(client, auth):
    r = client.get("/api/v1/service-points/SP0001/overcharges", headers=auth["other_point"])
    assert r.status_code == 404 and r.mimetype == PROBLEM


def test_the_penalty_report_lists_the_months_overcharge_penalties(client, auth):
    r = overcharge(client, auth, {"charged": "50.00", "allowed": "22.00", "note": "receipt seen"}, point="SP0002")
    assert r.status_code == 201
    report = client.get("/api/v1/reports/penalties", headers=auth["hq"], query_string={"month": MONTH}).json
    assert report["overcharges"]["amount"] == "280.00"
    assert [(p["service_point"], p["amount"]) for p in report["overcharges"]["penalties"]] == [("SP0002", "280.00")]


# -- what was owed stays what it was (frozen at submit) ----------------------------------------------

def test_a_requisitions_charge_its_statement_and_an_overcharge_keep_the_prices_of_its_submit(client, auth, engine):
    from inventory.policy import set_policy

    from .. import appliances

    set_price(client, auth, "WM-PUMP-01", "168.00")
    appliances.put(client, auth["call_center"], "T-FROZEN", covered=False)
    req = submit(client, auth, "T-FROZEN", [("WM-PUMP-01", 1)])
    assert req["customer_charge"]["total"] == "193.00"
    assert set_price(client, auth, "WM-PUMP-01", "150.00").status_code == 200
    with make_session_factory(engine)() as session, transaction(session):
        set_policy(session, "visit_fee_prefecture", "35.00", actor="hq")
    charge = client.get(f"/api/v1/requisitions/{req['id']}", headers=auth["point"]).json["customer_charge"]
    assert (charge["lines"][0]["unit_price"], charge["visit_fee"]["amount"], charge["total"]) == (
        "168.00", "25.00", "193.00")
    assert statement(client, auth).json["totals"]["to_collect"] == "193.00"
    r = overcharge(client, auth, {"charged": "193.00", "ticket": "T-FROZEN", "note": "customer's receipt seen"})
    assert r.status_code == 422 and "193.00 allowed" in r.json["detail"]


def test_a_key_component_free_past_the_units_term_shows_the_visit_fee(client, auth):
    from inventory.tickets.appliance import business_date
    from inventory.warranty import add_months

    from .. import appliances

    appliances.put(client, auth["call_center"], "T-KEY", purchased_on=add_months(business_date(utcnow()), -20))
    req = submit(client, auth, "T-KEY", [("WM-MOTOR-01", 1)])
    line, charge = req["lines"][0], req["customer_charge"]
    assert (line["in_warranty"], line["warranty_basis"], line["unit_covered"]) == (True, "key_component", False)
    assert (charge["parts"], charge["visit_fee"]["amount"], charge["total"]) == ("0.00", "25.00", "25.00")
