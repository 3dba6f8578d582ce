"""The business's clock: Beijing days and months, stored as UTC."""
from datetime import date, datetime, timezone

import pytest

from inventory.business_calendar import FIRST_YEAR, LAST_YEAR, business_date, is_month, month_bounds, month_of
from inventory.errors import InvalidInput


def test_a_beijing_month_starts_at_sixteen_hundred_utc_the_day_before():
    assert month_bounds("2025-03") == (datetime(2025, 2, 28, 16, tzinfo=timezone.utc),
                                       datetime(2025, 3, 31, 16, tzinfo=timezone.utc))
    assert month_bounds("2025-12")[1] == datetime(2025, 12, 31, 16, tzinfo=timezone.utc)


def test_an_evening_in_utc_is_the_next_day_and_month_in_beijing():
    late = datetime(2025, 3, 31, 17, tzinfo=timezone.utc)
    assert business_date(late) == date(2025, 4, 1) and month_of(late) == "2025-04"


@pytest.mark.parametrize("bad", ["2025-13", "2025-3", "25-03", "", None, 202503, "1969-12", "2100-01", "2025-03 "])
def test_anything_but_a_month_is_refused(bad):
    with pytest.raises(InvalidInput) as refused:
        month_bounds(bad)
    assert refused.value.code == "month.invalid"
    assert refused.value.details == {"field": "month", "month": repr(bad)}


@pytest.mark.parametrize("text, month", [
    (f"{FIRST_YEAR}-01", True), (f"{LAST_YEAR}-12", True), ("2024-12", True),
    (f"{FIRST_YEAR - 1}-12", False), (f"{LAST_YEAR + 1}-01", False), ("2024-13", False), ("2024-00", False),
    ("2024-1", False), ("2024-01 ", False), ("", False), ("garbage", False), (None, False), (202401, False),
    (b"2024-01", False)])
def test_is_month_takes_exactly_what_month_bounds_takes(text, month):
    assert is_month(text) is month
    if month:
        month_bounds(text)
    else:
        with pytest.raises(InvalidInput):
            month_bounds(text)
