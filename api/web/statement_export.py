"""A monthly statement as an XLSX workbook (openpyxl), in the page's language: a summary sheet
whose totals are the statement's, then one sheet per kind of line, money as exact decimals."""
from __future__ import annotations

import io
from decimal import Decimal

from flask_babel import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font

from inventory.statements import Statement

MONEY = "#,##0.00"


def _sheet(book: Workbook, title: str, header: list[str], rows: list[list], money_columns: set[int]) -> None:
    sheet = book.create_sheet(title)
    sheet.append(header)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append(row)
    for column in money_columns:
        for (cell,) in sheet.iter_rows(min_row=2, min_col=column, max_col=column):
            cell.number_format = MONEY
    sheet.freeze_panes = "A2"


def _when(value) -> str:
    return "" if value is None else value.strftime("%Y-%m-%d %H:%M UTC")


def workbook(s: Statement, labels: dict) -> bytes:
    """The statement's workbook; `labels` are the page's words for tiers, visit kinds and charges."""
    t = s.totals()
    book = Workbook()
    summary = book.active
    summary.title = _("Summary")
    yes, no = _("in warranty"), _("out of warranty")
    rows = [
        (_("Service point"), f"{s.point.code} {s.point.name}"),
        (_("City tier"), str(labels["tier_label"](s.point.city_tier))),
        (_("Month"), s.month),
        (_("Parts in warranty (units)"), t["in_warranty"]["units"]),
        (_("Parts in warranty, at the point's price"), t["in_warranty"]["value"]),
        (_("Parts out of warranty (units)"), t["out_of_warranty"]["units"]),
        (_("Parts out of warranty, at the point's price"), t["out_of_warranty"]["value"]),
        (_("Parts to collect from customers"), t["out_of_warranty"]["to_collect"]),
        (_("Visit fees to collect"), t["visit_fees"]["amount"]),
        (_("To collect from customers"), t["to_collect"]),
        (_("Return charges"), t["return_charges"]),
        (_("Overcharge penalties"), t["overcharge_penalties"]),
        (_("Charged to the point"), t["charges"]),
        (_("Tickets with repair fees held"), t["held"]["tickets"]),
        (_("Old parts awaited (units)"), t["held"]["old_part_units"]),
    ]
    for label, value in rows:
        summary.append([label, value])
        if isinstance(value, Decimal):
            summary.cell(summary.max_row, 2).number_format = MONEY
    summary.column_dimensions["A"].width = 36
    summary.column_dimensions["B"].width = 36
    _sheet(book, _("Parts"), [_("Requisition"), _("Line"), _("Ticket"), _("SKU"), _("Name"), _("Quantity"),
                              _("Warranty"), _("Point's price"), _("Value"), _("Customer's price"), _("To collect")],
           [[p.requisition, p.line, p.ticket or "", p.sku, p.name, p.qty, yes if p.in_warranty else no,
             p.unit_price, p.value, p.customer_price, p.to_collect] for p in s.parts], {8, 9, 10, 11})
    _sheet(book, _("Visit fees"), [_("Ticket"), _("Requisition"), _("Kind"), _("City tier"), _("Amount")],
           [[f.ticket, f.requisition, str(labels["visit_label"](f.kind)), str(labels["tier_label"](f.city_tier)),
             f.amount] for f in s.visit_fees], {5})
    _sheet(book, _("Return charges"), [_("Return"), _("Requisition"), _("Ticket"), _("SKU"), _("Quantity"),
                                       _("Kind"), _("When"), _("Amount")],
           [[c.return_code, c.requisition, c.ticket or "", c.sku, c.qty, str(labels["charge_label"](c.kind)),
             _when(c.at), c.amount] for c in s.return_charges], {8})
    _sheet(book, _("Overcharge penalties"), [_("Penalty"), _("Ticket"), _("Charged"), _("Allowed"), _("Excess"),
                                             _("Multiple"), _("Penalty (RMB)"), _("How it was verified"), _("When")],
           [[o.code, o.ticket or "", o.charged, o.allowed, o.excess, o.multiple, o.amount, o.note,
             _when(o.recorded_at)] for o in s.overcharges], {3, 4, 5, 7})
    _sheet(book, _("Repair fees held"), [_("Ticket"), _("Return"), _("SKU"), _("Quantity"), _("Due by"),
                                         _("Value")],
           [[h.ticket, p.return_code, p.sku, p.qty, _when(p.due_by), p.value] for h in s.held for p in h.old_parts],
           {6})
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
