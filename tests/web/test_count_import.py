"""A clerk imports the stock count of their own warehouse: the same preview, confirm or discard as
HQ's import, every row for that warehouse, each count booked through the ledger as the clerk."""
from __future__ import annotations

import io
import re

import pytest

from inventory.access import User
from inventory.db import make_session_factory, transaction, utcnow
from inventory.warehouses.enquiry import movement_history

from .conftest import FAST_HASH, balance, movement_count, signed_in, text

PAGE = "/w/GD1/import"
COUNT = ("warehouse,sku,counted,reason\n"
         "GD1,WM-PUMP-01,11,monthly count\n"  # 10 on the books: +1 is within the cycle count tolerance
         "GD1,AC-REMOTE-01,20,monthly count\n")


def upload(client, data: bytes, name: str = "count.csv", page: str = PAGE):
    return client.post(page, {"file": (io.BytesIO(data), name)}, token_from=page, content_type="multipart/form-data")


def token_of(page: str) -> str:
    return re.search(r"/w/GD1/import/([\w-]+)/confirm", page).group(1)


def confirm(client, token: str, page: str = PAGE):
    return client.post(f"{page}/{token}/confirm", {"confirm-csrf_token": client.token(page)}, csrf=False)


@pytest.fixture
def second_clerk(app, engine):
    """Another clerk of GD1 (the same warehouse as `clerk`)."""
    with make_session_factory(engine)() as session, transaction(session):
        session.add(User(username="gd_clerk2", password_hash=FAST_HASH, role="clerk", warehouse_code="GD1",
                         created_at=utcnow()))
    return signed_in(app, "gd_clerk2")


def test_the_clerk_previews_a_count_then_confirms_it_into_the_ledger_as_themselves(clerk, engine):
    moves = movement_count(engine)
    response = upload(clerk, COUNT.encode())
    assert response.status_code == 200
    page = text(response)
    assert "2 行全部正确：新增 0，变更 1，不变 1。" in page and "+1" in page
    assert "等待总部审批" not in page
    assert balance(engine, "GD1", "WM-PUMP-01")[0] == 10  # nothing until confirmed

    response = confirm(clerk, token_of(page))
    assert response.status_code == 302 and response.headers["Location"] == PAGE
    assert balance(engine, "GD1", "WM-PUMP-01")[0] == 11
    assert balance(engine, "GD1", "AC-REMOTE-01")[0] == 20
    assert movement_count(engine) == moves + 1
    with make_session_factory(engine)() as session:
        move = movement_history(session, warehouse="GD1", kind="adjustment", limit=1).rows[0]
    assert (move.actor, move.on_hand_delta, move.reason) == ("clerk:gd_clerk", 1, "count import: monthly count")
    assert "已导入 count.csv：2 行，写入 1 处变更。" in text(clerk.get(PAGE))


def _waiting(engine):
    from inventory.warehouses import cycle_counts

    with make_session_factory(engine)() as session:
        return [(count.warehouse_code, line.sku, line.counted, line.book, line.note, count.submitted_by)
                for line, count in cycle_counts.awaiting_approval(session)]


def test_counts_beyond_the_tolerance_in_a_clerks_import_wait_for_hq_and_post_nothing(clerk, hq, engine):
    moves = movement_count(engine)
    data = ("warehouse,sku,counted,reason\n"
            "GD1,WM-PUMP-01,12,monthly count\n"      # +2 of 10: beyond 10 %
            "GD1,AC-REMOTE-01,21,monthly count\n")   # +1 of 20: within
    page = text(upload(clerk, data.encode()))
    assert "2 行全部正确：新增 0，变更 1，不变 0。" in page
    assert "1 行实盘与账面的差异超出循环盘点允许范围：导入时不会过账，将等待总部审批。" in page
    response = confirm(clerk, token_of(page))
    assert response.status_code == 302
    assert balance(engine, "GD1", "WM-PUMP-01")[0] == 10
    assert balance(engine, "GD1", "AC-REMOTE-01")[0] == 21
    assert movement_count(engine) == moves + 1
    assert _waiting(engine) == [("GD1", "WM-PUMP-01", 12, 10, "count import: monthly count", "clerk:gd_clerk")]
    after = text(clerk.get(PAGE))
    assert "已导入 count.csv：2 行，写入 1 处变更。" in after
    assert "1 行实盘差异超出循环盘点允许范围，未过账，已提交总部审批。" in after
    # the same sku again while HQ has not decided: a problem on its row, nothing written
    again = upload(clerk, "warehouse,sku,counted,reason\nGD1,WM-PUMP-01,10,recount\n".encode())
    assert again.status_code == 422
    assert "该零件已有盘点差异等待总部审批" in text(again) and "/confirm" not in text(again)
    # HQ's own count import posts at once (HQ approves its own; audited as stock.adjust)
    hq_page = text(hq.post("/hq/import", {"kind": "stock_counts", "file": (io.BytesIO(
        b"warehouse,sku,counted,reason\nGD1,AC-REMOTE-01,40,annual count\n"), "c.csv")},
        token_from="/hq/import", content_type="multipart/form-data"))
    assert "等待总部审批" not in hq_page
    hq_token = re.search(r"/hq/import/([\w-]+)/confirm", hq_page).group(1)
    assert hq.post(f"/hq/import/{hq_token}/confirm", {"confirm-csrf_token": hq.token("/hq/import")},
                   csrf=False).status_code == 302
    assert balance(engine, "GD1", "AC-REMOTE-01")[0] == 40


def test_a_row_for_another_warehouse_is_a_problem_and_nothing_is_written(clerk, engine):
    moves = movement_count(engine)
    data = COUNT + "HB1,WM-PUMP-01,0,monthly count\n"
    response = upload(clerk, data.encode())
    assert response.status_code == 422
    page = text(response)
    assert re.search(r'<td class="n">4</td><td><code>warehouse</code></td><td>只能盘点 GD1 的库存</td>', page)
    assert "/confirm" not in page
    assert balance(engine, "GD1", "WM-PUMP-01")[0] == 10
    assert balance(engine, "HB1", "WM-PUMP-01")[0] == 4
    assert movement_count(engine) == moves


def test_another_clerks_token_is_not_found(clerk, second_clerk, engine):
    token = token_of(text(upload(clerk, COUNT.encode())))
    assert confirm(second_clerk, token).status_code == 404
    assert second_clerk.post(f"{PAGE}/{token}/discard", {}, token_from=PAGE).status_code == 404
    assert balance(engine, "GD1", "WM-PUMP-01")[0] == 10
    assert confirm(clerk, token).status_code == 302  # still the uploader's to confirm


def test_hq_may_look_at_a_warehouses_import_but_not_confirm_one(clerk, hq, engine):
    token = token_of(text(upload(clerk, COUNT.encode())))
    page = hq.get(PAGE)
    assert page.status_code == 200 and "只有本仓仓管员可以盘点。" in text(page)
    response = hq.post(f"{PAGE}/{token}/confirm", {"confirm-csrf_token": hq.token("/hq/")}, csrf=False)
    assert response.status_code == 403
    assert balance(engine, "GD1", "WM-PUMP-01")[0] == 10


def test_a_token_from_hqs_import_is_not_found_at_a_warehouse(clerk, hq, engine):
    hq_page = text(hq.post("/hq/import", {"kind": "stock_counts", "file": (io.BytesIO(COUNT.encode()), "c.csv")},
                           token_from="/hq/import", content_type="multipart/form-data"))
    token = re.search(r"/hq/import/([\w-]+)/confirm", hq_page).group(1)
    assert confirm(clerk, token).status_code == 404


@pytest.mark.parametrize("name, data, message", [
    ("count.xlsx", b"not a zip", "不是可读取的 XLSX 工作簿"),
    ("count.csv", "warehouse,sku\nGD1,WM-PUMP-01\n".encode(), "缺少必填列"),
    ("count.csv", b"warehouse,sku,counted,reason\n", "文件只有表头，没有数据"),
    ("count.pdf", b"%PDF", "只能导入 .csv 和 .xlsx 文件"),
])
def test_a_broken_file_is_explained_and_nothing_is_written(clerk, engine, name, data, message):
    moves = movement_count(engine)
    response = upload(clerk, data, name)
    assert response.status_code == 422
    assert message in text(response)
    assert movement_count(engine) == moves


def test_discarding_writes_nothing(clerk, engine):
    token = token_of(text(upload(clerk, COUNT.encode())))
    response = clerk.post(f"{PAGE}/{token}/discard", {"confirm-csrf_token": clerk.token(PAGE)}, csrf=False)
    assert response.status_code == 302
    assert confirm(clerk, token).status_code == 404
    assert balance(engine, "GD1", "WM-PUMP-01")[0] == 10


def test_the_clerks_warehouse_pages_link_to_the_count_import(clerk):
    assert f'href="{PAGE}"' in text(clerk.get("/w/GD1/"))
    assert f'href="{PAGE}"' in text(clerk.get("/w/GD1/count"))


def test_the_import_page_speaks_english_too(clerk):
    page = text(clerk.get(f"{PAGE}?lang=en"))
    assert "Import a stock count" in page and "every row is for GD1" in page
