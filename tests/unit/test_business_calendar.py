"""The business's clock: Beijing days and months, stored as UTC."""
from datetime import date, datetime, timezone

import pytest

from inventory.business_calendar import business_date, month_bounds, month_of
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
