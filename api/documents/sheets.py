"""The warehouse's documents on A4: pick list (拣货单), packing slip (装箱单), transfer note
(调拨单) and return note (返件单). Chinese first, as the floor reads them, with the English name
under each title; every document but the pick list carries its id as a QR code."""
from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import datetime

from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from inventory.business_calendar import BUSINESS_TZ as BEIJING

from .pdf import Fonts, draw_qr, draw_text, fonts, markup

MARGIN = 15 * mm
QR_SIZE = 30 * mm


def beijing(moment: datetime | None) -> str:
    return moment.astimezone(BEIJING).strftime("%Y-%m-%d %H:%M") if moment else "—"


# -- what the documents print ------------------------------------------------------------------

@dataclass(frozen=True)
class PickLine:
    bin: str | None
    sku: str
    name: str
    qty: int
    requisition: str
    service_point: str
    promised_by: datetime


@dataclass(frozen=True)
class PickList:
    warehouse: str
    warehouse_name: str
    printed_at: datetime
    lines: list[PickLine]


@dataclass(frozen=True)
class SlipLine:
    line_no: int
    sku: str
    name: str
    qty: int
    warehouse: str
    bin: str | None
    in_warranty: bool


@dataclass(frozen=True)
class PackingSlip:
    requisition: str
    status: str
    ship_to: str
    ship_to_name: str
    ticket: str | None
    dealer: str | None
    created_at: datetime
    printed_at: datetime
    warehouses: tuple[str, ...]  # the parcels' senders
    lines: list[SlipLine] = field(default_factory=list)


@dataclass(frozen=True)
class TransferNote:
    transfer: str
    status: str
    from_warehouse: str
    from_name: str
    to_warehouse: str
    to_name: str
    sku: str
    name: str
    qty: int
    qty_received: int
    reason: str
    created_at: datetime
    shipped_at: datetime | None
    printed_at: datetime
    bin_from: str | None = None
    bin_to: str | None = None


@dataclass(frozen=True)
class ReturnNote:
    code: str
    kind: str  # old_part or unused
    status: str
    requisition: str
    service_point: str
    service_point_name: str
    warehouse: str
    warehouse_name: str
    sku: str
    name: str
    qty: int
    reason: str
    due_by: datetime | None
    outcome: str | None
    printed_at: datetime


KIND_ZH = {"old_part": "旧件返还", "unused": "未使用件退回"}
STATUS_ZH = {"draft": "待发", "shipped": "已发出", "partially_received": "部分收货", "received": "已收货",
             "closed_with_discrepancy": "短收关闭", "cancelled": "已取消", "rejected": "已驳回",
             "allocated": "已分配", "partially_backordered": "部分缺货", "backordered": "缺货",
             "delivered": "已送达", "expected": "待返还", "inspected": "已检验", "closed": "已关闭",
             "overdue": "逾期"}
OUTCOME_ZH = {"defective_confirmed": "确认故障", "no_fault_found": "未见故障", "wrong_part": "错件"}


# -- the page ------------------------------------------------------------------------------------

class _Header(Flowable):
    """Title (Chinese, then English), facts under it, and the QR code of the document's id."""

    def __init__(self, f: Fonts, title: str, english: str, facts: list[tuple[str, str]], qr: str | None,
                 width: float):
        super().__init__()
        self.f, self.title, self.english, self.facts, self.qr = f, title, english, facts, qr
        self.width = width
        self.height = max(QR_SIZE if qr else 0, 16 + 12 + 12 * ((len(facts) + 1) // 2) + 6)

    def wrap(self, *_args):
        return self.width, self.height

    def draw(self):
        c, top = self.canv, self.height
        draw_text(c, 0, top - 18, self.title, 18, self.f.cjk)
        draw_text(c, 0, top - 31, self.english, 9, self.f.cjk)
        room = self.width - (QR_SIZE + 4 * mm if self.qr else 0)
        for i, (label, value) in enumerate(self.facts):
            x = (i % 2) * room / 2
            y = top - 46 - 12 * (i // 2)
            draw_text(c, x, y, f"{label}: {value}", 9, self.f.cjk, max_width=room / 2 - 4)
        if self.qr:
            draw_qr(c, self.qr, self.width - QR_SIZE, top - QR_SIZE, QR_SIZE)


def _styles(f: Fonts):
    cell = ParagraphStyle("cell", fontName="Helvetica", fontSize=8.5, leading=10.5)
    head = ParagraphStyle("head", parent=cell, fontName="Helvetica-Bold")
    note = ParagraphStyle("note", parent=cell, fontSize=8, textColor=colors.HexColor("#444444"))
    return cell, head, note


def _table(f: Fonts, header: list[str], rows: list[list], widths: list[float], numeric: tuple[int, ...] = ()):
    cell, head, _note = _styles(f)
    number = ParagraphStyle("number", parent=cell, alignment=TA_RIGHT)
    data = [[Paragraph(markup(h, f.cjk), head) for h in header]]
    data += [[Paragraph(markup(v, f.cjk), number if col in numeric else cell) for col, v in enumerate(row)]
             for row in rows]
    table = Table(data, colWidths=widths, repeatRows=1)
    table.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#999999")),
                               ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8e8e8")),
                               ("VALIGN", (0, 0), (-1, -1), "MIDDLE")]))
    return table


def _signatures(f: Fonts, who: list[str], width: float):
    cell, _head, _note = _styles(f)
    return Table([[Paragraph(markup(f"{w}: ____________  日期: ________", f.cjk), cell) for w in who]],
                 colWidths=[width / len(who)] * len(who))


def _build(f: Fonts, title: str, flowables: list) -> bytes:
    buffer = io.BytesIO()

    def footer(canvas, doc):
        canvas.saveState()
        draw_text(canvas, MARGIN, 8 * mm, f"{title} · 第 {doc.page} 页", 7.5, f.cjk)
        canvas.restoreState()

    doc = SimpleDocTemplate(buffer, pagesize=A4, leftMargin=MARGIN, rightMargin=MARGIN, topMargin=MARGIN,
                            bottomMargin=MARGIN, title=title, creator="parts-service", pageCompression=1)
    doc.build(flowables, onFirstPage=footer, onLaterPages=footer)
    return buffer.getvalue()


def _width() -> float:
    return A4[0] - 2 * MARGIN


# -- the documents -------------------------------------------------------------------------------

def pick_list(doc: PickList, *, font: str | None = None) -> bytes:
    """The warehouse's open picks, one row per requisition line, walked in bin order (lines
    without a bin last), so a picker passes each shelf once."""
    f = fonts(font)
    lines = sorted(doc.lines, key=lambda l: (l.bin is None, l.bin or "", l.sku, l.promised_by, l.requisition))
    facts = [("仓库 Warehouse", f"{doc.warehouse} {doc.warehouse_name}"), ("打印时间 Printed", beijing(doc.printed_at)),
             ("行数 Lines", str(len(lines))), ("件数 Units", str(sum(l.qty for l in lines)))]
    rows = [[l.bin or "未设库位", l.sku, l.name, l.qty, l.requisition, l.service_point, beijing(l.promised_by), ""]
            for l in lines]
    w = _width()
    widths = [w * r for r in (0.11, 0.15, 0.22, 0.07, 0.12, 0.1, 0.15, 0.08)]
    table = _table(f, ["库位 Bin", "配件编码 SKU", "名称 Part", "数量 Qty", "申请单 Req.", "网点 Point",
                       "承诺送达 Promised", "已拣 Picked"], rows, widths, numeric=(3,))
    _cell, _head, note = _styles(f)
    empty = Paragraph(markup("没有待拣货的申请单。 Nothing to pick.", f.cjk), note)
    return _build(f, f"拣货单 {doc.warehouse}", [
        _Header(f, "拣货单", "Pick list", facts, None, w), Spacer(1, 4 * mm), table if rows else empty,
        Spacer(1, 8 * mm), _signatures(f, ["拣货人", "复核人"], w)])


def packing_slip(doc: PackingSlip, *, font: str | None = None) -> bytes:
    """What the parcel holds, for the point that opens it; the QR carries the requisition's id."""
    f = fonts(font)
    facts = [("申请单 Requisition", doc.requisition), ("状态 Status", STATUS_ZH.get(doc.status, doc.status)),
             ("收货网点 Ship to", f"{doc.ship_to} {doc.ship_to_name}"), ("工单 Ticket", doc.ticket or "—"),
             ("发货仓 From", ", ".join(doc.warehouses) or "—"), ("经销商 Dealer", doc.dealer or "—"),
             ("下单时间 Ordered", beijing(doc.created_at)), ("打印时间 Printed", beijing(doc.printed_at))]
    rows = [[l.line_no, l.sku, l.name, l.qty, l.warehouse, l.bin or "—", "保内" if l.in_warranty else "保外"]
            for l in doc.lines]
    w = _width()
    widths = [w * r for r in (0.07, 0.18, 0.3, 0.08, 0.1, 0.13, 0.14)]
    table = _table(f, ["行 Line", "配件编码 SKU", "名称 Part", "数量 Qty", "发货仓 From", "库位 Bin",
                       "保修 Warranty"], rows, widths, numeric=(0, 3))
    _cell, _head, note = _styles(f)
    units = sum(l.qty for l in doc.lines)
    return _build(f, f"装箱单 {doc.requisition}", [
        _Header(f, "装箱单", "Packing slip", facts, doc.requisition, w), Spacer(1, 4 * mm), table,
        Spacer(1, 2 * mm), Paragraph(markup(f"合计 {units} 件。收货时请扫描右上角二维码确认。 "
                                            f"{units} units; scan the QR code to confirm receipt.", f.cjk), note),
        Spacer(1, 10 * mm), _signatures(f, ["发货人", "收货人"], w)])


def transfer_note(doc: TransferNote, *, font: str | None = None) -> bytes:
    """One transfer between warehouses (调拨单); the QR carries the transfer's id."""
    f = fonts(font)
    facts = [("调拨单 Transfer", doc.transfer), ("状态 Status", STATUS_ZH.get(doc.status, doc.status)),
             ("调出仓 From", f"{doc.from_warehouse} {doc.from_name}"), ("调入仓 To", f"{doc.to_warehouse} {doc.to_name}"),
             ("创建 Created", beijing(doc.created_at)), ("发出 Shipped", beijing(doc.shipped_at)),
             ("打印时间 Printed", beijing(doc.printed_at)), ("原因 Reason", doc.reason or "—")]
    w = _width()
    rows = [[doc.sku, doc.name, doc.qty, doc.qty_received, doc.bin_from or "—", doc.bin_to or "—"]]
    widths = [w * r for r in (0.2, 0.3, 0.1, 0.12, 0.14, 0.14)]
    table = _table(f, ["配件编码 SKU", "名称 Part", "数量 Qty", "已收 Received", "调出库位 Bin from",
                       "调入库位 Bin to"], rows, widths, numeric=(2, 3))
    return _build(f, f"调拨单 {doc.transfer}", [
        _Header(f, "调拨单", "Transfer note", facts, doc.transfer, w), Spacer(1, 4 * mm), table,
        Spacer(1, 10 * mm), _signatures(f, ["发货人", "承运人", "收货人"], w)])


def return_note(doc: ReturnNote, *, font: str | None = None) -> bytes:
    """One return parcel (返件单): what comes back, from whom, why; the QR carries its id."""
    f = fonts(font)
    facts = [("返件单 Return", doc.code), ("类型 Kind", KIND_ZH.get(doc.kind, doc.kind)),
             ("状态 Status", STATUS_ZH.get(doc.status, doc.status)), ("申请单 Requisition", doc.requisition),
             ("网点 From", f"{doc.service_point} {doc.service_point_name}"),
             ("收货仓 To", f"{doc.warehouse} {doc.warehouse_name}"), ("应返日期 Due by", beijing(doc.due_by)),
             ("打印时间 Printed", beijing(doc.printed_at))]
    w = _width()
    rows = [[doc.sku, doc.name, doc.qty, doc.reason or "—", OUTCOME_ZH.get(doc.outcome or "", "—")]]
    widths = [w * r for r in (0.2, 0.26, 0.1, 0.26, 0.18)]
    table = _table(f, ["配件编码 SKU", "名称 Part", "数量 Qty", "原因 Reason", "检验结果 Outcome"], rows, widths,
                   numeric=(2,))
    return _build(f, f"返件单 {doc.code}", [
        _Header(f, "返件单", "Return note", facts, doc.code, w), Spacer(1, 4 * mm), table,
        Spacer(1, 10 * mm), _signatures(f, ["寄件人", "收件人", "检验人"], w)])
