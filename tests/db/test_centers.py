"""A centre reads its own month: its tickets with attribution, its row of the penalties report
(the HQ report's figures), one of its tickets, its points' returns; another centre's are not found.

Tickets as in test_tickets.py: hours after 2026-10-05 09:00 Beijing; SP0001 and SP0002 are 广东's
(centre GD), SP0003 湖北's (centre HB).
"""
from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from inventory.centers import center_month, center_returns, center_ticket
from inventory.db import transaction
from inventory.errors import InvalidInput, NotFound
from inventory.tickets import penalties_for_month

from .test_tickets import CLOCK, HUBEI_POINT, POLICY, flow_events, h, post_all, regional_warehouse_empty, requisition


@pytest.fixture
def month(session, world):
    """GD: one ticket over 7 days through its shortage (its three roles fined), one on time, one
    still open; HB: one late ticket of its own."""
    regional_warehouse_empty(session)
    post_all(session, "T-GD-LATE", flow_events(completed=200))
    requisition(session, "T-GD-LATE", submitted=1, shipped=2, received=195)
    post_all(session, "T-GD-OK", flow_events(completed=30))
    post_all(session, "T-GD-OPEN", flow_events(point="SP0002", completed=None))
    post_all(session, "T-HB", flow_events(point="SP0003", completed=100))
    requisition(session, "T-HB", submitted=1, shipped=2, received=90, principal=HUBEI_POINT)
    return "2026-10"


def test_the_center_sees_only_its_own_tickets_with_what_it_is_charged(session, month):
    result = center_month(session, "GD", month, POLICY, now=CLOCK)
    tickets = {t["ticket"]: t for t in result["tickets"]}
    assert set(tickets) == {"T-GD-LATE", "T-GD-OK", "T-GD-OPEN"}
    assert tickets["T-GD-LATE"]["center_fines"] == 150 and tickets["T-GD-LATE"]["center_cause"] is True
    assert tickets["T-GD-LATE"]["center_reasons"] == ["regional_shortage", "center_over_7_days"]
    assert (tickets["T-GD-OK"]["over_3_days"], tickets["T-GD-OK"]["center_fines"]) == (False, 0)
    assert tickets["T-GD-OPEN"]["status"] == "open"
    assert center_month(session, "HB", month, POLICY, now=CLOCK)["tickets"][0]["ticket"] == "T-HB"


def test_the_centers_rates_and_role_fines_are_the_hq_reports_row(session, month):
    hq = {row["center"]: row for row in penalties_for_month(session, month, POLICY, now=CLOCK)["centers"]}
    for center in ("GD", "HB"):
        assert center_month(session, center, month, POLICY, now=CLOCK)["rates"] == hq[center]
    gd = hq["GD"]
    assert gd["role_totals"] == {"service_director": "50.00", "parts_admin": "50.00", "chase_clerk": "50.00"}
    assert (gd["tickets"], gd["open_at_month_end"], gd["over_7_days"]) == (3, 1, 2)


def test_a_month_without_tickets_shows_the_targets_and_nothing_over(session, month):
    rates = center_month(session, "GD", "2026-08", POLICY, now=CLOCK)["rates"]
    assert (rates["tickets"], rates["three_day_target"], rates["seven_day_target"]) == (0, "0.85", "1.00")
    assert rates["role_totals"] == {"service_director": "0.00", "parts_admin": "0.00", "chase_clerk": "0.00"}


def test_a_ticket_of_another_center_is_not_found_as_if_it_did_not_exist(session, month):
    assert center_ticket(session, "GD", "T-GD-LATE", POLICY, now=CLOCK)["center"] == "GD"
    with pytest.raises(NotFound) as other:
        center_ticket(session, "GD", "T-HB", POLICY, now=CLOCK)
    with pytest.raises(NotFound) as missing:
        center_ticket(session, "GD", "T-NONE", POLICY, now=CLOCK)
    assert str(other.value).replace("T-HB", "?") == str(missing.value).replace("T-NONE", "?")


def test_an_unknown_center_or_a_bad_month_is_refused(session, month):
    with pytest.raises(NotFound):
        center_month(session, "XX", month, POLICY, now=CLOCK)
    with pytest.raises(InvalidInput):
        center_month(session, "GD", "2026-13", POLICY, now=CLOCK)


def _owed(session, requisition_code: str, point: str, warehouse: str, due_by, shipped_at=None) -> None:
    """An old part owed for a requisition (as `expect_returns_for_shipment` writes it), maybe sent."""
    from inventory.requisitions.models import parse_code
    from inventory.returns.models import Return

    session.add(Return(kind="old_part", requisition_id=parse_code(requisition_code), sku="WM-PUMP-01", qty=1,
                       unit_price=Decimal("85.00"), service_point_code=point, warehouse_code=warehouse,
                       status="shipped" if shipped_at else "expected", due_by=due_by, reason="old part",
                       created_at=due_by - timedelta(days=30), created_by="system", shipped_at=shipped_at))


def test_the_centers_returns_count_its_points_old_parts_only(session, world):
    from inventory.returns.settlement import sweep_overdue

    gd = requisition(session, "T-GD", submitted=1, shipped=2)
    hb = requisition(session, "T-HB", submitted=1, shipped=2, principal=HUBEI_POINT)
    due = h(24 * 10)
    with transaction(session):
        _owed(session, gd, "SP0001", "GD1", due, shipped_at=due - timedelta(days=1))
        _owed(session, gd, "SP0001", "GD1", due)
        _owed(session, hb, "SP0003", "HB1", due)
    with transaction(session):
        sweep_overdue(session, now=due + timedelta(days=1))
    gd_month, hb_month = center_returns(session, "GD", "2026-10"), center_returns(session, "HB", "2026-10")
    assert (gd_month["due_units"], gd_month["returned_units"], gd_month["return_rate"]) == (2, 1, Decimal("0.5"))
    assert (gd_month["overdue_count"], gd_month["held_settlements"]) == (1, 1)
    assert (hb_month["due_units"], hb_month["returned_units"], hb_month["overdue_count"]) == (1, 0, 1)
    assert gd_month["charges"] > 0 and hb_month["charges"] > 0
