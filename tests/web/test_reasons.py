"""The reasons the domain writes by itself on ledger, transfer and quota rows read in the page's
language (api/web/reasons.py), and so do the names of who did it. The domain writes them here in
its own words, so a reworded form fails instead of showing English on a Chinese page."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from api.web import labels, reasons
from inventory.access import Principal
from inventory.db import make_session_factory, transaction
from inventory.requisitions import service as requisitions
from inventory.warehouses import transfers
from inventory.warehouses.models import StockMovement, Transfer

from .conftest import submit_requisition, text

CJK = re.compile(r"[\u4e00-\u9fff]")
HQ = "hq:boss"


def _in(app, language: str, work):
    with app.test_request_context(headers={"Accept-Language": language}, query_string={"lang": language}):
        return work()


@pytest.mark.parametrize("form", list(reasons.FORMS))
def test_every_form_reads_in_chinese_with_its_values_kept(app, form):
    values = {name: f"V{i}" for i, name in enumerate(re.findall(r"\{(\w+)\}", form))}
    written = form.format(**values)
    chinese = _in(app, "zh", lambda: reasons.reason_label(written))
    assert CJK.search(chinese) and all(value in chinese for value in values.values()), chinese
    assert _in(app, "en", lambda: reasons.reason_label(written)) == written


@pytest.mark.parametrize("typed", ["箱子破损，已拍照", "damaged box", "purchase order",
                                   # sentences that only start like a form: a code has no spaces
                                   "transfer 12 from GD1 arrived wet, 2 boxes crushed",
                                   "old part of ticket T1 customer kept the housing", "requisition for SP0001, urgent"])
def test_a_persons_own_words_stay_as_typed(app, typed):
    assert _in(app, "zh", lambda: reasons.reason_label(typed)) == typed


def test_a_note_after_a_form_is_kept_whole(app):
    chinese = _in(app, "zh", lambda: reasons.reason_label("purchase order PO00000001: 到货 3 箱, 1 箱破损"))
    assert chinese == "采购订单 PO00000001：到货 3 箱, 1 箱破损"


def test_every_reason_the_domain_wrote_in_a_day_reads_in_chinese(app, engine):
    """Opening stock, a requisition reserved, shipped and another cancelled, a transfer shipped,
    received short and closed with a discrepancy: each ledger row's reason, in Chinese."""
    from inventory.purchasing import service as purchasing
    from inventory.requisitions.wrong_part import WrongPart
    from inventory.returns.models import Return

    from .test_refusals import purchase_order

    point = Principal("service_point", "SP0001")
    shipped, cancelled = submit_requisition(engine), submit_requisition(engine, ticket="T-2")
    mis_shipped = submit_requisition(engine, qty=1, ticket="T-3")
    order = purchase_order(engine, approve=True)
    with make_session_factory(engine)() as session, transaction(session):
        requisitions.ship(session, HQ, shipped)
        requisitions.cancel(session, point, cancelled)
        requisitions.ship(session, HQ, mis_shipped)
        requisitions.receive(session, point, mis_shipped, wrong_parts=[WrongPart(line=1, received_sku="AC-REMOTE-01")])
        purchasing.receive(session, order, {"WM-PUMP-01": 30}, actor="clerk:hq_clerk", note="3 cartons")
        draft = transfers.create_draft(session, "HQ", "GD1", "WM-PUMP-01", 5, actor=HQ, reason="")
        transfers.approve_and_ship(session, draft.id, actor=HQ)
        transfers.receive(session, draft.id, 3, actor="clerk:gd_clerk")
        transfers.close_with_discrepancy(session, draft.id, actor="clerk:gd_clerk", note="lost in transit")
    with make_session_factory(engine)() as session:
        written = set(session.scalars(select(StockMovement.reason)))
        written |= {r for r in session.scalars(select(Transfer.reason)) if r}
        written |= {r for r in session.scalars(select(Return.reason)) if r}
        actors = set(session.scalars(select(StockMovement.actor)))
    forms = {reasons._pattern(form).pattern: form for form in reasons.FORMS}
    matched = {form for reason in written for pattern, form in
               ((reasons._pattern(f), f) for f in reasons.FORMS) if pattern.fullmatch(reason)}
    assert {"opening stock (world file)", "requisition", "requisition shipped", "requisition cancelled",
            "transfer {transfer} to {warehouse}", "transfer {transfer} from {warehouse}",
            "discrepancy: {missing} missing on transfer {transfer}: {note}", "old part of ticket {ticket}",
            "wrong part on {requisition} line {line}: the ordered units never left",
            "wrong part on {requisition} line {line}: shipped instead of {sku}",
            "purchase order {order}: {note}"} <= matched, (written, forms)
    for reason in written:
        assert CJK.search(_in(app, "zh", lambda: reasons.reason_label(reason))), reason
    for actor in actors:
        assert CJK.search(_in(app, "zh", lambda: labels.actor_label(actor))), actor


def test_the_ledger_page_names_who_and_why_in_chinese(app, engine, clerk):
    submit_requisition(engine)
    page = text(clerk.get("/w/GD1/movements"))
    assert "申请单" in page and "网点 SP0001" in page
    assert "service_point:SP0001" not in page and "opening stock" not in page


def test_the_destinations_half_of_a_transfer_reads_as_arriving(engine, clerk):
    with make_session_factory(engine)() as session, transaction(session):
        draft = transfers.create_draft(session, "HQ", "GD1", "WM-PUMP-01", 4, actor=HQ, reason="")
        transfers.approve_and_ship(session, draft.id, actor=HQ)
    page = text(clerk.get("/w/GD1/movements?kind=transfer_out"))
    assert "调入在途" in page and f"调拨单 {draft.id} 调往 GD1" in page


def test_the_ledger_filters_by_who_as_the_page_names_them(engine, clerk):
    submit_requisition(engine)
    by_name = text(clerk.get("/w/GD1/movements?actor=SP0001"))
    as_stored = text(clerk.get("/w/GD1/movements?actor=service_point:SP0001"))
    assert "共 1 条流水" in by_name and "共 1 条流水" in as_stored
    assert "共 0 条流水" in text(clerk.get("/w/GD1/movements?actor=SP000"))  # the whole name, not a part of it
