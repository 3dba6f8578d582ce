"""Replaced part numbers over the API: HQ sets them (all or none), a part shows its chain, and a
requisition for a replaced sku says which sku each allocation ships."""
from __future__ import annotations

import pytest

from inventory.db import make_session_factory, transaction
from inventory.warehouses import ledger
from inventory.world import load_world

from ..factories import tiny_world

OLD, NEW = "WM-PUMP-01", "WM-PUMP-02"


@pytest.fixture
def new_pump(engine, auth):
    """A newer pump stocked at GD1; the old one left only at HB1 (late for SP0001)."""
    data = tiny_world()
    base = next(p for p in data["parts"] if p["sku"] == OLD)
    with make_session_factory(engine)() as session, transaction(session):
        load_world(session, {**{k: [] for k in data}, "parts": [{**base, "sku": NEW, "name": "排水泵（新款）"}],
                             "stock": [{"warehouse": "GD1", "sku": NEW, "qty": 6}]})
        for wh in ("GD1", "HQ"):
            ledger.scrap(session, wh, OLD, ledger.available(session, wh, OLD), actor="test", reason="test")


def set_one(client, auth, old=OLD, new=NEW, **extra):
    return client.put(f"/api/v1/supersessions/{old}", headers=auth["hq"], json={"new_sku": new, **extra})


def test_hq_sets_a_replacement_and_the_part_shows_it_both_ways(client, auth, new_pump):
    r = set_one(client, auth)
    assert r.status_code == 200, r.json
    assert (r.json["old_sku"], r.json["new_sku"], r.json["two_way"]) == (OLD, NEW, False)
    old = client.get(f"/api/v1/parts/{OLD}", headers=auth["point"]).json
    assert (old["replaced_by"], old["final_successor"], old["served_by"]) == (NEW, NEW, [OLD, NEW])
    new = client.get(f"/api/v1/parts/{NEW}", headers=auth["point"]).json
    assert new["replaced_by"] is None and new["replaces"] == [{"sku": OLD, "two_way": False}]
    assert new["availability"] == [{"warehouse": "GD1", "available": 6, "transit_hours": 12}]
    listed = client.get("/api/v1/supersessions", headers=auth["dealer"])
    assert listed.headers["X-Total-Count"] == "1" and listed.json[0]["new_sku"] == NEW


def test_a_requisition_for_the_replaced_sku_ships_the_successor_and_says_so(client, auth, new_pump):
    set_one(client, auth)
    r = client.post("/api/v1/requisitions", headers=auth["point"],
                    json={"ship_to": "SP0001", "ticket": None, "in_warranty": False, "lines": [{"sku": OLD, "qty": 2}]})
    assert r.status_code == 201, r.json
    line = r.json["lines"][0]
    assert line["sku"] == OLD and line["backordered_qty"] == 0
    assert [(a["warehouse"], a["sku"], a["qty"]) for a in line["allocations"]] == [("GD1", NEW, 2)]
    assert line["served_by"] == [{"sku": NEW, "qty": 2}]


def test_an_unsubstituted_line_ships_its_own_sku(client, auth):
    r = client.post("/api/v1/requisitions", headers=auth["point"],
                    json={"ship_to": "SP0001", "ticket": "T1", "lines": [{"sku": OLD, "qty": 1}]})
    line = r.json["lines"][0]
    assert line["allocations"][0]["sku"] == OLD and line["served_by"] == []


def test_a_cycle_is_refused_with_422_and_nothing_changes(client, auth, new_pump):
    set_one(client, auth)
    r = client.put("/api/v1/supersessions", headers=auth["hq"],
                   json={"replacements": [{"old_sku": NEW, "new_sku": OLD}]})
    assert r.status_code == 422 and "cycle" in r.json["detail"]
    assert client.get("/api/v1/supersessions", headers=auth["hq"]).headers["X-Total-Count"] == "1"


@pytest.mark.parametrize("new, message", [(OLD, "cannot replace itself"), ("NOPE-9", "unknown sku NOPE-9")])
def test_a_self_replacement_or_an_unknown_sku_is_422(client, auth, new, message):
    r = set_one(client, auth, new=new)
    assert r.status_code == 422 and message in r.json["detail"]


def test_only_hq_sets_replacements_and_removal_is_204(client, auth, new_pump):
    assert set_one(client, auth).status_code == 200
    assert client.put(f"/api/v1/supersessions/{OLD}", headers=auth["dealer"], json={"new_sku": NEW}).status_code == 403
    assert client.delete(f"/api/v1/supersessions/{OLD}", headers=auth["hq"]).status_code == 204
    assert client.delete(f"/api/v1/supersessions/{OLD}", headers=auth["hq"]).status_code == 404
    assert client.get(f"/api/v1/parts/{OLD}", headers=auth["point"]).json["replaced_by"] is None
