"""A warehouse's bins on its pages (set by its clerk, imported from a spreadsheet, refused when
bad) and what the clerk prints from them: label sheets and documents whose codes a scanner
reads back as the ids, with their Chinese text in the file."""
from __future__ import annotations

import io
import re

import pytest
from sqlalchemy import select

from inventory.access import Principal
from inventory.db import make_session_factory, transaction
from inventory.requisitions import service as requisitions
from inventory.returns.models import Return
from inventory.warehouses import bins, transfers

from .. import pdfs
from .conftest import submit_requisition, text

IMPORT = "/w/GD1/bins/import"


def bins_at(engine, warehouse="GD1") -> dict[str, str]:
    with make_session_factory(engine)() as session:
        return {r.sku: r.bin for r in bins.list_bins(session, warehouse)[0]}


def set_bins(engine, assignments, warehouse="GD1"):
    with make_session_factory(engine)() as session, transaction(session):
        bins.set_bins(session, warehouse, assignments, actor="test")


def upload(client, data: bytes, name: str = "bins.csv", page: str = IMPORT):
    return client.post(page, {"file": (io.BytesIO(data), name)}, token_from=page, content_type="multipart/form-data")


def is_pdf(response) -> bytes:
    assert response.status_code == 200, text(response)[:300]
    assert response.mimetype == "application/pdf"
    return response.get_data()


# -- bins on the page ------------------------------------------------------------------------------

def test_the_clerk_sets_a_bin_then_clears_it(clerk, engine):
    response = clerk.post("/w/GD1/bins", {"sku": "WM-PUMP-01", "bin": "a-01-02"})
    assert response.status_code == 302
    assert bins_at(engine) == {"WM-PUMP-01": "A-01-02"}
    page = text(clerk.get("/w/GD1/bins"))
    assert "WM-PUMP-01 的库位已设为 A-01-02。" in page and "排水泵" in page
    clerk.post("/w/GD1/bins", {"sku": "WM-PUMP-01", "bin": ""})
    assert bins_at(engine) == {}


@pytest.mark.parametrize("sku, code, field", [("NO-SUCH", "A-01", "sku"), ("WM-PUMP-01", "A 01", "bin"),
                                              ("WM-PUMP-01", "库位1", "bin")])
def test_a_bad_bin_or_sku_is_explained_and_nothing_is_set(clerk, engine, sku, code, field):
    response = clerk.post("/w/GD1/bins", {"sku": sku, "bin": code})
    assert response.status_code == 422
    assert 'id="%s-error"' % field in text(response)
    assert bins_at(engine) == {}


def test_hq_sees_the_bins_but_only_clerks_set_them_and_other_clerks_see_nothing(hq, other_clerk, engine):
    set_bins(engine, {"WM-PUMP-01": "A-01"})
    assert "A-01" in text(hq.get("/w/GD1/bins"))
    assert hq.post("/w/GD1/bins", {"sku": "WM-PUMP-01", "bin": "B-01"}, token_from="/w/GD1/bins").status_code == 403
    assert other_clerk.get("/w/GD1/bins").status_code == 403
    assert other_clerk.get("/w/GD1/labels/bins.pdf").status_code == 403
    assert bins_at(engine) == {"WM-PUMP-01": "A-01"}


# -- bins from a spreadsheet -------------------------------------------------------------------------

def test_a_bin_spreadsheet_is_previewed_then_imported(clerk, engine):
    set_bins(engine, {"WM-PUMP-01": "A-01"})
    page = text(upload(clerk, "仓库,配件编码,库位\nGD1,WM-PUMP-01,B-02\nGD1,AC-REMOTE-01,c-03\n".encode("gb18030")))
    assert "2 行全部正确：新增 1，变更 1，不变 0。" in page
    assert bins_at(engine) == {"WM-PUMP-01": "A-01"}  # nothing until confirmed
    token = re.search(r"/w/GD1/bins/import/([\w-]+)/confirm", page).group(1)
    response = clerk.post(f"{IMPORT}/{token}/confirm", {"confirm-csrf_token": clerk.token(IMPORT)}, csrf=False)
    assert response.status_code == 302
    assert bins_at(engine) == {"WM-PUMP-01": "B-02", "AC-REMOTE-01": "C-03"}


def test_a_bin_spreadsheet_with_bad_rows_names_each_problem_and_changes_nothing(clerk, engine):
    set_bins(engine, {"WM-PUMP-01": "A-01"})
    response = upload(clerk, b"warehouse,sku,bin\n"
                             b"XX9,WM-PUMP-01,B-01\n"      # unknown warehouse
                             b"GD1,NO-SUCH,B-02\n"         # unknown sku
                             b"GD1,AC-REMOTE-01,B 03\n"    # not a bin code
                             b"GD1,WM-MOTOR-01,B-04\n"
                             b"GD1,WM-MOTOR-01,B-05\n"     # the same sku twice
                             b"HB1,WM-PUMP-01,B-06\n")     # another warehouse's
    assert response.status_code == 422
    page = text(response)
    assert "发现 5 个问题" in page
    for expected in ("未知的仓库“XX9”", "未知的配件编码“NO-SUCH”", "库位编码为 1-20 位字母、数字或 '-'",
                     "与第 5 行重复", "此处只能导入 GD1 的库位"):
        assert expected in page, expected
    assert "/confirm" not in page
    assert bins_at(engine) == {"WM-PUMP-01": "A-01"}
    assert bins_at(engine, "HB1") == {}


def test_hq_imports_bins_of_any_warehouse(hq, engine):
    response = hq.post("/hq/import", {"kind": "bins", "file": (io.BytesIO(b"warehouse,sku,bin\nHB1,WM-PUMP-01,H-1\n"),
                                                               "bins.csv")},
                       token_from="/hq/import", content_type="multipart/form-data")
    token = re.search(r"/hq/import/([\w-]+)/confirm", text(response)).group(1)
    hq.post(f"/hq/import/{token}/confirm", {"confirm-csrf_token": hq.token("/hq/import")}, csrf=False)
    assert bins_at(engine, "HB1") == {"WM-PUMP-01": "H-1"}


# -- labels ------------------------------------------------------------------------------------------

def test_bin_and_part_labels_decode_to_the_bin_and_the_sku(clerk, engine):
    set_bins(engine, {"WM-PUMP-01": "A-01-02", "AC-REMOTE-01": "B-01"})
    assert pdfs.codes(is_pdf(clerk.get("/w/GD1/labels/bins.pdf"))) == [("Code128", "A-01-02"), ("Code128", "B-01")]
    sheet = is_pdf(clerk.get("/w/GD1/labels/skus.pdf"))
    assert pdfs.codes(sheet) == [("Code128", "AC-REMOTE-01"), ("Code128", "WM-PUMP-01")]
    assert pdfs.codes(is_pdf(clerk.get("/w/GD1/labels/skus.pdf?sku=WM-PUMP-01"))) == [("Code128", "WM-PUMP-01")]
    assert clerk.get("/w/GD1/labels/skus.pdf?sku=NO-SUCH").status_code == 404


def test_parcel_labels_carry_the_requisitions_of_the_open_picks(clerk, engine):
    first, second = submit_requisition(engine, qty=1), submit_requisition(engine, "AC-REMOTE-01", qty=2)
    assert pdfs.codes(is_pdf(clerk.get("/w/GD1/labels/parcels.pdf"))) == sorted([("QRCode", first), ("QRCode", second)])
    assert pdfs.codes(is_pdf(clerk.get(f"/w/GD1/labels/parcels.pdf?code={second}"))) == [("QRCode", second)]


def _shipped(engine, code: str) -> None:
    with make_session_factory(engine)() as session, transaction(session):
        requisitions.ship(session, "clerk:gd_clerk", code, warehouse="GD1")


def _old_part(engine, code: str) -> str:
    with make_session_factory(engine)() as session:
        req = requisitions.get(session, Principal("hq"), code)
        return session.scalars(select(Return).where(Return.requisition_id == req.id)).one().code


def test_return_labels_and_the_return_note_carry_the_return(clerk, engine):
    code = submit_requisition(engine, qty=1)
    _shipped(engine, code)
    ret = _old_part(engine, code)
    assert pdfs.codes(is_pdf(clerk.get("/w/GD1/labels/returns.pdf"))) == [("QRCode", ret)]
    note = is_pdf(clerk.get(f"/w/GD1/returns/{ret}/note.pdf"))
    assert pdfs.codes(note) == [("QRCode", ret)]
    pdfs.needs_embedded_cjk_font()
    assert "返件单" in pdfs.text(note) and "广州天河特约维修网点" in pdfs.text(note)


def test_a_return_of_another_warehouse_is_not_printed_here(other_clerk, engine):
    code = submit_requisition(engine, qty=1)
    _shipped(engine, code)
    ret = _old_part(engine, code)
    assert other_clerk.get(f"/w/HB1/returns/{ret}/note.pdf").status_code == 404
    assert other_clerk.get("/w/HB1/returns/RT999/note.pdf").status_code == 404
    assert other_clerk.get("/w/HB1/labels/returns.pdf").status_code == 404  # nothing to label there


# -- documents ---------------------------------------------------------------------------------------

def test_the_printed_pick_list_walks_the_open_picks_in_bin_order(clerk, engine):
    pdfs.needs_embedded_cjk_font()
    set_bins(engine, {"WM-PUMP-01": "B-02", "AC-REMOTE-01": "A-01"})
    pump, remote = submit_requisition(engine, qty=1), submit_requisition(engine, "AC-REMOTE-01", qty=2)
    words = pdfs.text(is_pdf(clerk.get("/w/GD1/picks.pdf")))
    assert "拣货单" in words and "广州配件仓" in words
    assert words.index("A-01") < words.index(remote) < words.index("B-02") < words.index(pump)


def test_the_packing_slip_of_a_pick_has_its_qr_and_says_装箱单(clerk, hq, engine):
    set_bins(engine, {"WM-PUMP-01": "B-02"})
    code = submit_requisition(engine, qty=2)
    slip = is_pdf(clerk.get(f"/w/GD1/picks/{code}/packing-slip.pdf"))
    assert pdfs.codes(slip) == [("QRCode", code)]
    assert is_pdf(hq.get(f"/w/GD1/picks/{code}/packing-slip.pdf"))
    assert clerk.get("/w/GD1/picks/R99999/packing-slip.pdf").status_code == 404
    assert hq.get(f"/w/HB1/picks/{code}/packing-slip.pdf").status_code == 404  # nothing of it ships from HB1
    pdfs.needs_embedded_cjk_font()
    words = pdfs.text(slip)
    assert "装箱单" in words and "B-02" in words and "排水泵" in words


def test_the_transfer_note_has_the_transfers_qr_at_both_ends(clerk, engine, app):
    with make_session_factory(engine)() as session, transaction(session):
        transfer = transfers.create_draft(session, "GD1", "HB1", "WM-PUMP-01", 3, actor="hq:boss", reason="补货")
        tid = transfer.id
    note = is_pdf(clerk.get(f"/w/GD1/transfers/{tid}/note.pdf"))
    assert pdfs.codes(note) == [("QRCode", tid)]
    from .conftest import signed_in
    assert signed_in(app, "hb_clerk").get(f"/w/HB1/transfers/{tid}/note.pdf").status_code == 200
    assert signed_in(app, "boss").get(f"/w/HQ/transfers/{tid}/note.pdf").status_code == 404
    pdfs.needs_embedded_cjk_font()
    assert "调拨单" in pdfs.text(note) and "武汉配件仓" in pdfs.text(note)


def test_the_clerk_pages_link_to_what_they_print(clerk, engine):
    code = submit_requisition(engine, qty=1)
    picks = text(clerk.get("/w/GD1/picks"))
    for url in ("/w/GD1/picks.pdf", "/w/GD1/labels/parcels.pdf", f"/w/GD1/picks/{code}/packing-slip.pdf"):
        assert url in picks
    _shipped(engine, code)
    assert re.search(r"/w/GD1/returns/RT\d+/note.pdf", text(clerk.get("/w/GD1/returns")))
    assert "/w/GD1/labels/returns.pdf" in text(clerk.get("/w/GD1/returns"))
    assert "/w/GD1/bins" in text(clerk.get("/w/GD1/"))
