"""The business's clock (业务时间): Beijing time decides which day and month a moment belongs to
(quota periods, monthly reports, statements, fines), while everything is stored in UTC. The
one home of that rule."""
from __future__ import annotations

import re
from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

from .errors import InvalidInput

BUSINESS_TZ = ZoneInfo("Asia/Shanghai")
MONTH = re.compile(r"([0-9]{4})-(0[1-9]|1[0-2])")  # ASCII digits only
FIRST_YEAR, LAST_YEAR = 1970, 2099   # the years a month may name (the ledger's range of instants)


def local(instant: datetime) -> datetime:
    """An instant on the business's clock."""
    return instant.astimezone(BUSINESS_TZ)


def business_date(instant: datetime) -> date:
    """The Beijing calendar day an instant falls on."""
    return local(instant).date()


def month_of(instant: datetime) -> str:
    """The `YYYY-MM` Beijing month an instant falls in."""
    return local(instant).strftime("%Y-%m")


def is_month(text: object) -> bool:
    """Whether `text` names a month of the calendar: a `YYYY-MM` string with a year from FIRST_YEAR
    to LAST_YEAR. Exactly what `month_bounds` takes; anything else (another type included) is not."""
    match = MONTH.fullmatch(text) if isinstance(text, str) else None
    return match is not None and FIRST_YEAR <= int(match[1]) <= LAST_YEAR


def month_bounds(month: str) -> tuple[datetime, datetime]:
    """[start, end) of a `YYYY-MM` Beijing month, in UTC; anything `is_month` refuses is refused."""
    if not is_month(month):
        raise InvalidInput(f"month: {month!r} is not a month (YYYY-MM)", code="month.invalid", field="month",
                           month=repr(month))
    year, number = int(month[:4]), int(month[5:])
    start = datetime(year, number, 1, tzinfo=BUSINESS_TZ)
    end = datetime(year + number // 12, number % 12 + 1, 1, tzinfo=BUSINESS_TZ)
    return start.astimezone(timezone.utc), end.astimezone(timezone.utc)
