"""Bins (库位) as master data: set, moved, cleared; a bad call changes nothing; audited."""
from __future__ import annotations

import pytest

from inventory import audit
from inventory.db import transaction
from inventory.errors import InvalidInput, NotFound
from inventory.warehouses import bins


def _set(session, assignments, warehouse="GD1"):
    with transaction(session):
        return bins.set_bins(session, warehouse, assignments, actor="clerk:gd")


def test_a_bin_is_set_kept_upper_case_then_moved_and_cleared(session, world):
    assert _set(session, {"WM-PUMP-01": "a-01-02", "AC-REMOTE-01": "B-7"}) == 2
    assert bins.bins_of(session, "GD1", ["WM-PUMP-01", "AC-REMOTE-01", "WM-MOTOR-01"]) == {
        "WM-PUMP-01": "A-01-02", "AC-REMOTE-01": "B-7"}
    assert _set(session, {"WM-PUMP-01": "A-01-02"}) == 0  # the same bin again changes nothing
    assert _set(session, {"WM-PUMP-01": "C-01", "AC-REMOTE-01": None}) == 2
    rows, total = bins.list_bins(session, "GD1")
    assert total == 1 and [(r.sku, r.bin, r.name) for r in rows] == [("WM-PUMP-01", "C-01", "排水泵")]


def test_bins_belong_to_one_warehouse(session, world):
    _set(session, {"WM-PUMP-01": "A-01"})
    _set(session, {"WM-PUMP-01": "Z-99"}, warehouse="HB1")
    assert bins.bins_of(session, "GD1", ["WM-PUMP-01"]) == {"WM-PUMP-01": "A-01"}
    assert bins.bins_of(session, "HB1", ["WM-PUMP-01"]) == {"WM-PUMP-01": "Z-99"}


def test_the_list_is_in_bin_order_and_narrows_by_bin_prefix(session, world):
    _set(session, {"WM-PUMP-01": "B-01", "WM-MOTOR-01": "A-02", "AC-REMOTE-01": "A-01"})
    assert [r.sku for r in bins.list_bins(session, "GD1")[0]] == ["AC-REMOTE-01", "WM-MOTOR-01", "WM-PUMP-01"]
    assert [r.bin for r in bins.list_bins(session, "GD1", bin_prefix="a-")[0]] == ["A-01", "A-02"]


def test_an_unknown_sku_refuses_the_whole_call(session, world):
    with pytest.raises(InvalidInput, match="unknown sku NO-SUCH"):
        _set(session, {"WM-PUMP-01": "A-01", "NO-SUCH": "A-02"})
    assert bins.list_bins(session, "GD1")[1] == 0


@pytest.mark.parametrize("code", ["", "  ", "-A", "A B", "货架1", "A" * 21, "A/1"])
def test_a_bin_code_is_letters_digits_and_dashes(session, world, code):
    with pytest.raises(InvalidInput, match="bin code"):
        _set(session, {"WM-PUMP-01": code})
    assert bins.list_bins(session, "GD1")[1] == 0


def test_an_unknown_warehouse_is_not_found(session, world):
    with pytest.raises(NotFound):
        _set(session, {"WM-PUMP-01": "A-01"}, warehouse="XX9")


def test_each_call_that_changes_bins_is_audited_once(session, world):
    _set(session, {"WM-PUMP-01": "A-01", "AC-REMOTE-01": "A-02"})
    _set(session, {"WM-PUMP-01": "A-01"})  # nothing changed: no row
    [entry] = audit.entries(session, action="bin.set")
    assert entry.actor == "clerk:gd" and entry.subject == "GD1"
    assert entry.details["changes"] == {"AC-REMOTE-01": [None, "A-02"], "WM-PUMP-01": [None, "A-01"]}
