"""The HQ penalties page: each centre role's fines, tickets open at the month's end, and HQ's parts
module confirming or correcting a parts wait's cause in a small form (audited, re-attributed).

The ticket: created 2026-10-05 09:00 Beijing, completed 200 h later; GD1 had no pumps, HQ shipped in
time and the part arrived at 195 h, 146 h past its promise: over 7 days through the centre's shortage.
"""
from __future__ import annotations

import html
from datetime import datetime, timedelta, timezone

from sqlalchemy import func, select

from api.web import penalties
from inventory.access import Principal
from inventory.attribution import CAUSES, CENTER_ROLES
from inventory.audit import entries
from inventory.db import make_session_factory, transaction
from inventory.policy import Policy
from inventory.requisitions import service as requisitions
from inventory.requisitions.service import LineRequest
from inventory.tickets import record_event
from inventory.tickets.models import PartsWaitCause
from inventory.warehouses import ledger

from .conftest import text

BEIJING = timezone(timedelta(hours=8))
T0 = datetime(2026, 10, 5, 9, 0, tzinfo=BEIJING)
PAGE = "/hq/penalties?period=2026-10"
POINT = Principal("service_point", "SP0001")


def h(hours: float) -> datetime:
    return T0 + timedelta(hours=hours)


def late_ticket(engine, ticket="T-LATE", completed: float | None = 200.0) -> str:
    with make_session_factory(engine)() as session:
        with transaction(session):
            for kind, at in (("created", 0), ("dispatched_center", 0.1), ("dispatched_point", 0.2),
                             ("contacted", 0.5), ("visited", 5), ("completed", completed)):
                if at is not None:
                    record_event(session, ticket, kind, h(at), principal=Principal("call_center"),
                                 service_point="SP0001" if kind == "created" else None)
        with transaction(session):
            ledger.reserve(session, "GD1", "WM-PUMP-01", 10, actor="test")
            code = requisitions.submit(session, POINT, ship_to="SP0001", lines=[LineRequest("WM-PUMP-01", 1)], ticket=ticket,
                               policy=Policy(), now=h(1)).code
        with transaction(session):
            requisitions.ship(session, "hq", code, at=h(2), now=h(2))
        with transaction(session):
            requisitions.receive(session, POINT, code, at=h(195), now=h(195))
    return code


def page(response) -> str:
    return html.unescape(text(response))


def decision(code: str, **fields) -> dict:
    prefix = f"w-{code}-1"
    return {f"{prefix}-{k}": v for k, v in {"ticket": "T-LATE", "requisition": code, "line": "1", **fields}.items()}


def stored(engine) -> int:
    with make_session_factory(engine)() as session:
        return session.scalar(select(func.count()).select_from(PartsWaitCause))


def test_every_cause_status_and_role_has_words_on_the_page():
    assert set(penalties.CAUSE) == set(CAUSES) and set(penalties.ROLE) == set(CENTER_ROLES)
    assert set(penalties.CAUSE_STATUS) == {"automatic", "confirmed", "corrected"}


def test_the_page_names_each_center_role_and_its_fines(hq, engine):
    late_ticket(engine)
    shown = page(hq.get(PAGE))
    assert "各中心三个岗位的罚款" in shown
    for role in ("服务主任", "配件中心管理员", "催单文员"):
        assert role in shown
    assert "我方默认" in shown  # the amounts are ours: the seed leaves them blank


def test_the_page_lists_the_wait_with_its_automatic_cause_and_a_form(hq, engine):
    code = late_ticket(engine)
    shown = page(hq.get(PAGE))
    assert "超过承诺时限的等件" in shown and code in shown and "146.0" in shown
    assert "储备仓缺件（省中心）" in shown and "自动判定" in shown
    assert f'name="w-{code}-1-cause"' in shown


def test_english_pages_show_the_same_in_english(hq, engine):
    late_ticket(engine)
    shown = page(hq.get(PAGE + "&lang=en"))
    assert "service director" in shown and "regional warehouse short (the centre)" in shown
    assert "automatic" in shown and "Open at month end" in shown


def test_hq_corrects_the_cause_and_the_ticket_is_re_attributed(hq, engine):
    code = late_ticket(engine)
    response = hq.post("/hq/penalties/causes?period=2026-10", decision(code, cause="hq_shortage", note="总部缺件"),
                       token_from=PAGE)
    assert response.status_code == 302 and response.headers["Location"].endswith(f"#w-{code}-1")
    shown = page(hq.get(PAGE))
    assert "原因已保存" in shown and "总部已更正" in shown and "全网缺件（总部配件计划）" in shown
    assert "本月没有中心罚款" in shown  # the centre's three fines went with the corrected cause
    with make_session_factory(engine)() as session:
        (entry,) = entries(session, action="ticket.parts_cause")
        assert (entry.actor, entry.details["cause"], entry.details["note"]) == ("hq:boss", "hq_shortage", "总部缺件")


def test_hq_confirms_the_automatic_cause(hq, engine):
    code = late_ticket(engine)
    hq.post("/hq/penalties/causes?period=2026-10", decision(code, cause="regional_shortage"), token_from=PAGE)
    shown = page(hq.get(PAGE))
    assert "总部已确认" in shown and "服务主任" in shown


def test_an_unknown_cause_is_refused_on_the_page_and_changes_nothing(hq, engine):
    code = late_ticket(engine)
    response = hq.post("/hq/penalties/causes?period=2026-10", decision(code, cause="strike"), token_from=PAGE)
    assert response.status_code == 422
    assert stored(engine) == 0


def test_a_warehouse_cause_only_for_a_line_a_regional_warehouse_allocated(hq, engine):
    code = late_ticket(engine)  # HQ allocated it
    shown = page(hq.get(PAGE))
    assert "储备仓迟发" not in shown.split(f'id="w-{code}-1"')[1].split("</tr>")[0]


def test_a_clerk_cannot_confirm_a_cause(clerk, hq, engine):
    code = late_ticket(engine)
    response = clerk.post("/hq/penalties/causes?period=2026-10", decision(code, cause="hq_shortage"),
                          token_from="/w/GD1/")
    assert response.status_code == 403 and stored(engine) == 0


def test_a_ticket_open_at_the_month_end_is_counted(hq, engine):
    late_ticket(engine, completed=None)
    shown = page(hq.get(PAGE))
    assert "月末未完成" in shown
    assert "<td class=\"n\">1</td>" in text(hq.get(PAGE)).split("月末未完成")[1]
