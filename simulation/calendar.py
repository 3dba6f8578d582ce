"""The simulated clock: Beijing calendar days mapped to the UTC instants every service call takes."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone

from inventory.business_calendar import BUSINESS_TZ as BEIJING

START = date(2025, 1, 1)  # day 0 of every simulation: a calendar year from 1 January


def at(day: int, hour: float, start: date = START) -> datetime:
    """The UTC instant of `hour` (Beijing time, may exceed 24) on simulated `day`."""
    midnight = datetime.combine(start + timedelta(days=day), time(0), tzinfo=BEIJING)
    return (midnight + timedelta(hours=hour)).astimezone(timezone.utc)


def day_of(instant: datetime, start: date = START) -> int:
    """The simulated day (Beijing calendar) an instant falls on."""
    return (instant.astimezone(BEIJING).date() - start).days


def day_of_year(day: int, start: date = START) -> int:
    return (start + timedelta(days=day)).timetuple().tm_yday


def weekday(day: int, start: date = START) -> int:
    """Monday 0 ... Sunday 6."""
    return (start + timedelta(days=day)).weekday()


def day_of_month(day: int, start: date = START) -> int:
    return (start + timedelta(days=day)).day


def days_in_month(day: int, start: date = START) -> int:
    """Days from `day` to the end of its month, itself included."""
    d = start + timedelta(days=day)
    following = date(d.year + d.month // 12, d.month % 12 + 1, 1)
    return (following - d).days


def month_of(day: int, start: date = START) -> str:
    """'YYYY-MM' of a simulated day, the month key of the penalty and quota reports."""
    return (start + timedelta(days=day)).strftime("%Y-%m")


def months(first_day: int, last_day: int, start: date = START) -> list[str]:
    """Every month touched by the days first_day..last_day, in order."""
    seen: list[str] = []
    for day in range(first_day, last_day + 1):
        month = month_of(day, start)
        if not seen or seen[-1] != month:
            seen.append(month)
    return seen
