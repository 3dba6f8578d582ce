"""A monthly statement as an XLSX workbook or CSV (`exports`), in the page's language: a summary
whose totals are the statement's, then one table per kind of line, money as exact decimals."""
from __future__ import annotations

from flask_babel import gettext as _

from inventory.statements import Statement

from .exports import Column, Table


def _columns(*spec) -> list[Column]:
    return [Column(header, kind) for header, kind in spec]


def tables(s: Statement, labels: dict) -> list[Table]:
    """The statement's tables; `labels` are the page's words for tiers, visit kinds and charges."""
    t = s.totals()
    yes, no = _("in warranty"), _("out of warranty")
    summary = [
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
    return [
        Table(_("Summary"), _columns((_("Item"), "text"), (_("Value"), "auto")), summary),
        Table(_("Parts"), _columns((_("Requisition"), "text"), (_("Line"), "int"), (_("Ticket"), "text"),
                                   (_("SKU"), "text"), (_("Name"), "text"), (_("Quantity"), "int"),
                                   (_("Warranty"), "text"), (_("Point's price"), "money"), (_("Value"), "money"),
                                   (_("Customer's price"), "money"), (_("To collect"), "money")),
              [(p.requisition, p.line, p.ticket, p.sku, p.name, p.qty, yes if p.in_warranty else no, p.unit_price,
                p.value, p.customer_price, p.to_collect) for p in s.parts]),
        Table(_("Visit fees"), _columns((_("Ticket"), "text"), (_("Requisition"), "text"), (_("Kind"), "text"),
                                        (_("City tier"), "text"), (_("Amount"), "money")),
              [(f.ticket, f.requisition, str(labels["visit_label"](f.kind)), str(labels["tier_label"](f.city_tier)),
                f.amount) for f in s.visit_fees]),
        Table(_("Return charges"), _columns((_("Return"), "text"), (_("Requisition"), "text"), (_("Ticket"), "text"),
                                            (_("SKU"), "text"), (_("Quantity"), "int"), (_("Kind"), "text"),
                                            (_("When"), "datetime"), (_("Amount"), "money")),
              [(c.return_code, c.requisition, c.ticket, c.sku, c.qty, str(labels["charge_label"](c.kind)), c.at,
                c.amount) for c in s.return_charges]),
        Table(_("Overcharge penalties"), _columns(
            (_("Penalty"), "text"), (_("Ticket"), "text"), (_("Charged"), "money"), (_("Allowed"), "money"),
            (_("Excess"), "money"), (_("Multiple"), "int"), (_("Penalty (RMB)"), "money"),
            (_("How it was verified"), "text"), (_("When"), "datetime")),
              [(o.code, o.ticket, o.charged, o.allowed, o.excess, o.multiple, o.amount, o.note, o.recorded_at)
               for o in s.overcharges]),
        Table(_("Repair fees held"), _columns((_("Ticket"), "text"), (_("Return"), "text"), (_("SKU"), "text"),
                                              (_("Quantity"), "int"), (_("Due by"), "datetime"), (_("Value"), "money")),
              [(h.ticket, p.return_code, p.sku, p.qty, p.due_by, p.value) for h in s.held for p in h.old_parts]),
    ]
