"""HQ's purchasing page: approve the plan's proposals, receive deliveries (partly, over with a note),
close short; in Chinese, and closed to clerks."""
from __future__ import annotations

import html

from inventory.warehouses import ledger

from .conftest import text
from .test_refusals import purchase_order


def hq_on_hand(sessions_for) -> int:
    with sessions_for() as session:
        return ledger.get_balance(session, "HQ", "WM-PUMP-01").on_hand


def test_hq_sees_a_proposal_in_chinese_and_approves_it(hq, engine):
    code = purchase_order(engine)
    page = html.unescape(text(hq.get("/hq/purchasing")))
    assert "待审批的采购建议" in page and code in page and "WM-PUMP-01 × 30" in page and "2,400.00" in page
    answer = hq.post(f"/hq/purchasing/{code}/approve", token_from="/hq/purchasing", data={})
    assert answer.status_code == 302
    page = html.unescape(text(hq.get("/hq/purchasing")))
    assert "未完成的订单" in page and "已下单" in page and "没有待审批的采购建议" in page


def _line_field(hq, code) -> str:
    import re

    return re.search(r'name="(qty-\d+)"', hq.get("/hq/purchasing").get_data(as_text=True)).group(1)


def test_a_delivery_goes_on_hand_and_more_than_ordered_needs_a_note(hq, engine, sessions_for):
    code = purchase_order(engine, approve=True)
    qty = _line_field(hq, code)
    partial = hq.post(f"/hq/purchasing/{code}/receive", token_from="/hq/purchasing", data={qty: "20"})
    assert partial.status_code == 302 and hq_on_hand(sessions_for) == 70
    over = hq.post(f"/hq/purchasing/{code}/receive", token_from="/hq/purchasing", data={qty: "15"})
    assert over.status_code == 422 and "比订单多到 5 件" in html.unescape(text(over))
    assert hq_on_hand(sessions_for) == 70
    noted = hq.post(f"/hq/purchasing/{code}/receive", token_from="/hq/purchasing",
                    data={qty: "15", f"in-{code}-note": "供应商多发"})
    assert noted.status_code == 302 and hq_on_hand(sessions_for) == 85


def test_nothing_typed_or_a_bad_number_is_refused_in_words(hq, engine, sessions_for):
    code = purchase_order(engine, approve=True)
    qty = _line_field(hq, code)
    for typed, words in (("", "请至少为一行填写到货数量"), ("-3", "请输入 0 到 1,000,000 之间的整数"),
                         ("2.5", "请输入 0 到 1,000,000 之间的整数"), ("²", "请输入 0 到 1,000,000 之间的整数"),
                         ("9" * 5000, "请输入 0 到 1,000,000 之间的整数")):
        answer = hq.post(f"/hq/purchasing/{code}/receive", token_from="/hq/purchasing", data={qty: typed})
        assert answer.status_code == 422 and words in html.unescape(text(answer))
    assert hq_on_hand(sessions_for) == 50


def test_an_order_closed_short_leaves_the_open_list(hq, engine):
    code = purchase_order(engine, approve=True)
    refused = hq.post(f"/hq/purchasing/{code}/close", token_from="/hq/purchasing", data={})
    assert refused.status_code == 422
    closed = hq.post(f"/hq/purchasing/{code}/close", token_from="/hq/purchasing", data={f"cl-{code}-reason": "停产"})
    assert closed.status_code == 302
    page = html.unescape(text(hq.get("/hq/purchasing")))
    assert "没有未完成的订单" in page and "短少关闭" in page and "停产" in page


def test_a_clerk_cannot_open_or_post_to_the_purchasing_page(clerk, engine):
    code = purchase_order(engine)
    assert clerk.get("/hq/purchasing").status_code in (302, 403)
    assert clerk.post(f"/hq/purchasing/{code}/approve", token_from="/w/GD1/", data={}).status_code in (302, 403)


def test_the_hq_clerk_receives_a_delivery_but_cannot_decide_orders(app, engine, sessions_for):
    from inventory.access import User
    from inventory.db import transaction, utcnow

    from .conftest import FAST_HASH, signed_in

    with sessions_for() as session, transaction(session):
        session.add(User(username="hq_clerk", password_hash=FAST_HASH, role="clerk", warehouse_code="HQ",
                         created_at=utcnow()))
    code = purchase_order(engine, approve=True)
    clerk = signed_in(app, "hq_clerk")
    home = html.unescape(text(clerk.get("/w/HQ/")))
    assert "/w/HQ/purchasing" in clerk.get("/w/HQ/").get_data(as_text=True) and "采购" in home
    page = clerk.get("/w/HQ/purchasing").get_data(as_text=True)
    assert code in page and "/approve" not in page and "/close" not in page
    import re

    field = re.search(r'name="(qty-\d+)"', page).group(1)
    done = clerk.post(f"/w/HQ/purchasing/{code}/receive", {field: "30"}, token_from="/w/HQ/purchasing")
    assert done.status_code == 302 and hq_on_hand(sessions_for) == 80
    assert clerk.post(f"/hq/purchasing/{code}/close", {f"cl-{code}-reason": "x"},
                      token_from="/w/HQ/purchasing").status_code == 403


def test_a_regional_clerk_sees_no_purchasing_and_cannot_receive_hqs_orders(clerk, engine):
    code = purchase_order(engine, approve=True)
    assert "/purchasing" not in clerk.get("/w/GD1/").get_data(as_text=True)
    assert clerk.post(f"/w/GD1/purchasing/{code}/receive", {"x": "1"}, token_from="/w/GD1/").status_code == 404


def test_a_proposal_of_many_lines_shows_its_size_and_supplier_with_the_lines_folded(hq, engine):
    from inventory.db import make_session_factory, transaction
    from inventory.purchasing import service as purchasing
    from inventory.world import load_world

    skus = [f"WM-BELT-{i:02d}" for i in range(35)]
    with make_session_factory(engine)() as session, transaction(session):
        load_world(session, {
            "parts": [{"sku": sku, "name": "皮带", "unit_price": "20.00", "unit_cost": "10.00", "weight_kg": 0.1,
                       "family": "washer"} for sku in skus],
            "suppliers": [{"code": "S7", "name": "宁波皮带厂", "lead_days": 7}],
            "supplier_parts": [{"supplier": "S7", "sku": sku, "unit_price": "10.00"} for sku in skus]})
        code = purchasing.propose(session, {sku: 2 for sku in skus}, actor="hq:boss")[0].code
    page = html.unescape(text(hq.get("/hq/purchasing")))
    row = page[page.index(f'id="po-{code}"'):]
    assert "宁波皮带厂" in row and "35 行，共 70 件" in row and "另有 5 行，请下载查看" in row
    assert "WM-BELT-29 × 2" in row and "WM-BELT-30 × 2" not in row.split("</details>")[0]
