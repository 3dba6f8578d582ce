"""A provincial centre signs in and reads its own month: its tickets with what each costs it, its
3-/7-day rates, its three roles' fines, its points' returns. Another centre's pages and tickets
answer 404 and leak nothing; HQ and clerk pages are closed to it. The pages are in Chinese.

Tickets as in test_penalties_page.py: created 2026-10-05 09:00 Beijing; T-LATE (SP0001, 广东)
is over 7 days through GD's shortage, so GD's three roles are fined 50.00 each; T-HB is 湖北's.
"""
from __future__ import annotations

import re

import pytest

from inventory.access import Principal, User
from inventory.db import make_session_factory, transaction, utcnow
from inventory.tickets import record_event

from .conftest import FAST_HASH, WebClient, signed_in, text
from .test_penalties_page import h, late_ticket, page

HOME = "/centers/GD/?period=2026-10"
CENTERS = {"gd_center": "GD", "hb_center": "HB"}


@pytest.fixture
def centers(app, engine):
    """A centre user for 广东 (GD) and one for 湖北 (HB), T-LATE of GD's and T-HB of HB's."""
    with make_session_factory(engine)() as session, transaction(session):
        for username, center in CENTERS.items():
            session.add(User(username=username, password_hash=FAST_HASH, role="center", center_code=center,
                             created_at=utcnow()))
    late_ticket(engine)
    with make_session_factory(engine)() as session, transaction(session):
        for kind, at in (("created", 0), ("dispatched_center", 0.1), ("dispatched_point", 0.2), ("contacted", 0.5),
                         ("visited", 5), ("completed", 30)):
            record_event(session, "T-HB", kind, h(at), principal=Principal("call_center"),
                         service_point="SP0003" if kind == "created" else None)
    return app


@pytest.fixture
def gd(centers) -> WebClient:
    return signed_in(centers, "gd_center")


def test_a_center_signs_in_to_its_own_month(centers):
    client = WebClient(centers)
    response = client.login("gd_center")
    assert response.status_code == 302 and response.headers["Location"].endswith("/centers/GD/")
    assert client.get("/").headers["Location"].endswith("/centers/GD/")


def test_the_center_sees_its_tickets_rates_and_its_three_roles_fines(gd):
    body = page(gd.get(HOME))
    assert "T-LATE" in body and "T-HB" not in body
    fines = body[body.index('id="fines"'):body.index('id="returns"')]
    assert [row for row in ("服务主任", "配件中心管理员", "催单文员") if row not in fines] == []
    assert fines.count("50.00") >= 3 and "我方默认" in fines
    assert "0.0%" in body and "目标 85.0%" in body  # T-LATE is over 3 and 7 days; 广东's target is 85 %
    assert "因中心原因超7天" in body


def test_the_center_reads_its_ticket_with_its_attribution(gd):
    body = page(gd.get("/centers/GD/tickets/T-LATE?period=2026-10"))
    assert "T-LATE" in body and "储备仓缺件" in body and "服务主任" in body and "146.0" in body


def test_another_centers_month_and_ticket_are_not_found_and_leak_nothing(gd):
    for url in ("/centers/HB/?period=2026-10", "/centers/GD/tickets/T-HB", "/centers/HB/tickets/T-HB",
                "/centers/XX/", "/centers/GD/tickets/T-NONE"):
        response = gd.get(url)
        assert response.status_code == 404, url
        assert "湖北" not in text(response) and "SP0003" not in text(response)  # HB's province and point
    # the same page but for the code asked for (the sign-out form's CSRF token carries the second it was made)
    tokenless = lambda url: re.sub(rb'csrf_token" type="hidden" value="[^"]*"', b"", gd.get(url).get_data())  # noqa: E731
    assert tokenless("/centers/GD/tickets/T-HB") == tokenless("/centers/GD/tickets/T-NONE").replace(b"T-NONE", b"T-HB")


@pytest.mark.parametrize("url", ["/hq/", "/hq/penalties", "/hq/policy", "/hq/transfers", "/hq/quotas", "/stock",
                                 "/w/GD1/", "/w/GD1/picks", "/w/HB1/returns"])
def test_a_center_cannot_open_hq_or_warehouse_pages(gd, url):
    assert gd.get(url).status_code == 403


def test_a_center_cannot_act_on_an_hq_form(gd):
    response = gd.post("/hq/policy/promise_hours", {"promise_hours-value": "1"}, token_from=HOME)
    assert response.status_code == 403


def test_a_clerk_cannot_open_a_centers_pages(clerk):
    assert clerk.get(HOME).status_code == 403


def test_hq_may_read_any_centers_month(hq, centers):
    body = page(hq.get("/centers/HB/?period=2026-10"))
    assert "T-HB" in body and "总部视图：只读" in body


def test_the_center_pages_are_all_chinese(gd):
    for url in (HOME, "/centers/GD/tickets/T-LATE", HOME + "&only=fined"):
        body = re.sub(r"<(script|style)[^>]*>.*?</\1>|<[^>]+>|&\w+;", " ", text(gd.get(url)), flags=re.S)
        body = body.replace("gd_center", "")  # the user's own name in the top bar is data
        words = set(re.findall(r"\b[A-Za-z]*[a-z][A-Za-z]*\b", body)) - {"English"}  # codes are upper case
        assert words == set(), (url, words)


def test_the_center_signs_out(gd):
    assert gd.post("/logout", {}, token_from=HOME).status_code == 302
    assert gd.get(HOME).status_code == 302


def _closed_to_centers():
    from .test_access import RULES, _access

    return [r for r in RULES if "center" not in _access(r.values[0]).roles]


@pytest.mark.parametrize("endpoint, method, url", _closed_to_centers())
def test_every_page_that_does_not_admit_centers_refuses_one(gd, endpoint, method, url):
    response = gd.http.open(url, method=method, data={"csrf_token": gd.token(HOME)})
    assert response.status_code == 403, endpoint


def test_hqs_penalties_report_links_each_center_to_its_page(hq, centers):
    assert 'href="/centers/GD/?period=2026-10"' in text(hq.get("/hq/penalties?period=2026-10"))


def test_the_ticket_page_shows_the_appliance_its_warranty_and_its_三包_rights(centers, engine):
    """Bought four days before the report (2026-10-05), with an invoice: parts are free under the
    whole unit's 12 months, and a fault within 7 days of purchase entitles a return or exchange."""
    from datetime import date

    from tests.appliances import record

    with make_session_factory(engine)() as session:
        record(session, "T-LATE", purchased_on=date(2026, 10, 1), serial="SN-T-LATE")
    gd = signed_in(centers, "gd_center")
    body = page(gd.get("/centers/GD/tickets/T-LATE?period=2026-10"))
    card = body[body.index('id="appliance"'):]
    assert "洗衣机" in card and "家用" in card and "SN-T-LATE" in card and "2026-10-01" in card and "发票" in card
    assert "保内" in card and "整机保修" in card and "2027-10-01" in card      # the unit's 12 months
    assert "三包权益" in card and "退货或换货" in card                          # reported within 7 days
    test_the_center_pages_are_all_chinese(gd)


def test_a_ticket_without_an_appliance_says_no_part_is_free(gd):
    body = page(gd.get("/centers/GD/tickets/T-LATE?period=2026-10"))
    assert "呼叫中心尚未登记机器信息" in body and "未登记机器信息" in body
