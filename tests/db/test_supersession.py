"""Replaced part numbers (替代件) on the database: master data refused when it makes no sense,
and requisitions for a replaced sku served from its successors' stock through the ledger."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from inventory import audit, supersession
from inventory.access import Principal
from inventory.db import transaction, utcnow
from inventory.errors import InvalidInput
from inventory.policy import Policy
from inventory.requisitions import service as requisitions
from inventory.requisitions.service import LineRequest
from inventory.supersession import Replacement, Supersession
from inventory.warehouses import ledger
from inventory.world import load_world
from optimizer import runs

from ..factories import tiny_world

POINT = Principal("service_point", "SP0001")
POLICY = Policy()
OLD, NEW, NEWEST = "WM-PUMP-01", "WM-PUMP-02", "WM-PUMP-03"


@pytest.fixture
def pumps(session):
    """The tiny world with two newer pumps; the old pump keeps stock only at HB1 (60 h from SP0001:
    late), GD1 holds 6 of the new one, nobody holds the newest."""
    data = tiny_world()
    base = next(p for p in data["parts"] if p["sku"] == OLD)
    data["parts"] += [{**base, "sku": NEW, "name": "排水泵（新款）"}, {**base, "sku": NEWEST, "name": "排水泵（第三代）"}]
    data["stock"] = [s for s in data["stock"] if s["sku"] != OLD] + [
        {"warehouse": "HB1", "sku": OLD, "qty": 4}, {"warehouse": "GD1", "sku": NEW, "qty": 6}]
    with transaction(session):
        load_world(session, data)
    return data


def replace(session, *rows):
    with transaction(session):
        return supersession.set_replacements(session, [Replacement(*r) for r in rows], actor="hq:test", source="test")


def submit(session, sku, qty, now=None):
    with transaction(session):
        return requisitions.submit(session, POINT, ship_to="SP0001", ticket=None, in_warranty=False, policy=POLICY,
                           lines=[LineRequest(sku, qty)], now=now)


def served(req):
    return sorted((a.warehouse_code, a.sku, a.qty) for line in req.lines for a in line.allocations
                  if a.status != "released")


def test_a_replaced_sku_is_served_from_its_successors_stock_when_its_own_would_be_late(session, pumps):
    replace(session, (OLD, NEW))
    req = submit(session, OLD, 2)
    assert served(req) == [("GD1", NEW, 2)]
    line = req.lines[0]
    assert line.sku == OLD and line.backordered_qty == 0 and line.allocations[0].substituted
    assert ledger.get_balance(session, "GD1", NEW).reserved == 2
    assert ledger.get_balance(session, "HB1", OLD).reserved == 0
    event = req.events[-1] if req.events else None
    assert event is not None and '"substitutes"' in event.detail


def test_shipping_a_substituted_line_issues_the_successor_and_the_ledger_agrees(session, pumps):
    replace(session, (OLD, NEW))
    req = submit(session, OLD, 2)
    with transaction(session):
        requisitions.ship(session, "clerk:gd1", req.code)
    balance = ledger.get_balance(session, "GD1", NEW)
    assert (balance.on_hand, balance.reserved) == (4, 0)
    assert ledger.get_balance(session, "HB1", OLD).on_hand == 4
    assert ledger.ledger_differences(session) == []


def test_cancelling_a_substituted_line_releases_the_successor(session, pumps):
    replace(session, (OLD, NEW))
    req = submit(session, OLD, 2)
    with transaction(session):
        requisitions.cancel(session, POINT, req.code)
    assert ledger.get_balance(session, "GD1", NEW).reserved == 0
    assert ledger.ledger_differences(session) == []


def test_own_stock_that_keeps_the_promise_is_used_before_the_successors(session, pumps):
    with transaction(session):
        ledger.receive(session, "HQ", OLD, 3, actor="test")  # HQ: 20 h, dearer than GD1 but in time
    replace(session, (OLD, NEW))
    req = submit(session, OLD, 5)
    assert served(req) == [("GD1", NEW, 2), ("HQ", OLD, 3)]


def test_a_chain_of_three_serves_the_oldest_from_the_newest(session, pumps):
    with transaction(session):
        ledger.scrap(session, "GD1", NEW, 6, actor="test", reason="test")
        ledger.receive(session, "GD1", NEWEST, 5, actor="test")
    replace(session, (OLD, NEW), (NEW, NEWEST))
    assert served(submit(session, OLD, 3)) == [("GD1", NEWEST, 3)]
    assert served(submit(session, NEW, 1)) == [("GD1", NEWEST, 1)]


def test_a_one_way_successor_is_never_served_with_the_old_part(session, pumps):
    with transaction(session):
        ledger.scrap(session, "GD1", NEW, 6, actor="test", reason="test")
        ledger.receive(session, "GD1", OLD, 5, actor="test")
    replace(session, (OLD, NEW))
    req = submit(session, NEW, 2)
    assert served(req) == [] and req.status == "backordered"
    assert ledger.get_balance(session, "GD1", OLD).reserved == 0


def test_a_two_way_pair_serves_the_new_part_from_the_old_stock_first(session, pumps):
    with transaction(session):
        ledger.receive(session, "GD1", OLD, 1, actor="test")
    replace(session, (OLD, NEW, True))
    req = submit(session, NEW, 3)
    assert [(a.sku, a.qty) for a in req.lines[0].allocations] == [(OLD, 1), (NEW, 2)]


def test_a_line_served_by_a_successor_is_left_alone_by_the_nightly_re_plan(sessions, session, pumps):
    replace(session, (OLD, NEW))
    now = utcnow()
    req = submit(session, OLD, 2, now=now)
    session.rollback()
    result = runs.run_now(sessions, now=now + timedelta(hours=1), propose=False)
    assert result["status"] == "done" and result["lines_changed"] == 0
    session.expire_all()
    assert served(requisitions.get(session, Principal("hq"), req.code)) == [("GD1", NEW, 2)]
    assert ledger.ledger_differences(session) == []


def rows(session):
    found = sorted(session.execute(select(Supersession.old_sku, Supersession.new_sku, Supersession.two_way)).all())
    session.rollback()
    return [tuple(r) for r in found]


@pytest.mark.parametrize("bad, message", [
    ((NEWEST, OLD), "cycle"),
    ((NEW, NEW), "cannot replace itself"),
    ((NEW, "NOPE-01"), "unknown sku NOPE-01"),
])
def test_a_cycle_a_self_replacement_or_an_unknown_sku_is_refused_and_nothing_changes(session, pumps, bad, message):
    replace(session, (OLD, NEW))
    with pytest.raises(InvalidInput, match=message):
        replace(session, (NEW, NEWEST), bad)
    assert rows(session) == [(OLD, NEW, False)]


def test_a_pair_given_both_ways_is_a_cycle_that_asks_for_two_way(session, pumps):
    replace(session, (OLD, NEW))
    with pytest.raises(InvalidInput, match="two_way"):
        replace(session, (NEW, OLD))


def test_replacements_are_audited_and_setting_the_same_again_changes_nothing(session, pumps):
    assert replace(session, (OLD, NEW), (NEW, NEWEST, True)) == 2
    assert replace(session, (OLD, NEW)) == 0
    assert rows(session) == [(OLD, NEW, False), (NEW, NEWEST, True)]
    assert len(audit.entries(session, action="catalog.supersession")) == 1
    with transaction(session):
        supersession.remove_replacement(session, OLD, actor="hq:test", source="test")
    assert rows(session) == [(NEW, NEWEST, True)]
    assert session.scalar(select(func.count()).select_from(Supersession)) == 1


def test_a_world_file_carries_replacements_and_loading_it_twice_changes_nothing(session):
    data = tiny_world()
    base = next(p for p in data["parts"] if p["sku"] == OLD)
    data["parts"] += [{**base, "sku": NEW, "name": "排水泵（新款）", "replaced_by": NEWEST, "two_way": True},
                      {**base, "sku": NEWEST, "name": "排水泵（第三代）"}]
    base["replaced_by"] = NEW
    with transaction(session):
        load_world(session, data)
    assert rows(session) == [(OLD, NEW, False), (NEW, NEWEST, True)]
    with transaction(session):
        report = load_world(session, data)
    assert report.changed == 0
    assert len(audit.entries(session, action="catalog.supersession")) == 1


@pytest.mark.parametrize("change, message", [
    ({"replaced_by": "NOPE-01"}, "replaced_by: unknown sku 'NOPE-01'"),
    ({"replaced_by": OLD}, "replaced_by: a part cannot replace itself"),
    ({"two_way": True}, "two_way: only a part with replaced_by"),
])
def test_a_world_file_with_a_bad_replacement_is_refused_whole(session, change, message):
    data = tiny_world()
    next(p for p in data["parts"] if p["sku"] == OLD).update(change)
    with pytest.raises(InvalidInput, match=message):
        with transaction(session):
            load_world(session, data)
    assert session.scalar(select(func.count()).select_from(Supersession)) == 0


def test_a_replaced_skus_backorder_counts_against_its_final_successors_position(session, pumps):
    from inventory.purchasing.service import positions

    with transaction(session):
        ledger.scrap(session, "HB1", OLD, 4, actor="test", reason="test")
        ledger.scrap(session, "GD1", NEW, 6, actor="test", reason="test")
    replace(session, (OLD, NEW), (NEW, NEWEST))
    assert submit(session, OLD, 3).status == "backordered"
    position = positions(session)
    assert position.get(NEWEST) == -3 and position.get(OLD, 0) == 0


def shipped_and_received(session, req):
    with transaction(session):
        requisitions.ship(session, "clerk:gd1", req.code)
    return req


def test_a_wrong_part_on_a_substituted_line_puts_the_successor_back_and_serves_it_again(session, pumps):
    from inventory.requisitions.wrong_part import WrongPart

    replace(session, (OLD, NEW))
    req = shipped_and_received(session, submit(session, OLD, 2))
    with transaction(session):  # the point opened the box: a remote control, not a pump
        requisitions.receive(session, POINT, req.code, wrong_parts=[WrongPart(line=1, received_sku="AC-REMOTE-01")])
    balance = ledger.get_balance(session, "GD1", NEW)
    assert (balance.on_hand, balance.reserved) == (6, 2)  # the two never left; reserved again for the line
    assert ledger.get_balance(session, "GD1", OLD) is None or ledger.get_balance(session, "GD1", OLD).on_hand == 0
    live = [(a.warehouse_code, a.sku, a.qty, a.status) for a in req.lines[0].allocations if a.status != "released"]
    assert live == [("GD1", NEW, 2, "reserved")]
    assert ledger.ledger_differences(session) == []


def test_receiving_the_successor_a_line_was_served_with_is_not_a_wrong_part(session, pumps):
    from inventory.requisitions.wrong_part import WrongPart

    replace(session, (OLD, NEW))
    req = shipped_and_received(session, submit(session, OLD, 2))
    with pytest.raises(InvalidInput, match="not a wrong part"):
        with transaction(session):
            requisitions.receive(session, POINT, req.code, wrong_parts=[WrongPart(line=1, received_sku=NEW)])
