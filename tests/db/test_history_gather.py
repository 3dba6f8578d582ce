"""The fault campaign's checker reads a real database (bench/history.gather): a history the
services carried out has no anomaly, and a second shipment of one transfer is seen as such
(a transfer's ledger rows come in pairs, source and destination, and count once)."""
from __future__ import annotations

from decimal import Decimal

from sqlalchemy import insert

from bench.history import Attempt, History, anomalies, gather
from inventory.access import Principal
from inventory.db import transaction, utcnow
from inventory.policy import Policy
from inventory.requisitions import service as requisitions
from inventory.warehouses import transfers
from inventory.warehouses.models import StockMovement
from inventory.world import load_world

from ..factories import tiny_world

DEALER = Principal("dealer", "D001")


def carried_out(session) -> tuple[History, str, str]:
    """A dealer's submit shipped and received, another cancelled, one transfer approved."""
    with transaction(session):
        load_world(session, tiny_world())
    history, codes = History(), []
    for key in ("k1", "k2"):
        with transaction(session):
            code = requisitions.submit(session, DEALER, ship_to="SP0001", ticket=key, policy=Policy(),
                               lines=[requisitions.LineRequest("WM-PUMP-01", 2)]).code
        history.add(Attempt("submit", key, 201, {"lines": [["WM-PUMP-01", 2]]}, {"id": code}))
        codes.append(code)
    shipped, cancelled = codes
    with transaction(session):
        requisitions.ship(session, "hq", shipped)
        requisitions.receive(session, DEALER, shipped)
        requisitions.cancel(session, DEALER, cancelled)
    with transaction(session):
        tid = transfers.create_draft(session, "HQ", "GD1", "WM-PUMP-01", 3, actor="test").id
        transfers.approve_and_ship(session, tid, actor="hq")
    for op, target in (("ship", shipped), ("receive", shipped), ("cancel", cancelled), ("approve", tid)):
        history.add(Attempt(op, target, 200))
    return history, shipped, tid


def test_what_the_services_did_reads_back_without_anomaly(session):
    history, shipped, _ = carried_out(session)
    facts = gather(session)
    assert anomalies(history, facts) == []
    assert facts.requisitions[shipped].shipped == facts.requisitions[shipped].issued == {"WM-PUMP-01": 2}


def test_a_second_shipment_of_one_transfer_is_found(session):
    history, _, tid = carried_out(session)
    with transaction(session):
        session.execute(insert(StockMovement).values(at=utcnow(), warehouse_code="HQ", sku="WM-PUMP-01",
                                                     kind="transfer_out", on_hand_delta=-3, actor="hq",
                                                     ref_type="transfer", ref_id=tid))
    found = {(a.kind, a.subject) for a in anomalies(history, gather(session))}
    assert ("shipped_twice", f"transfer {tid}") in found


def test_the_checker_reads_one_snapshot_while_others_commit(pg_engine):
    """On PostgreSQL the campaign's checker reads in one REPEATABLE READ, READ ONLY
    transaction: a requisition committed between two of its reads is not half seen (at READ
    COMMITTED the second read would see it and the first not: a false anomaly)."""
    from sqlalchemy import func, select, text

    from bench.history import snapshot_session
    from inventory.db import make_session_factory
    from inventory.requisitions.models import Requisition

    with snapshot_session(pg_engine) as reader:
        assert reader.execute(text("SHOW transaction_isolation")).scalar() == "repeatable read"
        before = reader.scalar(select(func.count()).select_from(Requisition))
        with make_session_factory(pg_engine)() as writer:
            carried_out(writer)                                   # the world and requisitions commit meanwhile
        assert reader.scalar(select(func.count()).select_from(Requisition)) == before
    with make_session_factory(pg_engine)() as fresh:
        assert fresh.scalar(select(func.count()).select_from(Requisition)) > before


def test_sql_quota_sums_agree_with_the_requisitions_they_sum(session):
    """The scoped check compares accounts with sums computed in SQL; on a dealer's shipped,
    received and cancelled requisitions they equal the sums of the requisitions read one by one."""
    from bench.history import quota_want

    carried_out(session)
    facts = gather(session)
    assert facts.quota_want, "the dealer's account is summed"
    python = quota_want(facts.requisitions, facts.extensions)
    assert {k: dict(v) for k, v in facts.quota_want.items()} == {k: dict(v) for k, v in python.items()}
    assert [want["consumed"] for want in facts.quota_want.values()] == [Decimal("250.00")]


def test_a_scoped_check_reads_only_what_changed_and_still_sees_an_old_keys_duplicate(session):
    """After a mark, a check in scope reads the new requisition and what shares its key: a
    second requisition for a key submitted before the mark is a duplicate; the old untouched
    requisitions are not read."""
    from bench.history import in_scope

    history, shipped, _ = carried_out(session)
    mark = gather(session).mark
    with transaction(session):
        again = requisitions.submit(session, DEALER, ship_to="SP0001", ticket="k1", policy=Policy(),
                                    lines=[requisitions.LineRequest("WM-PUMP-01", 2)]).code
    trial = History()
    facts = gather(session, mark, trial)
    assert set(facts.requisitions) == {again, shipped}  # k1's first requisition, not k2's
    found = {(a.kind, a.subject) for a in anomalies(in_scope(history, facts, trial), facts)}
    assert ("duplicate", "submit k1") in found


def test_a_scoped_check_sees_a_second_issue_of_an_old_requisition(session):
    """A ledger row written after the mark brings its requisition into scope, however old."""
    from bench.history import in_scope

    history, shipped, _ = carried_out(session)
    mark = gather(session).mark
    with transaction(session):
        session.execute(insert(StockMovement).values(at=utcnow(), warehouse_code="HQ", sku="WM-PUMP-01",
                                                     kind="issue", on_hand_delta=-2, actor="hq",
                                                     ref_type="requisition", ref_id=shipped))
    trial = History()
    facts = gather(session, mark, trial)
    assert shipped in facts.requisitions
    found = {(a.kind, a.subject) for a in anomalies(in_scope(history, facts, trial), facts)}
    assert ("shipped_twice", f"requisition {shipped}") in found


def test_a_scoped_check_of_a_quiet_trial_finds_what_a_whole_one_finds(session):
    """Nothing changed since the mark: the scope is empty of requisitions, and the check of a
    consistent history is clean, as the whole one is; an acknowledged submit of the trial that
    left nothing is lost in scope too."""
    from bench.history import in_scope

    history, _, _ = carried_out(session)
    whole = gather(session)
    assert anomalies(history, whole) == []
    trial = History()
    facts = gather(session, whole.mark, trial)
    assert facts.requisitions == {} and facts.mark == whole.mark
    assert anomalies(in_scope(history, facts, trial), facts) == []
    lost = History([Attempt("submit", "k9", 201, {"lines": [["WM-PUMP-01", 1]]}, {"id": "R00000099"})])
    history.attempts += lost.attempts
    facts = gather(session, whole.mark, lost)
    assert [(a.kind, a.subject) for a in anomalies(in_scope(history, facts, lost), facts)] == [("lost", "submit k9")]


def test_an_optimizer_runs_replanned_lines_are_counted_for_it(sessions, session):
    """A run that moved a late reservation reads back whole: its 'replanned' events (counted in
    SQL from their JSON) and its ledger rows match the lines it says it changed."""
    from datetime import timedelta

    from inventory.warehouses import ledger
    from optimizer import runs

    with transaction(session):
        load_world(session, tiny_world())
        for wh in ("GD1", "HQ"):  # only HB1, too far for the promise, holds the part
            ledger.scrap(session, wh, "WM-PUMP-01", ledger.available(session, wh, "WM-PUMP-01"), actor="t", reason="t")
    now = utcnow()
    with transaction(session):
        requisitions.submit(session, Principal("service_point", "SP0001"), ship_to="SP0001", ticket="T1",
                            policy=Policy(), lines=[requisitions.LineRequest("WM-PUMP-01", 2)], now=now)
    with transaction(session):
        ledger.receive(session, "GD1", "WM-PUMP-01", 5, actor="t")
    result = runs.run_now(sessions, now=now + timedelta(hours=1), propose=False)
    session.rollback()
    run = gather(session).runs[result["id"]]
    assert (run.status, run.lines_changed, run.replanned) == ("done", 1, 1)
    assert run.movements == 2  # released at HB1, reserved at GD1
