"""The business's clock (业务时间): Beijing time decides which day and month a moment belongs to
(quota periods, monthly reports, statements, fines), while everything is stored in UTC. The
one home of that rule."""
from __future__ import annotations

import re
from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

from .errors import InvalidInput

BUSINESS_TZ = ZoneInfo("Asia/Shanghai")
MONTH = re.compile(r"(\d{4})-(0[1-9]|1[0-2])")
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


def month_bounds(month: str) -> tuple[datetime, datetime]:
    """[start, end) of a `YYYY-MM` Beijing month, in UTC; anything else is refused."""
    match = MONTH.fullmatch(month) if isinstance(month, str) else None
    if match is None or not FIRST_YEAR <= int(match[1]) <= LAST_YEAR:
        raise InvalidInput(f"month: {month!r} is not a month (YYYY-MM)", code="month.invalid", field="month",
                           month=repr(month))
    year, number = int(match[1]), int(match[2])
    start = datetime(year, number, 1, tzinfo=BUSINESS_TZ)
    end = datetime(year + number // 12, number % 12 + 1, 1, tzinfo=BUSINESS_TZ)
    return start.astimezone(timezone.utc), end.astimezone(timezone.utc)
