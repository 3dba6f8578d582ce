"""HQ pages: dashboard, transfer approvals, optimizer runs, quotas and the policy table."""
from __future__ import annotations

import re
from decimal import Decimal

from inventory.db import make_session_factory, transaction
from inventory.network import Dealer
from inventory.policy import load_policy
from inventory.warehouses import transfers
from inventory.warehouses.models import Transfer

from .conftest import balance, text


def field_error(page: str, field: str) -> str | None:
    match = re.search(rf'<p class="error" id="{field}-error">([^<]*)</p>', page)
    return match.group(1) if match else None


def _get(engine, model, key):
    with make_session_factory(engine)() as session:
        return session.get(model, key)


def test_the_dashboard_draws_stock_value_by_warehouse(hq):
    page = text(hq.get("/hq/"))
    assert "<svg" in page and "HQ 总部配件中心" in page
    assert "本期没有罚款" in page  # no repair tickets yet, so no fines this period


def test_the_dashboard_shows_fines_by_party_from_repair_tickets(hq, engine):
    from datetime import timedelta

    from inventory.access import Principal
    from inventory.db import utcnow
    from inventory.tickets import record_event

    created = utcnow() - timedelta(days=2)
    with make_session_factory(engine)() as session, transaction(session):
        for kind, minutes in (("created", 0), ("dispatched_center", 60), ("dispatched_point", 70),
                              ("contacted", 80), ("visited", 120), ("completed", 180)):
            record_event(session, "T-LATE-DISPATCH", kind, created + timedelta(minutes=minutes), None, None,
                         Principal("call_center"), service_point="SP0001", family="twin_tub")
    page = text(hq.get("/hq/"))
    assert "总部接单员" in page and "30" in page  # the party in words, not its key
    assert "hq_dispatch" not in page


def test_the_dashboard_speaks_english_too(hq):
    assert "Stock value by warehouse" in text(hq.get("/hq/?lang=en"))


def test_the_optimizer_page_says_when_there_are_no_runs(hq):
    page = text(hq.get("/hq/optimizer"))
    assert "还没有运行记录" in page and "暂无建议" in page


def test_hq_drafts_a_transfer_and_bad_input_is_explained_next_to_the_field(hq, engine):
    response = hq.post("/hq/transfers/new", {"from_warehouse": "HQ", "to_warehouse": "GD1", "sku": "NOPE", "qty": "2"},
                       token_from="/hq/transfers")
    assert response.status_code == 422 and field_error(text(response), "sku") == "没有这个配件编码。"
    response = hq.post("/hq/transfers/new", {"from_warehouse": "HQ", "to_warehouse": "HQ", "sku": "WM-PUMP-01",
                                             "qty": "2"}, token_from="/hq/transfers")
    assert response.status_code == 422 and field_error(text(response), "to_warehouse")
    response = hq.post("/hq/transfers/new", {"from_warehouse": "HQ", "to_warehouse": "GD1", "sku": "WM-PUMP-01",
                                             "qty": "2"}, token_from="/hq/transfers")
    assert response.status_code == 302


def _draft(engine, qty=4, run="run-7"):
    with make_session_factory(engine)() as session, transaction(session):
        return transfers.create_draft(session, "HQ", "HB1", "WM-PUMP-01", qty, actor="optimizer",
                                      proposal_run_id=run).id


def test_approving_a_proposal_ships_it(hq, engine):
    tid = _draft(engine)
    assert "run-7" in text(hq.get("/hq/optimizer"))
    assert hq.post(f"/hq/transfers/{tid}/approve", {}, token_from="/hq/transfers").status_code == 302
    assert balance(engine, "HB1", "WM-PUMP-01")[2] == 4
    assert _get(engine, Transfer, tid).shipped_by == "hq:boss"


def test_approving_more_than_the_source_has_is_refused_beside_the_draft(hq, engine):
    tid = _draft(engine, qty=999)
    response = hq.post(f"/hq/transfers/{tid}/approve", {}, token_from="/hq/transfers")
    assert response.status_code == 409 and "HQ 的 WM-PUMP-01 可用数量不足 999 件" in text(response)
    assert _get(engine, Transfer, tid).status == "draft"


def test_rejecting_needs_a_reason(hq, engine):
    tid = _draft(engine)
    response = hq.post(f"/hq/transfers/{tid}/reject", {f"no-{tid}-reason": ""}, token_from="/hq/transfers")
    assert response.status_code == 422 and field_error(text(response), f"no-{tid}-reason")
    assert _get(engine, Transfer, tid).status == "draft"
    hq.post(f"/hq/transfers/{tid}/reject", {f"no-{tid}-reason": "not now"}, token_from="/hq/transfers")
    assert _get(engine, Transfer, tid).status == "rejected"


def test_the_quota_list_shows_every_dealer_without_opening_accounts(hq):
    page = text(hq.get("/hq/quotas?period=2025-03"))
    assert "D001" in page and "D002" in page and "50,000.00" in page


def test_raising_a_limit_needs_a_reason_and_a_higher_figure(hq, engine):
    url = "/hq/quotas/D001"
    response = hq.post(f"{url}/raise", {"raise-new_limit": "60000", "raise-reason": ""}, token_from=url)
    assert response.status_code == 422 and field_error(text(response), "raise-reason")
    response = hq.post(f"{url}/raise", {"raise-new_limit": "100", "raise-reason": "less"}, token_from=url)
    assert response.status_code == 422 and "不高于当前额度" in field_error(text(response), "raise-new_limit")
    assert _get(engine, Dealer, "D001").monthly_quota == Decimal("50000.00")
    response = hq.post(f"{url}/raise", {"raise-new_limit": "60000", "raise-reason": "peak season"}, token_from=url)
    assert response.status_code == 302
    assert _get(engine, Dealer, "D001").monthly_quota == Decimal("60000.00")
    assert "peak season" in text(hq.get(url))


def test_an_extension_is_granted_for_this_month(hq):
    url = "/hq/quotas/D002"
    response = hq.post(f"{url}/extend", {"ext-amount": "abc", "ext-reason": "x"}, token_from=url)
    assert response.status_code == 422 and field_error(text(response), "ext-amount")
    assert hq.post(f"{url}/extend", {"ext-amount": "1500", "ext-reason": "flood repairs"},
                   token_from=url).status_code == 302
    assert "1,500.00" in text(hq.get(url))


def test_an_unknown_dealer_is_not_found(hq):
    assert hq.get("/hq/quotas/NOPE").status_code == 404


def test_the_policy_table_saves_a_valid_value_and_explains_a_bad_one(hq, engine):
    response = hq.post("/hq/policy/promise_hours", {"promise_hours-value": "two days"}, token_from="/hq/policy")
    assert response.status_code == 422 and "不是有效的整数" in text(response)
    assert hq.post("/hq/policy/promise_hours", {"promise_hours-value": "36"},
                   token_from="/hq/policy").status_code == 302
    with make_session_factory(engine)() as session:
        assert load_policy(session).promise_hours == 36
    assert "总部 boss" in text(hq.get("/hq/policy"))  # who set it, in the page's words


def test_an_unknown_policy_key_is_not_found(hq):
    assert hq.post("/hq/policy/nope", {"nope-value": "1"}, token_from="/hq/policy").status_code == 404


def test_the_dashboard_charts_delivered_requisitions_by_day_and_center(hq, engine):
    from datetime import timedelta

    from inventory.access import Principal
    from inventory.db import utcnow
    from inventory.requisitions import service as requisitions

    from .conftest import submit_requisition

    start = utcnow() - timedelta(days=3)
    code = submit_requisition(engine, qty=1, now=start)
    with make_session_factory(engine)() as session, transaction(session):
        requisitions.ship(session, "system", code, at=start + timedelta(hours=1))
        requisitions.receive(session, Principal("service_point", "SP0001"), code, at=start + timedelta(hours=20))
    page = text(hq.get("/hq/"))
    assert "GD 广东服务中心" in page  # on-time rate by centre
    assert page.count("<svg") == 3  # by day, by centre, stock value
    assert "100.0%" in page


def test_the_optimizer_page_lists_runs_with_their_progress(hq, engine):
    from optimizer.runs import run_now

    summary = run_now(make_session_factory(engine), propose=False)
    page = text(hq.get("/hq/optimizer"))
    assert summary["id"] in page and "<progress" in page


def test_the_penalties_report_shows_the_month_s_fines_and_center_rates(hq, engine):
    from datetime import timedelta

    from inventory.access import Principal
    from inventory.db import utcnow
    from inventory.quotas.service import period_of
    from inventory.tickets import record_event

    created = utcnow() - timedelta(hours=5)
    with make_session_factory(engine)() as session, transaction(session):
        for kind, minutes in (("created", 0), ("dispatched_center", 60), ("dispatched_point", 70),
                              ("contacted", 80), ("visited", 120), ("completed", 180)):
            record_event(session, "T-PEN", kind, created + timedelta(minutes=minutes), None, None,
                         Principal("call_center"), service_point="SP0001", family="twin_tub")
    page = text(hq.get(f"/hq/penalties?period={period_of(utcnow())}"))
    assert "总部接单员" in page and "hq_dispatch" not in page and "30.00" in page and "GD" in page


def test_a_clerk_cannot_open_the_penalties_report(clerk):
    assert clerk.get("/hq/penalties").status_code == 403


def test_the_drafts_to_approve_are_paged_with_their_total(hq, engine):
    with make_session_factory(engine)() as session, transaction(session):
        for _ in range(53):
            transfers.create_draft(session, "HQ", "GD1", "WM-PUMP-01", 1, actor="system:optimizer",
                                   reason="raise GD1 to its base-stock target", proposal_run_id="OR000001")
    first = text(hq.get("/hq/transfers"))
    assert "共 53 张调拨单待审批；本页显示第 1-50 张" in first and first.count('class="decide"') == 50
    assert "补足 GD1 的基础库存目标" in first and "系统（优化器）" in first
    second = text(hq.get("/hq/transfers?page=2"))
    assert "本页显示第 51-53 张" in second and second.count('class="decide"') == 3
    assert "共 53 张" in text(hq.get("/hq/transfers?run=OR000001"))
    assert "张调拨单待审批" not in text(hq.get("/hq/transfers?run=OR000002"))


def test_after_a_refused_draft_the_pager_still_leads_to_the_list(hq, engine):
    with make_session_factory(engine)() as session, transaction(session):
        for _ in range(51):
            transfers.create_draft(session, "HQ", "GD1", "WM-PUMP-01", 1, actor="system:optimizer",
                                   reason="raise GD1 to its base-stock target", proposal_run_id="OR000001")
    refused = hq.post("/hq/transfers/new", {"draft-from_warehouse": "HQ", "draft-to_warehouse": "HQ"},
                      token_from="/hq/transfers")
    assert refused.status_code == 422
    assert 'href="/hq/transfers?page=2"' in text(refused)
    past = text(hq.get("/hq/transfers?page=9"))
    assert "本页显示" not in past and 'href="/hq/transfers?page=2"' in past
