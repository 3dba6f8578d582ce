"""The scan-to-ship rule on its own (no database): which refusal, and in which order."""
from __future__ import annotations

import pytest

from inventory.errors import ScanCountMismatch, WrongPartScanned
from inventory.requisitions.scans import check


def test_scans_in_any_order_with_stray_blanks_match_the_pick():
    check("R1", "GD1", {"A": 2, "B": 1}, [" B", "A", "", "A "])


def test_a_wrong_part_is_named_before_any_count_that_is_off():
    with pytest.raises(WrongPartScanned) as refused:
        check("R1", "GD1", {"A": 2}, ["X"])
    assert refused.value.code == "scan.wrong_part_from"
    assert refused.value.values == {"sku": "X", "requisition": "R1", "warehouse": "GD1"}


def test_a_part_scanned_once_too_often_is_refused():
    with pytest.raises(ScanCountMismatch) as refused:
        check("R1", "GD1", {"A": 1}, ["A", "A"])
    assert refused.value.details["scanned"] == 2 and refused.value.details["qty"] == 1


def test_a_scan_differing_only_in_case_is_another_part():
    with pytest.raises(WrongPartScanned):
        check("R1", "GD1", {"WM-PUMP-01": 1}, ["wm-pump-01"])
