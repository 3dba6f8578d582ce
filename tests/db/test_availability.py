"""A part's availability toward a ship-to point (the API's part page reads it from the domain):
the options a submit would allocate from, the units within the promise, and whose point a caller
may name."""
from __future__ import annotations

import pytest

from inventory.access import Principal
from inventory.errors import InvalidInput
from inventory.policy import Policy
from inventory.requisitions.availability import availability, ship_to_point

POINT = Principal("service_point", "SP0001")
DEALER = Principal("dealer", "D001")


def test_availability_toward_a_point_counts_only_what_arrives_within_the_promise(session, world):
    found = availability(session, "WM-PUMP-01", ship_to_point(session, POINT, None), Policy())
    assert found.ship_to == "SP0001"
    assert [(s.warehouse, s.available, s.transit_hours) for s in found.sources] == [
        ("GD1", 10, 12), ("HQ", 50, 20), ("HB1", 4, 60)]
    assert found.within_promise == 60  # HB1 is 60 h away: beyond the 48-hour promise


def test_without_a_point_every_warehouse_with_units_is_listed_and_no_promise_is_measured(session, world):
    found = availability(session, "WM-PUMP-01", ship_to_point(session, Principal("hq"), None), Policy())
    assert (found.ship_to, found.within_promise) == (None, None)
    assert {s.warehouse for s in found.sources} == {"GD1", "HQ", "HB1"}
    assert {s.transit_hours for s in found.sources} == {None}


def test_a_dealer_may_name_only_its_own_ship_to_points(session, world):
    assert ship_to_point(session, DEALER, None).code in ("SP0001", "SP0002")
    with pytest.raises(InvalidInput) as refused:
        ship_to_point(session, DEALER, "SP0003")
    assert (refused.value.code, refused.value.values, refused.value.details["field"]) == (
        "ship_to.not_yours", {"ship_to": "SP0003"}, "ship_to")
