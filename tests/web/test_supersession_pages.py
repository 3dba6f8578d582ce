"""Replaced part numbers on the web: HQ's page sets and removes them (refusals in Chinese), the
part page shows the chain, and a spreadsheet of them is previewed with every bad row named and
nothing written until it is clean and confirmed."""
from __future__ import annotations

import re

from sqlalchemy import select

from inventory import audit
from inventory.db import make_session_factory
from inventory.supersession import Supersession

from .conftest import text
from .test_import import confirm, upload, xlsx

PUMP, MOTOR, REMOTE = "WM-PUMP-01", "WM-MOTOR-01", "AC-REMOTE-01"


def rows(engine):
    with make_session_factory(engine)() as session:
        return sorted(tuple(r) for r in session.execute(
            select(Supersession.old_sku, Supersession.new_sku, Supersession.two_way)).all())


def problems(page: str) -> set[tuple[str, str, str]]:
    return set(re.findall(r'<tr><td class="n">(\d+)</td><td><code>([\w-]+)</code></td><td>([^<]+)</td>', page))


def test_a_file_with_bad_rows_lists_every_problem_in_chinese_and_changes_nothing(hq, engine):
    data = ("旧配件编码,新配件编码,双向互换\n"
            f"{PUMP},{MOTOR},否\n"
            f"{MOTOR},{PUMP},否\n"
            f"{REMOTE},{REMOTE},\n"
            f"NO-SUCH-SKU,{PUMP},\n"
            f"{PUMP},{REMOTE},也许\n").encode("gb18030")
    response = upload(hq, "supersessions", "替代件.csv", data)
    assert response.status_code == 422
    found = problems(text(response))
    assert ("3", "new_sku", "会形成循环替代（WM-MOTOR-01 → WM-PUMP-01 → WM-MOTOR-01）；可相互替代的配件请设为一对双向互换") in found
    assert ("4", "new_sku", "配件不能替代自身") in found
    assert ("5", "old_sku", "未知的配件编码“NO-SUCH-SKU”") in found
    assert {("6", "old_sku"), ("6", "two_way")} <= {(r, c) for r, c, _ in found}
    assert all(re.search(r"[\u4e00-\u9fff]", message) for _, _, message in found)
    assert "导入这些行" not in text(response)
    assert rows(engine) == []


def test_a_good_workbook_is_previewed_then_sets_the_chain_at_once(hq, engine):
    data = xlsx([["old_sku", "new_sku", "two_way"], [PUMP, MOTOR, "否"], [MOTOR, REMOTE, "是"]])
    response = upload(hq, "supersessions", "chain.xlsx", data)
    assert response.status_code == 200, text(response)[-2000:]
    page = text(response)
    assert "新增 2，变更 0" in page and "旧配件编码" in page
    assert rows(engine) == []  # nothing until confirmed
    assert confirm(hq, page).status_code == 302
    assert rows(engine) == [(MOTOR, REMOTE, True), (PUMP, MOTOR, False)]
    with make_session_factory(engine)() as session:
        assert audit.entries(session, action="catalog.supersession")[-1].details["source"] == "spreadsheet"


def test_hq_sets_a_replacement_on_its_page_and_the_part_page_shows_it(hq, engine):
    response = hq.post("/hq/supersessions", {"old_sku": PUMP, "new_sku": MOTOR}, follow_redirects=True)
    assert response.status_code == 200
    page = text(response)
    assert f"{PUMP} 已由 {MOTOR} 替代。" in page and "替代链末端" in page
    assert rows(engine) == [(PUMP, MOTOR, False)]
    part = text(hq.get(f"/stock/{PUMP}"))
    assert f"已由 {MOTOR} 替代" in part and f"{PUMP} → {MOTOR}" in part
    assert f"替代 {PUMP}" in text(hq.get(f"/stock/{MOTOR}"))


def test_a_cycle_set_on_the_page_is_refused_in_chinese(hq, engine):
    hq.post("/hq/supersessions", {"old_sku": PUMP, "new_sku": MOTOR})
    response = hq.post("/hq/supersessions", {"old_sku": MOTOR, "new_sku": PUMP}, token_from="/hq/supersessions")
    assert response.status_code == 422 and "会形成循环替代" in text(response)
    assert rows(engine) == [(PUMP, MOTOR, False)]


def test_hq_removes_a_replacement(hq, engine):
    hq.post("/hq/supersessions", {"old_sku": PUMP, "new_sku": MOTOR, "two_way": "y"})
    assert rows(engine) == [(PUMP, MOTOR, True)]
    response = hq.post("/hq/supersessions/remove", {"old_sku": PUMP}, token_from="/hq/supersessions",
                       follow_redirects=True)
    assert f"已取消 {PUMP} 的替代。" in text(response) and rows(engine) == []


def test_a_clerk_may_not_open_the_page(clerk):
    assert clerk.get("/hq/supersessions").status_code == 403


def test_hqs_requisition_page_says_which_units_a_successor_serves(hq, engine):
    from inventory.db import transaction
    from inventory.warehouses import ledger

    from .conftest import submit_requisition

    hq.post("/hq/supersessions", {"old_sku": PUMP, "new_sku": REMOTE})  # GD1 holds 20 remotes
    with make_session_factory(engine)() as session, transaction(session):
        for wh in ("GD1", "HQ", "HB1"):
            ledger.reserve(session, wh, PUMP, ledger.available(session, wh, PUMP), actor="test")
    code = submit_requisition(engine, sku=PUMP, qty=2)
    page = text(hq.get(f"/hq/requisitions/{code}"))
    assert f"2 件以替代件 {REMOTE} 发货" in page
