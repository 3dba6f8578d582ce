"""The month a page shows (`?period=YYYY-MM`): one reading of the argument for every page and
export that takes it. A month is what the business calendar says it is (`is_month`, the rule
`month_bounds` applies), so a page never passes the domain a month it would refuse."""
from __future__ import annotations

from flask import abort, request

from inventory.business_calendar import is_month
from inventory.db import utcnow
from inventory.quotas.service import period_of


def period_arg(*, strict: bool = False, begun: bool = False) -> str:
    """The request's `?period=` when it names a month of the calendar, else the current business
    month. `strict`: a `?period=` given that is not such a month is not a page (404) instead.
    `begun`: a month after the current one is not such a month either (a report of what happened)."""
    period = request.args.get("period")
    current = period_of(utcnow())
    if is_month(period) and not (begun and period > current):
        return period
    if strict and period is not None:
        abort(404)
    return current
