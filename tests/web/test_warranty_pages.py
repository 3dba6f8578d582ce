"""Warranty on the pages (issue #18, points 2 and 4): each line's decision on the clerk's pick
list and HQ's requisition page, HQ's override from that page (audited), and the 三包 rights
counted on the penalties report."""
from __future__ import annotations

from datetime import timedelta

from inventory import audit
from inventory.access import Principal
from inventory.db import make_session_factory, transaction, utcnow
from inventory.quotas.service import period_of
from inventory.requisitions.models import Requisition, parse_code
from inventory.tickets import record_event
from inventory.tickets.appliance import business_date
from inventory.warranty import add_months

from .. import appliances
from .conftest import submit_requisition, text


def decision(engine, code):
    with make_session_factory(engine)() as session:
        line = session.get(Requisition, parse_code(code)).lines[0]
        return line.in_warranty, line.warranty_basis, line.warranty_overridden


def expired(engine, ticket="T-OLD") -> str:
    """A requisition for a ticket whose washer was bought five years ago: the pump is paid."""
    code = submit_requisition(engine, qty=1, ticket=ticket)
    with make_session_factory(engine)() as session:
        appliances.record(session, ticket, covered=False)  # a correction: decided again, now expired
    return code


def test_the_pick_list_shows_each_lines_warranty_in_chinese(clerk, engine):
    free = submit_requisition(engine, qty=1, ticket="T-FREE")
    paid = expired(engine)
    page = text(clerk.get("/w/GD1/picks"))
    until = add_months(appliances.bought(utcnow()), 12)  # a household washer's whole unit
    assert free in page and paid in page
    assert "保内" in page and "整机保修" in page and "保外" in page and "已过保修期" in page
    assert f"至 {until.isoformat()}" in page


def test_hq_overrides_a_line_from_the_requisition_page_with_a_reason(hq, engine):
    code = expired(engine)
    url = f"/hq/requisitions/{code}"
    page = text(hq.get(url))
    assert "已过保修期" in page and "改为保内" in page
    r = hq.post(f"{url}/lines/1/warranty", {"in_warranty": "y", "reason": "用户出示了发票"}, token_from=url)
    assert r.status_code == 302
    assert decision(engine, code) == (True, "expired", True)
    page = text(hq.get(url))
    assert "总部已改判" in page and "用户出示了发票" in page and "改为保外" in page
    with make_session_factory(engine)() as session:
        (entry,) = audit.entries(session, action="requisition.warranty_override")
        assert entry.details["reason"] == "用户出示了发票" and entry.actor.endswith("boss")


def test_an_override_without_a_reason_changes_nothing(hq, engine):
    code = expired(engine)
    url = f"/hq/requisitions/{code}"
    r = hq.post(f"{url}/lines/1/warranty", {"in_warranty": "y", "reason": ""}, token_from=url)
    assert r.status_code == 302 and "请填写改判保修的原因" in text(hq.get(url))
    assert decision(engine, code) == (False, "expired", False)


def test_a_clerk_may_not_override(clerk, hq, engine):
    code = expired(engine)
    r = clerk.post(f"/hq/requisitions/{code}/lines/1/warranty", {"in_warranty": "y", "reason": "x"},
                   token_from="/w/GD1/picks")
    assert r.status_code == 403 and decision(engine, code) == (False, "expired", False)


def test_the_penalties_page_counts_sanbao_rights(hq, engine):
    now = utcnow()
    with make_session_factory(engine)() as session:
        with transaction(session):
            record_event(session, "T-NEW", "created", now - timedelta(hours=2), principal=Principal("call_center"),
                         service_point="SP0001")
        appliances.record(session, "T-NEW", purchased_on=business_date(now) - timedelta(days=3))
    page = text(hq.get("/hq/penalties", query_string={"period": period_of(now)}))
    assert "本月工单的三包权利" in page and "7日内故障：可退货或换货" in page and "T-NEW" in page
