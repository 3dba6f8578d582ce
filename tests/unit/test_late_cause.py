"""Why a simulated line was late: each cause from the parcel that arrived last and the stock at submit."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from inventory.demo import HANDLING_HOURS as HANDLING
from simulation.metrics import LATE_CAUSES, Parcel, late_cause

T0 = datetime(2025, 7, 1, 2, 0, tzinfo=timezone.utc)  # submitted
PROMISED = T0 + timedelta(hours=48)


def h(hours: float) -> datetime:
    return T0 + timedelta(hours=hours)


def parcel(reserved=0.0, lane=30, shipped=1.0, delivered=None) -> Parcel:
    eta = h(reserved + lane)
    own = max(eta, h(shipped + lane - HANDLING))
    return Parcel(id=1, created_at=h(reserved), eta=eta, shipped_at=h(shipped), lane_hours=lane,
                  delivered_at=delivered or own)


@pytest.mark.parametrize("seen, p, cause", [
    # its own parcel landed at 31 h, but the point confirmed it with a parcel landing at 60 h
    ("regional", parcel(lane=30, delivered=h(60)), "held"),
    ("nowhere", parcel(reserved=70, shipped=71), "nowhere"),
    ("late_only", parcel(lane=60), "late_only"),
    # stock was in time at submit, but the line was reserved again at 30 h on a 30 h lane
    ("regional", parcel(reserved=30, lane=30, shipped=31), "reserved_late"),
    # reserved at once on a 44 h lane, shipped 15 h later by the next morning's wave
    ("hq", parcel(lane=44, shipped=15), "wave"),
    ("other_warehouse", parcel(lane=47, shipped=2, delivered=h(49)), "held"),  # landed at 47 h, confirmed at 49
])
def test_each_cause(seen, p, cause):
    assert p.delivered_at > PROMISED
    assert late_cause(seen, PROMISED, p) == cause


def test_a_parcel_late_by_itself_is_not_blamed_on_another():
    """Landing after the promise on its own lane is never 'held', even if confirmed later still."""
    late_alone = parcel(lane=44, shipped=15, delivered=h(80))
    assert late_cause("regional", PROMISED, late_alone) == "wave"


def test_a_parcel_on_time_on_paper_that_the_carrier_landed_late_is_the_carriers():
    on_paper = parcel(lane=40, shipped=1.0, delivered=h(52))  # the lane says 40 h; it took 52
    assert late_cause("regional", PROMISED, on_paper, delay_hours=12.0) == "carrier"
    assert late_cause("regional", PROMISED, on_paper, delay_hours=5.0) == "held"  # landed at 45 h, confirmed later


def test_a_carrier_delay_does_not_hide_a_planning_cause():
    assert late_cause("late_only", PROMISED, parcel(lane=60), delay_hours=20.0) == "late_only"


def test_the_causes_are_named():
    assert set(LATE_CAUSES) == {"carrier", "held", "nowhere", "late_only", "reserved_late", "wave"}
