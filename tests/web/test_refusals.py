"""Domain refusals read in the page's language: Chinese by default, the domain's own English on
request. Every format `api/web/refusals.py` knows is provoked from the domain itself, so a
reworded domain message fails here instead of silently showing English in the Chinese UI."""
from __future__ import annotations

import html
import re
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select

from api.web import refusals
from inventory.access import Principal
from inventory.db import make_session_factory, transaction
from inventory.errors import DomainError
from inventory.policy import set_policy
from inventory.quotas import service as quotas
from inventory.requisitions import service as requisitions
from inventory.requisitions import warranty
from inventory.returns import lifecycle
from inventory.returns.models import Return
from inventory.warehouses import ledger, transfers

from .conftest import submit_requisition, text

ACTOR = "hq:boss"
CLERK = "clerk:gd_clerk"
POINT = Principal("service_point", "SP0001")
WEB = Path(__file__).resolve().parents[2] / "api" / "web"


# -- the world each refusal needs (committed, as a page would find it) ----------------------------

def _commit(engine, work):
    with make_session_factory(engine)() as session, transaction(session):
        return work(session)


def transfer(engine, source="HQ", dest="GD1", qty=4, *, ship=False, received=0, closed=False) -> str:
    def work(s):
        t = transfers.create_draft(s, source, dest, "WM-PUMP-01", qty, actor=ACTOR)
        if ship:
            transfers.approve_and_ship(s, t.id, actor=ACTOR)
        if received:
            transfers.receive(s, t.id, received, actor=CLERK)
        if closed:
            transfers.close_with_discrepancy(s, t.id, actor=CLERK, note="box lost")
        return t.id
    return _commit(engine, work)


def shipped_requisition(engine) -> str:
    code = submit_requisition(engine, qty=1)
    _commit(engine, lambda s: requisitions.ship(s, CLERK, code, warehouse="GD1"))
    return code


def cancelled_requisition(engine) -> str:
    code = submit_requisition(engine, qty=1)
    _commit(engine, lambda s: requisitions.cancel(s, POINT, code))
    return code


def old_part_return(engine, *, received=False, inspected=False, closed=False) -> str:
    """The expected old part of a requisition GD1 shipped, taken as far as asked."""
    requisition = shipped_requisition(engine)

    def work(s):
        row = s.scalars(select(Return).where(Return.requisition_id == requisitions.get(s, POINT, requisition).id)).one()
        if received:
            lifecycle.receive(s, CLERK, row.code, warehouse="GD1")
        if inspected:
            lifecycle.inspect(s, CLERK, row.code, "defective_confirmed", warehouse="GD1")
        if closed:
            lifecycle.close(s, CLERK, row.code, warehouse="GD1")
        return row.code
    return _commit(engine, work)


def refused_by(engine, action) -> DomainError:
    """The refusal `action(session)` meets; nothing it did is kept."""
    with make_session_factory(engine)() as session:
        with pytest.raises(DomainError) as caught:
            action(session)
        session.rollback()
    return caught.value


# -- each format of the table, provoked from the domain -------------------------------------------

def _available(e):
    tid = transfer(e, "HQ", "HB1", qty=999)
    return refused_by(e, lambda s: transfers.approve_and_ship(s, tid, actor=ACTOR))


def _count_below_reserved(e):
    submit_requisition(e, qty=4)
    return refused_by(e, lambda s: ledger.adjust_to_count(s, "GD1", "WM-PUMP-01", 3, actor=CLERK, reason="count"))


def _count_again_while_one_waits_for_hq(e):
    from inventory.policy import Policy
    from inventory.warehouses import cycle_counts

    def direct(counted):
        return lambda s: cycle_counts.direct_counts(s, "GD1", [("WM-PUMP-01", counted, "count")], Policy(), actor=CLERK)

    assert _commit(e, direct(5))[0].waiting  # 5 of 10: beyond the tolerance, it waits for HQ
    return refused_by(e, direct(9))


def _transfer_in(step: str, qty: int = 1, **made):
    def provoke(e):
        tid = transfer(e, **made)
        action = {"ship": lambda s: transfers.approve_and_ship(s, tid, actor=ACTOR),
                  "receive": lambda s: transfers.receive(s, tid, qty, actor=CLERK),
                  "close": lambda s: transfers.close_with_discrepancy(s, tid, actor=CLERK, note="x"),
                  "reject": lambda s: transfers.reject(s, tid, actor=ACTOR, reason="x")}[step]
        return refused_by(e, action)
    return provoke


def _return_in(step: str, **made):
    def provoke(e):
        code = old_part_return(e, **made)
        action = {"receive": lambda s: lifecycle.receive(s, CLERK, code, warehouse="GD1"),
                  "inspect": lambda s: lifecycle.inspect(s, CLERK, code, "no_fault_found", warehouse="GD1"),
                  "close": lambda s: lifecycle.close(s, CLERK, code, warehouse="GD1")}[step]
        return refused_by(e, action)
    return provoke


def _ship_requisition(made):
    def provoke(e):
        code = made(e)
        return refused_by(e, lambda s: requisitions.ship(s, CLERK, code, warehouse="GD1"))
    return provoke


def received_old_part(engine) -> tuple[str, str]:
    """A requisition GD1 shipped whose expected old part GD1 has received: (requisition, return)."""
    code = shipped_requisition(engine)

    def work(s):
        row = s.scalars(select(Return).where(Return.requisition_id == requisitions.get(s, POINT, code).id)).one()
        lifecycle.receive(s, CLERK, row.code, warehouse="GD1")
        return row.code
    return code, _commit(engine, work)


def _override(made, in_warranty: bool, *, first: bool | None = None):
    """HQ overrides line 1 of the requisition `made` makes (after a first override, if given)."""
    def provoke(e):
        code = made(e)
        if first is not None:
            _commit(e, lambda s: warranty.override(s, ACTOR, code, 1, first, "x"))
        return refused_by(e, lambda s: warranty.override(s, ACTOR, code, 1, in_warranty, "x"))
    return provoke


def _ship_scanned(qty: int, scanned: list[str]):
    def provoke(e):
        code = submit_requisition(e, qty=qty)
        return refused_by(e, lambda s: requisitions.ship(s, CLERK, code, warehouse="GD1", scanned=scanned))
    return provoke


def purchase_order(engine, *, approve=False, close=False) -> str:
    """A proposal for 30 pumps from S1 (packs of 10), taken as far as asked."""
    from inventory.purchasing import service as purchasing
    from inventory.world import load_world

    def work(s):
        load_world(s, {"suppliers": [{"code": "S1", "name": "顺德电机厂", "lead_days": 10}],
                       "supplier_parts": [{"supplier": "S1", "sku": "WM-PUMP-01", "unit_price": "80.00",
                                           "pack_size": 10}]})
        code = purchasing.propose(s, {"WM-PUMP-01": 90}, actor=ACTOR)[0].code
        if approve:
            purchasing.approve(s, code, actor=ACTOR)
        if close:
            purchasing.close_short(s, code, actor=ACTOR, reason="x")
        return code
    return _commit(engine, work)


def _purchase_in(step: str, **made):
    def provoke(e):
        from inventory.purchasing import service as purchasing

        code = purchase_order(e, **made)
        action = {"approve": lambda s: purchasing.approve(s, code, actor=ACTOR),
                  "reject": lambda s: purchasing.reject(s, code, actor=ACTOR, reason="x"),
                  "receive": lambda s: purchasing.receive(s, code, {"WM-PUMP-01": 40}, actor=CLERK),
                  "close": lambda s: purchasing.close_short(s, code, actor=ACTOR, reason="x")}[step]
        return refused_by(e, action)
    return provoke


def _plan_asked_for(engine, budget=None):
    from inventory.planning import request_plan

    return lambda s: request_plan(s, actor=ACTOR, trigger="web", budget=budget)


def _plan_while_one_is_queued(engine) -> DomainError:
    _commit(engine, _plan_asked_for(engine))
    return refused_by(engine, _plan_asked_for(engine))


def _unlock_what_is_not_locked(s):
    from inventory import signin
    from inventory.db import utcnow

    return signin.unlock(s, signin.DbStore(s), signin.USER, "gd_clerk", actor=ACTOR, now=utcnow())


def _month_beyond_the_calendar(s):
    from inventory.policy import Policy
    from inventory.tickets.report import penalties_for_month

    return penalties_for_month(s, "2100-01", Policy())


def _month_not_begun(s):
    from inventory.policy import Policy
    from inventory.tickets.report import penalties_for_month

    return penalties_for_month(s, "2099-12", Policy())


def _ship_a_proposal_as_a_clerk(e):
    tid = _commit(e, lambda s: transfers.create_draft(s, "GD1", "HB1", "WM-PUMP-01", 2, actor=ACTOR,
                                                      proposal_run_id="run-1").id)
    return refused_by(e, lambda s: transfers.ship_own_draft(s, tid, actor=CLERK))


PROVOKE = {
    "cannot approve purchase order %(order)s: it is %(status)s": _purchase_in("approve", approve=True),
    "cannot reject purchase order %(order)s: it is %(status)s": _purchase_in("reject", approve=True),
    "cannot receive against purchase order %(order)s: it is %(status)s": _purchase_in("receive", approve=True,
                                                                                       close=True),
    "cannot close purchase order %(order)s: it is %(status)s": _purchase_in("close", approve=True, close=True),
    "%(extra)s more of %(sku)s than ordered: say why to accept it": _purchase_in("receive", approve=True),
    "%(warehouse)s has fewer than %(qty)s of %(sku)s available": _available,
    "counted %(counted)s but %(reserved)s of %(sku)s are reserved at %(warehouse)s; release or re-plan them first":
        _count_below_reserved,
    "a count of %(sku)s at %(warehouse)s already waits for HQ (cycle count %(count)s); HQ decides it first":
        _count_again_while_one_waits_for_hq,
    "a stock adjustment needs a reason":
        lambda e: refused_by(e, lambda s: ledger.adjust_to_count(s, "GD1", "WM-PUMP-01", 3, actor=CLERK, reason=" ")),
    "cannot ship transfer %(transfer)s: it is %(status)s": _transfer_in("ship", ship=True),
    "cannot receive transfer %(transfer)s: it is %(status)s": _transfer_in("receive", ship=True, received=4),
    "cannot close transfer %(transfer)s: it is %(status)s": _transfer_in("close", ship=True, received=4),
    "cannot reject transfer %(transfer)s: it is %(status)s": _transfer_in("reject", ship=True),
    "transfer %(transfer)s is an optimizer proposal; it ships once HQ approves it": _ship_a_proposal_as_a_clerk,
    "transfer %(transfer)s has only %(outstanding)s outstanding, cannot receive %(qty)s":
        _transfer_in("receive", qty=9, ship=True),
    "a transfer cannot go from %(warehouse)s to itself":
        lambda e: refused_by(e, lambda s: transfers.create_draft(s, "HQ", "HQ", "WM-PUMP-01", 1, actor=ACTOR)),
    "requisition %(requisition)s has nothing reserved to ship from %(warehouse)s": _ship_requisition(shipped_requisition),
    "requisition %(requisition)s is cancelled": _ship_requisition(cancelled_requisition),
    "line %(line)s of %(requisition)s is already in warranty": _override(lambda e: submit_requisition(e, qty=1), True),
    "line %(line)s of %(requisition)s is already out of warranty":
        _override(lambda e: submit_requisition(e, qty=1), False, first=False),
    "the old part of line %(line)s of %(requisition)s is already %(status)s (%(return_code)s); settle that return "
    "before making the line paid": _override(lambda e: received_old_part(e)[0], False),
    "scanned %(sku)s, which requisition %(requisition)s does not ship from %(warehouse)s; put it back":
        _ship_scanned(1, ["WM-MOTOR-01"]),
    "scanned %(scanned)s of %(qty)s × %(sku)s for requisition %(requisition)s; scan each unit once":
        _ship_scanned(2, ["WM-PUMP-01"]),
    "return %(return_code)s is %(status)s; it cannot be received again": _return_in("receive", received=True),
    "return %(return_code)s was already inspected (%(outcome)s)": _return_in("inspect", received=True, inspected=True),
    "return %(return_code)s is %(status)s; receive it before inspecting": _return_in("inspect"),
    "return %(return_code)s is %(status)s; only an inspected return can be closed": _return_in("close", received=True),
    "amount must be between 0.00 and %(most)s":
        lambda e: refused_by(e, lambda s: quotas.raise_limit(s, "D001", Decimal("1e12"), actor=ACTOR, reason="x")),
    "new limit %(new)s is not above the current %(current)s":
        lambda e: refused_by(e, lambda s: quotas.raise_limit(s, "D001", Decimal("100"), actor=ACTOR, reason="x")),
    "an extension must be more than 0.00":
        lambda e: refused_by(e, lambda s: quotas.grant_extension(s, "D001", Decimal("0"), actor=ACTOR, reason="x")),
    "policy %(key)s: %(value)s is not a valid %(type)s":
        lambda e: refused_by(e, lambda s: set_policy(s, "promise_hours", "two days", actor=ACTOR)),
    "a budget must be more than 0.00 and at most %(most)s RMB":
        lambda e: refused_by(e, _plan_asked_for(e, Decimal("0"))),
    "stock plan run %(run)s is %(status)s; wait for it to finish": _plan_while_one_is_queued,
    "policy %(key)s: %(value)s is less than %(least)s":
        lambda e: refused_by(e, lambda s: set_policy(s, "signin_max_failures", "0", actor=ACTOR)),
    "policy %(key)s: %(value)s is more than %(most)s":
        lambda e: refused_by(e, lambda s: set_policy(s, "target_service_z", "1e9", actor=ACTOR)),
    "policy %(key)s: %(value)s is more than %(other)s (%(other_value)s)":
        lambda e: refused_by(e, lambda s: set_policy(s, "optimizer_value_late", "2000.00", actor=ACTOR)),
    "policy %(key)s: %(value)s has more than two decimal places (RMB to the fen)":
        lambda e: refused_by(e, lambda s: set_policy(s, "fine_point_over_72h", "50.125", actor=ACTOR)),
    "policy %(key)s: %(value)s is less than %(other)s (%(other_value)s)":
        lambda e: refused_by(e, lambda s: set_policy(s, "ticket_seven_day_hours", "48", actor=ACTOR)),
    "%(name)s is not locked": lambda e: refused_by(e, _unlock_what_is_not_locked),
    "month: %(month)s is not a month (YYYY-MM)": lambda e: refused_by(e, _month_beyond_the_calendar),
    "month: %(month)s has not begun": lambda e: refused_by(e, _month_not_begun),
}


def test_every_format_in_the_table_is_provoked_here():
    assert sorted(PROVOKE) == sorted(refusals.MESSAGES.values())


@pytest.mark.parametrize("msgid", refusals.MESSAGES.values())
def test_the_domain_gives_each_refusal_the_code_and_values_the_table_words(engine, keys, msgid):
    error = PROVOKE[msgid](engine)
    assert refusals.MESSAGES.get(error.code) == msgid, f"the domain now says {error.code!r} for {error.message!r}"
    words = {name: str(value) for name, value in error.values.items()}
    assert msgid % words == error.message  # the template and the domain's English say the same


def test_a_refusal_the_table_does_not_know_is_shown_as_the_domain_said_it(app, engine, keys):
    error = refused_by(engine, lambda s: transfers.create_draft(s, "HQ", "XX9", "WM-PUMP-01", 1, actor=ACTOR))
    with app.test_request_context("/?lang=zh"):
        assert refusals.refusal(error) == error.message == "no warehouse XX9"


def test_codes_inside_a_refusal_are_put_in_words_too(app, engine, keys):
    error = PROVOKE["policy %(key)s: %(value)s is not a valid %(type)s"](engine)
    with app.test_request_context("/?lang=zh"):
        assert refusals.refusal(error) == "策略 promise_hours：'two days' 不是有效的整数"


def test_views_show_refusals_only_through_the_table():
    """`error.message` is English; a page that shows it directly bypasses the translation."""
    showing = [path.name for path in WEB.glob("*.py")
               if path.name != "refusals.py" and re.search(r"\.message\b", path.read_text())]
    assert showing == []


# -- the same refusals, met on the pages (Chinese by default) -------------------------------------

def page(response) -> str:
    return html.unescape(text(response))


def _ship_a_proposal_on_the_page(clerk, hq, engine):
    tid = _commit(engine, lambda s: transfers.create_draft(s, "GD1", "HB1", "WM-PUMP-01", 2, actor=ACTOR,
                                                           proposal_run_id="run-1").id)
    return clerk.post(f"/w/GD1/transfers/{tid}/ship", {}, token_from="/w/GD1/transfers"), 409, \
        f"调拨单 {tid} 是优化建议，需总部审批后才发运"


def _approve_more_than_the_source_has(clerk, hq, engine):
    tid = transfer(engine, "HQ", "HB1", qty=999)
    return hq.post(f"/hq/transfers/{tid}/approve", {}, token_from="/hq/transfers"), 409, \
        "HQ 的 WM-PUMP-01 可用数量不足 999 件"


def _count_below_what_is_reserved(clerk, hq, engine):
    submit_requisition(engine, qty=4)
    return clerk.post("/w/GD1/count", {"sku": "WM-PUMP-01", "counted": "3", "reason": "count"}), 422, \
        "实盘 3 件，但 GD1 已预留 4 件 WM-PUMP-01；请先释放预留或重新安排"


def _count_again_while_the_first_waits_for_hq(clerk, hq, engine):
    assert clerk.post("/w/GD1/count", {"sku": "WM-PUMP-01", "counted": "5", "reason": "count"}).status_code == 302
    page = text(clerk.get("/w/GD1/count"))
    count = re.search(r"已提交总部审批（循环盘点 (\d+)）", page).group(1)
    return clerk.post("/w/GD1/count", {"sku": "WM-PUMP-01", "counted": "9", "reason": "count"}), 422, \
        f"GD1 的 WM-PUMP-01 已有盘点差异等待总部审批（循环盘点 {count}）；请待总部处理后再盘点"


def _ship_a_transfer_twice(clerk, hq, engine):
    tid = transfer(engine, "GD1", "HB1")
    clerk.post(f"/w/GD1/transfers/{tid}/ship", {}, token_from="/w/GD1/transfers")
    return clerk.post(f"/w/GD1/transfers/{tid}/ship", {}, token_from="/w/GD1/transfers"), 409, \
        f"调拨单 {tid} 无法发运：当前状态为“已发运”"


def _receive_a_transfer_already_received(clerk, hq, engine):
    tid = transfer(engine, ship=True, received=4)
    return clerk.post(f"/w/GD1/transfers/{tid}/receive", {f"recv-{tid}-qty": "1"}, token_from="/w/GD1/transfers"), \
        422, f"调拨单 {tid} 无法收货：当前状态为“已收货”"


def _close_a_transfer_already_closed(clerk, hq, engine):
    tid = transfer(engine, ship=True, received=1, closed=True)
    return clerk.post(f"/w/GD1/transfers/{tid}/close", {f"close-{tid}-note": "lost"}, token_from="/w/GD1/transfers"), \
        422, f"调拨单 {tid} 无法短少关闭：当前状态为“短少关闭”"


def _reject_a_transfer_already_shipped(clerk, hq, engine):
    tid = transfer(engine, ship=True)
    return hq.post(f"/hq/transfers/{tid}/reject", {f"no-{tid}-reason": "no"}, token_from="/hq/transfers"), 422, \
        f"调拨单 {tid} 无法驳回：当前状态为“已发运”"


def _receive_more_than_outstanding(clerk, hq, engine):
    tid = transfer(engine, ship=True)
    return clerk.post(f"/w/GD1/transfers/{tid}/receive", {f"recv-{tid}-qty": "9"}, token_from="/w/GD1/transfers"), \
        422, f"调拨单 {tid} 只有 4 件未收，不能收货 9 件"


def _draft_a_transfer_to_itself(clerk, hq, engine):
    return hq.post("/hq/transfers/new", {"from_warehouse": "HB1", "to_warehouse": "HB1", "sku": "WM-PUMP-01",
                                         "qty": "2"}, token_from="/hq/transfers"), 422, "调出仓和调入仓不能同为 HB1"


def _ship_a_pick_twice(clerk, hq, engine):
    code = shipped_requisition(engine)
    return clerk.post(f"/w/GD1/picks/{code}/ship", {}, token_from="/w/GD1/picks"), 409, \
        f"申请单 {code} 在 GD1 没有可发运的预留库存"


def _ship_a_cancelled_pick(clerk, hq, engine):
    code = cancelled_requisition(engine)
    return clerk.post(f"/w/GD1/picks/{code}/ship", {}, token_from="/w/GD1/picks"), 409, f"申请单 {code} 已取消"


def _ship_a_wrong_part(clerk, hq, engine):
    code = submit_requisition(engine, qty=1)
    return clerk.post(f"/w/GD1/picks/{code}/ship", {"scanned": "WM-MOTOR-01"}, token_from="/w/GD1/picks"), 409, \
        f"扫描到 WM-MOTOR-01，不是申请单 {code} 从 GD1 发运的配件，请放回货架"


def _ship_a_unit_short(clerk, hq, engine):
    code = submit_requisition(engine, qty=2)
    return clerk.post(f"/w/GD1/picks/{code}/ship", {"scanned": "WM-PUMP-01"}, token_from="/w/GD1/picks"), 409, \
        f"申请单 {code} 的 WM-PUMP-01 应发 2 件，已扫描 1 件；请逐件扫描，每件一次"


def _override_on_the_page(hq, code: str, in_warranty: bool):
    """HQ's override of line 1 from the requisition's page; the page it comes back to, with the refusal."""
    url = f"/hq/requisitions/{code}"
    form = {"reason": "x", **({"in_warranty": "y"} if in_warranty else {})}
    assert hq.post(f"{url}/lines/1/warranty", form, token_from=url).status_code == 302
    return hq.get(url)


def _make_a_free_line_free(clerk, hq, engine):
    code = submit_requisition(engine, qty=1)
    return _override_on_the_page(hq, code, True), 200, f"申请单 {code} 第 1 行已是保内"


def _make_a_paid_line_paid(clerk, hq, engine):
    code = submit_requisition(engine, qty=1)
    _commit(engine, lambda s: warranty.override(s, ACTOR, code, 1, False, "x"))
    return _override_on_the_page(hq, code, False), 200, f"申请单 {code} 第 1 行已是保外"


def _make_a_line_paid_once_its_old_part_is_back(clerk, hq, engine):
    code, returned = received_old_part(engine)
    return _override_on_the_page(hq, code, False), 200, \
        f"申请单 {code} 第 1 行的旧件当前状态为“已收货”（退件 {returned}）；请先处理该退件，再改为保外"


def _receive_a_return_twice(clerk, hq, engine):
    code = old_part_return(engine, received=True)
    return clerk.post(f"/w/GD1/returns/{code}/receive", {}, token_from="/w/GD1/returns"), 409, \
        f"退件 {code} 当前状态为“已收货”，不能再次收货"


def _inspect_a_return_twice(clerk, hq, engine):
    code = old_part_return(engine, received=True, inspected=True)
    return clerk.post(f"/w/GD1/returns/{code}/inspect", {f"insp-{code}-outcome": "wrong_part"},
                      token_from="/w/GD1/returns"), 422, f"退件 {code} 已检验过（确认故障）"


def _inspect_a_return_not_received(clerk, hq, engine):
    code = old_part_return(engine)
    return clerk.post(f"/w/GD1/returns/{code}/inspect", {f"insp-{code}-outcome": "wrong_part"},
                      token_from="/w/GD1/returns"), 422, f"退件 {code} 当前状态为“待退回”，请先收货再检验"


def _close_a_return_twice(clerk, hq, engine):
    code = old_part_return(engine, received=True, inspected=True, closed=True)
    return clerk.post(f"/w/GD1/returns/{code}/close", {f"cls-{code}-note": "scrapped"}, token_from="/w/GD1/returns"), \
        422, f"退件 {code} 当前状态为“已关闭”，只有已检验的退件才能关闭"


def _raise_a_limit_beyond_any_amount(clerk, hq, engine):
    return hq.post("/hq/quotas/D001/raise", {"raise-new_limit": "1000000000", "raise-reason": "x"},
                   token_from="/hq/quotas/D001"), 422, "金额必须在 0.00 到 100000000.00 之间"


def _raise_a_limit_below_the_current(clerk, hq, engine):
    return hq.post("/hq/quotas/D001/raise", {"raise-new_limit": "100", "raise-reason": "x"},
                   token_from="/hq/quotas/D001"), 422, "新额度 100.00 不高于当前额度 50000.00"


def _grant_a_zero_extension(clerk, hq, engine):
    return hq.post("/hq/quotas/D001/extend", {"ext-amount": "0", "ext-reason": "x"},
                   token_from="/hq/quotas/D001"), 422, "临时额度必须大于 0.00"


def _set_a_safety_factor_beyond_reason(clerk, hq, engine):
    return hq.post("/hq/policy/target_service_z", {"target_service_z-value": "1e9"}, token_from="/hq/policy"), \
        422, "策略 target_service_z：1000000000 大于允许的最大值 5"


def _fine_a_point_a_fraction_of_a_fen(clerk, hq, engine):
    return hq.post("/hq/policy/fine_point_over_72h", {"fine_point_over_72h-value": "50.125"},
                   token_from="/hq/policy"), 422, "策略 fine_point_over_72h：50.125 超过两位小数（金额精确到分）"


def _value_a_late_line_above_an_on_time_one(clerk, hq, engine):
    return hq.post("/hq/policy/optimizer_value_late", {"optimizer_value_late-value": "2000.00"},
                   token_from="/hq/policy"), 422, "策略 optimizer_value_late：2000.00 大于 optimizer_value_on_time（1000.00）"


def _put_the_seven_day_limit_before_the_three_day_one(clerk, hq, engine):
    return hq.post("/hq/policy/ticket_seven_day_hours", {"ticket_seven_day_hours-value": "48"},
                   token_from="/hq/policy"), 422, "策略 ticket_seven_day_hours：48 小于 ticket_three_day_hours（72）"


def _set_a_sign_in_limit_to_zero(clerk, hq, engine):
    return hq.post("/hq/policy/signin_max_failures", {"signin_max_failures-value": "0"}, token_from="/hq/policy"), \
        422, "策略 signin_max_failures：0 小于允许的最小值 1"


def _unlock_a_name_that_is_not_locked(clerk, hq, engine):
    return hq.post("/hq/sign-in-locks", {"scope": "user", "name": "gd_clerk"}, token_from="/hq/sign-in-locks"), \
        422, "gd_clerk 未被锁定"


def _set_a_policy_to_words(clerk, hq, engine):
    return hq.post("/hq/policy/promise_hours", {"promise_hours-value": "two days"}, token_from="/hq/policy"), 422, \
        "策略 promise_hours：'two days' 不是有效的整数"


def _approve_an_order_twice(clerk, hq, engine):
    code = purchase_order(engine, approve=True)
    return hq.post(f"/hq/purchasing/{code}/approve", {}, token_from="/hq/purchasing"), 409, \
        f"无法批准采购订单 {code}：当前状态为已下单"


def _reject_an_order_already_open(clerk, hq, engine):
    code = purchase_order(engine, approve=True)
    return hq.post(f"/hq/purchasing/{code}/reject", {f"no-{code}-reason": "x"}, token_from="/hq/purchasing"), 422, \
        f"无法驳回采购订单 {code}：当前状态为已下单"


def _receive_against_a_closed_order(clerk, hq, engine):
    import re

    code = purchase_order(engine, approve=True)
    field = re.search(r'name="(qty-\d+)"', hq.get("/hq/purchasing").get_data(as_text=True)).group(1)
    token = hq.token("/hq/purchasing")
    _commit(engine, lambda s: __import__("inventory.purchasing.service", fromlist=["x"]).close_short(
        s, code, actor=ACTOR, reason="x"))
    return hq.post(f"/hq/purchasing/{code}/receive", {field: "5", "csrf_token": token}, csrf=False), 422, \
        f"无法按采购订单 {code} 收货：当前状态为短少关闭"


def _close_an_order_twice(clerk, hq, engine):
    code = purchase_order(engine, approve=True)
    hq.get("/hq/purchasing")
    token = hq.token("/hq/purchasing")
    _commit(engine, lambda s: __import__("inventory.purchasing.service", fromlist=["x"]).close_short(
        s, code, actor=ACTOR, reason="x"))
    return hq.post(f"/hq/purchasing/{code}/close", {f"cl-{code}-reason": "y", "csrf_token": token}, csrf=False), \
        422, f"无法关闭采购订单 {code}：当前状态为短少关闭"


def _receive_more_than_ordered_without_a_note(clerk, hq, engine):
    import re

    code = purchase_order(engine, approve=True)
    field = re.search(r'name="(qty-\d+)"', hq.get("/hq/purchasing").get_data(as_text=True)).group(1)
    return hq.post(f"/hq/purchasing/{code}/receive", {field: "32"}, token_from="/hq/purchasing"), 422, \
        "WM-PUMP-01 比订单多到 2 件：请注明原因后再收货"


def _plan_with_a_budget_beyond_any(clerk, hq, engine):
    return hq.post("/hq/plans", {"budget": "20000000000"}, token_from="/hq/plans"), 422, \
        "预算必须大于 0.00 元且不超过 10,000,000,000 元"


def _plan_while_one_is_being_made(clerk, hq, engine):
    _commit(engine, _plan_asked_for(engine))
    return hq.post("/hq/plans", {"budget": "100"}, token_from="/hq/plans"), 409, \
        "计划运行 SPR000001 排队中，请等待其完成"


ON_PAGES = {
    "cannot approve purchase order %(order)s: it is %(status)s": _approve_an_order_twice,
    "cannot reject purchase order %(order)s: it is %(status)s": _reject_an_order_already_open,
    "cannot receive against purchase order %(order)s: it is %(status)s": _receive_against_a_closed_order,
    "cannot close purchase order %(order)s: it is %(status)s": _close_an_order_twice,
    "%(extra)s more of %(sku)s than ordered: say why to accept it": _receive_more_than_ordered_without_a_note,
    "%(warehouse)s has fewer than %(qty)s of %(sku)s available": _approve_more_than_the_source_has,
    "counted %(counted)s but %(reserved)s of %(sku)s are reserved at %(warehouse)s; release or re-plan them first":
        _count_below_what_is_reserved,
    "a count of %(sku)s at %(warehouse)s already waits for HQ (cycle count %(count)s); HQ decides it first":
        _count_again_while_the_first_waits_for_hq,
    "cannot ship transfer %(transfer)s: it is %(status)s": _ship_a_transfer_twice,
    "cannot receive transfer %(transfer)s: it is %(status)s": _receive_a_transfer_already_received,
    "cannot close transfer %(transfer)s: it is %(status)s": _close_a_transfer_already_closed,
    "cannot reject transfer %(transfer)s: it is %(status)s": _reject_a_transfer_already_shipped,
    "transfer %(transfer)s is an optimizer proposal; it ships once HQ approves it": _ship_a_proposal_on_the_page,
    "transfer %(transfer)s has only %(outstanding)s outstanding, cannot receive %(qty)s":
        _receive_more_than_outstanding,
    "a transfer cannot go from %(warehouse)s to itself": _draft_a_transfer_to_itself,
    "requisition %(requisition)s has nothing reserved to ship from %(warehouse)s": _ship_a_pick_twice,
    "requisition %(requisition)s is cancelled": _ship_a_cancelled_pick,
    "line %(line)s of %(requisition)s is already in warranty": _make_a_free_line_free,
    "line %(line)s of %(requisition)s is already out of warranty": _make_a_paid_line_paid,
    "the old part of line %(line)s of %(requisition)s is already %(status)s (%(return_code)s); settle that return "
    "before making the line paid": _make_a_line_paid_once_its_old_part_is_back,
    "scanned %(sku)s, which requisition %(requisition)s does not ship from %(warehouse)s; put it back": _ship_a_wrong_part,
    "scanned %(scanned)s of %(qty)s × %(sku)s for requisition %(requisition)s; scan each unit once": _ship_a_unit_short,
    "return %(return_code)s is %(status)s; it cannot be received again": _receive_a_return_twice,
    "return %(return_code)s was already inspected (%(outcome)s)": _inspect_a_return_twice,
    "return %(return_code)s is %(status)s; receive it before inspecting": _inspect_a_return_not_received,
    "return %(return_code)s is %(status)s; only an inspected return can be closed": _close_a_return_twice,
    "amount must be between 0.00 and %(most)s": _raise_a_limit_beyond_any_amount,
    "new limit %(new)s is not above the current %(current)s": _raise_a_limit_below_the_current,
    "an extension must be more than 0.00": _grant_a_zero_extension,
    "policy %(key)s: %(value)s is not a valid %(type)s": _set_a_policy_to_words,
    "a budget must be more than 0.00 and at most %(most)s RMB": _plan_with_a_budget_beyond_any,
    "stock plan run %(run)s is %(status)s; wait for it to finish": _plan_while_one_is_being_made,
    "policy %(key)s: %(value)s is less than %(least)s": _set_a_sign_in_limit_to_zero,
    "policy %(key)s: %(value)s is more than %(most)s": _set_a_safety_factor_beyond_reason,
    "policy %(key)s: %(value)s is more than %(other)s (%(other_value)s)": _value_a_late_line_above_an_on_time_one,
    "policy %(key)s: %(value)s has more than two decimal places (RMB to the fen)": _fine_a_point_a_fraction_of_a_fen,
    "policy %(key)s: %(value)s is less than %(other)s (%(other_value)s)":
        _put_the_seven_day_limit_before_the_three_day_one,
    "%(name)s is not locked": _unlock_a_name_that_is_not_locked,
}


def test_every_refusal_a_web_user_can_meet_is_met_on_a_page_here():
    # the forms and the import check ask for a reason before the domain could refuse one; a page's
    # ?period= beyond the calendar (or, for the penalty report, not begun) shows the current month
    # (api.web.periods, test_period_arg.py)
    assert set(refusals.MESSAGES.values()) - set(ON_PAGES) == {"a stock adjustment needs a reason",
                                                               "month: %(month)s is not a month (YYYY-MM)",
                                                               "month: %(month)s has not begun"}


@pytest.mark.parametrize("msgid", list(ON_PAGES))
def test_a_refusal_reads_in_chinese_on_the_page(clerk, hq, engine, msgid):
    response, status, chinese = ON_PAGES[msgid](clerk, hq, engine)
    assert response.status_code == status
    assert chinese in page(response)
    english = max(re.split(r"%\(\w+\)s", msgid), key=len).strip()
    assert english not in page(response)


def test_english_pages_show_the_domain_message_unchanged(hq, engine):
    tid = transfer(engine, "HQ", "HB1", qty=999)
    hq.get("/hq/transfers?lang=en")
    response = hq.post(f"/hq/transfers/{tid}/approve", {}, token_from="/hq/transfers")
    assert response.status_code == 409 and "HQ has fewer than 999 of WM-PUMP-01 available" in page(response)


def test_a_refusal_caught_by_no_view_still_reads_in_chinese(app, engine, keys):
    error = PROVOKE["a stock adjustment needs a reason"](engine)
    with app.test_request_context("/w/GD1/count"):
        from api.web.views import domain_error

        body, status = domain_error(error)
    assert status == 422 and "库存调整必须填写原因" in body and "needs a reason" not in body
