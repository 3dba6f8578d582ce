"""Every page and export that takes `?period=YYYY-MM` reads it one way (`api.web.periods.period_arg`,
issue #20): a month of the business calendar is honoured, anything else (beyond its years, not a
month at all) shows the current business month instead of a refusal. The penalty report takes a
month that has begun only (a later one shows this month: it has no tickets to report, and the
domain refuses it). A point's statement and its download keep their own rule: a period given that
is not a month is not a page (404)."""
from __future__ import annotations

import pytest

from inventory.business_calendar import FIRST_YEAR, LAST_YEAR
from inventory.db import utcnow
from inventory.quotas.service import period_of

from .conftest import text

NOT_MONTHS = [f"{LAST_YEAR + 1}-01", f"{FIRST_YEAR - 1}-12", "garbage", "2024-13", ""]
MONTHS = ["2026-10", f"{FIRST_YEAR}-01", f"{LAST_YEAR}-12"]

# each page with what it shows of the month it chose
PAGES = {"/hq/quotas": 'name="period" type="month" value="{}"',
         "/hq/penalties": 'name="period" value="{}"',
         "/centers/GD/": 'name="period" value="{}"',
         "/hq/statements": 'name="period" type="month" value="{}"'}
# each export with the start of its file's name, which carries the month
EXPORTS = {"/hq/quotas/export.csv": "quotas-{}_",
           "/hq/penalties/export.csv": "penalties-{}_",
           "/hq/statements/export.csv": "overcharges-{}_",
           "/centers/GD/export.csv": "tickets-GD-{}_"}


def now() -> str:
    return period_of(utcnow())


def shown(url: str, period: str) -> str:
    """The month a page or export shows when asked for `period` (a month of the calendar)."""
    return now() if "/penalties" in url and period > now() else period


def file_name(response) -> str:
    return response.headers["Content-Disposition"].split("filename=", 1)[1]


@pytest.mark.parametrize("period", NOT_MONTHS)
@pytest.mark.parametrize("url", list(PAGES))
def test_a_page_shows_the_current_month_for_a_period_that_is_not_a_month(hq, url, period):
    response = hq.get(url, query_string={"period": period})
    assert response.status_code == 200
    assert PAGES[url].format(now()) in text(response)


@pytest.mark.parametrize("period", MONTHS)
@pytest.mark.parametrize("url", list(PAGES))
def test_a_page_shows_the_month_asked_for(hq, url, period):
    response = hq.get(url, query_string={"period": period})
    assert response.status_code == 200
    assert PAGES[url].format(shown(url, period)) in text(response)


@pytest.mark.parametrize("period", NOT_MONTHS)
@pytest.mark.parametrize("url", list(EXPORTS))
def test_an_export_is_of_the_current_month_for_a_period_that_is_not_a_month(hq, url, period):
    response = hq.get(url, query_string={"period": period})
    assert response.status_code == 200
    assert file_name(response).startswith(EXPORTS[url].format(now()))


@pytest.mark.parametrize("period", MONTHS)
@pytest.mark.parametrize("url", list(EXPORTS))
def test_an_export_is_of_the_month_asked_for(hq, url, period):
    response = hq.get(url, query_string={"period": period})
    assert response.status_code == 200
    assert file_name(response).startswith(EXPORTS[url].format(shown(url, period)))


@pytest.mark.parametrize("period", NOT_MONTHS)
@pytest.mark.parametrize("url", ["/hq/statements/SP0001", "/hq/statements/SP0001.csv"])
def test_a_statement_for_a_period_that_is_not_a_month_is_not_a_page(hq, url, period):
    assert hq.get(url, query_string={"period": period}).status_code == 404


def test_a_statement_is_of_the_month_asked_for_or_else_this_one(hq):
    for period in MONTHS:
        assert f"<title>SP0001 {period}" in text(hq.get("/hq/statements/SP0001", query_string={"period": period}))
        download = hq.get("/hq/statements/SP0001.csv", query_string={"period": period})
        assert download.status_code == 200 and file_name(download).startswith(f"statement-SP0001-{period}_")
    assert f"<title>SP0001 {now()}" in text(hq.get("/hq/statements/SP0001"))
    assert file_name(hq.get("/hq/statements/SP0001.csv")).startswith(f"statement-SP0001-{now()}_")
