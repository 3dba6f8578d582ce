"""Label sheets and documents are PDFs a scanner reads back: Code 128 of skus and bins, QR of
parcels, returns and transfers, each decoding to exactly the id; their Chinese text is in the
file, in an embedded font."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from reportlab.pdfbase import pdfmetrics

from api.documents import labels, sheets
from api.documents.pdf import FontUnavailable, fonts

from .. import pdfs

NOW = datetime(2026, 12, 5, 2, 30, tzinfo=timezone.utc)


def _slip() -> sheets.PackingSlip:
    return sheets.PackingSlip("R00000042", "allocated", "SP0001", "广州天河特约维修网点", "T-1", "D001", NOW, NOW,
                              ("GD1",), [sheets.SlipLine(1, "WM-PUMP-01", "排水泵", 2, "GD1", "A-01-02", True),
                                         sheets.SlipLine(2, "AC-REMOTE-01", "遥控器", 1, "GD1", None, False)])


def test_sku_and_bin_labels_carry_code_128_that_decodes_to_the_sku_and_the_bin():
    sheet = labels.label_sheet([labels.Label("code128", "WM-PUMP-01", "排水泵", ("库位 A-01-02",)),
                                labels.Label("code128", "A-01-02", "GD1 库位 A-01-02", ("WM-PUMP-01 排水泵",))],
                               title="labels")
    assert pdfs.codes(sheet) == [("Code128", "A-01-02"), ("Code128", "WM-PUMP-01")]


def test_parcel_and_return_labels_carry_a_qr_code_of_their_id():
    sheet = labels.label_sheet([labels.Label("qr", "R00000042", "包裹 发往 SP0001", ("广州天河特约维修网点",)),
                                labels.Label("qr", "RT00000007", "旧件返还", ("WM-PUMP-01 排水泵 × 1",))],
                               title="labels")
    assert pdfs.codes(sheet) == [("QRCode", "R00000042"), ("QRCode", "RT00000007")]


def test_a_full_sheet_of_labels_decodes_every_label_and_the_next_one_starts_a_second_page():
    skus = [f"WM-PART-{n:02d}" for n in range(25)]
    sheet = labels.label_sheet([labels.Label("code128", s, "配件") for s in skus], title="labels")
    assert pdfs.pages(sheet) == 2
    assert [text for _f, text in pdfs.codes(sheet)] == sorted(skus[:24])
    assert pdfs.codes(sheet, page=1) == [("Code128", "WM-PART-24")]


def test_the_packing_slip_says_装箱单_in_an_embedded_font_and_its_qr_is_the_requisition():
    pdfs.needs_embedded_cjk_font()
    slip = sheets.packing_slip(_slip())
    assert pdfs.codes(slip) == [("QRCode", "R00000042")]
    words = pdfs.text(slip)
    for expected in ("装箱单", "广州天河特约维修网点", "排水泵", "保内", "保外", "WM-PUMP-01", "A-01-02"):
        assert expected in words
    face = pdfmetrics.getFont(fonts().cjk).face.name  # the font's PostScript name, as the PDF names it
    assert (face.decode() if isinstance(face, bytes) else face) in pdfs.embedded_fonts(slip)


def test_the_pick_list_walks_the_bins_in_order_with_unbinned_lines_last():
    pdfs.needs_embedded_cjk_font()
    lines = [sheets.PickLine("B-02", "WM-PUMP-01", "排水泵", 2, "R00000001", "SP0001", NOW),
             sheets.PickLine(None, "AC-REMOTE-01", "遥控器", 1, "R00000002", "SP0002", NOW),
             sheets.PickLine("A-01", "WM-MOTOR-01", "洗涤电机", 1, "R00000003", "SP0001", NOW + timedelta(hours=1))]
    words = pdfs.text(sheets.pick_list(sheets.PickList("GD1", "广州配件仓", NOW, lines)))
    assert "拣货单" in words and "广州配件仓" in words
    assert words.index("A-01") < words.index("B-02") < words.index("未设库位")
    assert words.index("WM-MOTOR-01") < words.index("WM-PUMP-01") < words.index("AC-REMOTE-01")


def test_transfer_and_return_notes_carry_their_id_as_qr_and_their_chinese_titles():
    pdfs.needs_embedded_cjk_font()
    transfer = sheets.transfer_note(sheets.TransferNote(
        "TR00000005", "shipped", "HQ", "总部配件中心", "GD1", "广州配件仓", "WM-PUMP-01", "排水泵", 6, 0,
        "补货", NOW, NOW, NOW, "A-01-02", None))
    assert pdfs.codes(transfer) == [("QRCode", "TR00000005")]
    assert "调拨单" in pdfs.text(transfer) and "总部配件中心" in pdfs.text(transfer)
    note = sheets.return_note(sheets.ReturnNote(
        "RT00000007", "old_part", "shipped", "R00000042", "SP0001", "广州天河特约维修网点", "GD1", "广州配件仓",
        "WM-PUMP-01", "排水泵", 1, "保内旧件", NOW, None, NOW))
    assert pdfs.codes(note) == [("QRCode", "RT00000007")]
    assert "返件单" in pdfs.text(note) and "旧件返还" in pdfs.text(note)


def test_a_configured_font_that_cannot_be_embedded_is_a_clear_error(tmp_path):
    missing = str(tmp_path / "nowhere.ttf")
    with pytest.raises(FontUnavailable, match="nowhere.ttf cannot be embedded"):
        sheets.packing_slip(_slip(), font=missing)


def test_without_an_embeddable_font_pages_fall_back_to_the_cid_font(monkeypatch):
    from api.documents import pdf

    monkeypatch.setattr(pdf, "CANDIDATES", ("/nowhere/font.ttf",))
    pdf.fonts.cache_clear()
    try:
        slip = sheets.packing_slip(_slip())
        assert pdf.fonts().cjk == "STSong-Light" and not pdf.fonts().embedded
        assert "装箱单" in pdfs.text(slip)
        assert pdfs.codes(slip) == [("QRCode", "R00000042")]
    finally:
        pdf.fonts.cache_clear()


def test_a_pick_served_by_a_successor_is_printed_as_the_part_on_the_shelf():
    from api.documents.gather import _picked_name
    from api.web.queries import PickLine

    served = PickLine("WM-PUMP-01", "排水泵", 1, 0, ships="WM-PUMP-02")
    assert (served.shelf_sku, _picked_name(served)) == ("WM-PUMP-02", "排水泵（替代 WM-PUMP-01）")
    assert _picked_name(PickLine("WM-PUMP-01", "排水泵", 1, 0)) == "排水泵"
