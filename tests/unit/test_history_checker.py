"""The fault campaign's history checker (bench/history.py) finds each anomaly it is there for,
on fabricated histories, and finds none in a history that is consistent."""
from __future__ import annotations

from decimal import Decimal

from bench.history import Attempt, Facts, History, Req, Run, anomalies

D = Decimal


def consistent() -> tuple[History, Facts]:
    """A dealer's submit retried after a lost answer, shipped and received; a point's submit
    cancelled; a return; an extension; a transfer approved twice (one 409); an applied run."""
    lines = [["WM-PUMP-01", 2]]
    history = History([
        Attempt("submit", "k1", None, {"lines": lines}),
        Attempt("submit", "k1", 201, {"lines": lines}, {"id": "R00000001"}),
        Attempt("submit", "k1", 201, {"lines": lines}, {"id": "R00000001"}),
        Attempt("ship", "R00000001", 200),
        Attempt("receive", "R00000001", 200),
        Attempt("submit", "k2", 201, {"lines": [["AC-REMOTE-01", 1]]}, {"id": "R00000002"}),
        Attempt("cancel", "R00000002", 200),
        Attempt("submit", "k3", 422, {"lines": [["WM-MOTOR-01", 99]]}),
        Attempt("return", "r1", 201, {"reason": "faults r1"}, {"id": "RT00000001"}),
        Attempt("extension", "faults ext 1", 302, {"dealer": "D001", "amount": "100.00"}),
        Attempt("approve", "T1", 200),
        Attempt("approve", "T1", 409),
        Attempt("optimize", "o1", 202, answer={"id": "OR000001"}),
        Attempt("optimize", "o2", None),
    ])
    facts = Facts(
        requisitions={
            "R00000001": Req("k1", "delivered", [("WM-PUMP-01", 2)], "D001", "2026-12", D("250.00"), D("250.00"),
                             {"WM-PUMP-01": 2}, {"WM-PUMP-01": 2}, delivered=True),
            "R00000002": Req("k2", "cancelled", [("AC-REMOTE-01", 1)]),
        },
        returns={"RT00000001": "faults r1"},
        quota={("D001", "2026-12"): {"reserved": D("0.00"), "consumed": D("250.00"), "extension": D("100.00")}},
        extensions=[("D001", "2026-12", D("100.00"), "faults ext 1")],
        transfers={"T1": ("shipped", 1), "T2": ("draft", 0)},
        runs={"OR000001": Run("done", lines_changed=2, transfers_proposed=1, replanned=2, movements=3, drafts=1),
              "OR000002": Run("queued")},
    )
    return history, facts


def kinds(history: History, facts: Facts) -> list[tuple[str, str]]:
    return [(a.kind, a.subject) for a in anomalies(history, facts)]


def test_a_consistent_history_has_no_anomaly():
    assert kinds(*consistent()) == []


def test_an_acknowledged_submit_missing_from_the_database_is_lost():
    history, facts = consistent()
    del facts.requisitions["R00000002"]
    assert ("lost", "submit k2") in kinds(history, facts)


def test_a_retried_key_that_made_two_requisitions_is_a_duplicate():
    history, facts = consistent()
    facts.requisitions["R00000003"] = Req("k1", "allocated", [("WM-PUMP-01", 2)])
    assert kinds(history, facts)[0] == ("duplicate", "submit k1")


def test_retries_of_one_key_answered_with_different_requisitions_diverge():
    history, facts = consistent()
    history.add(Attempt("submit", "k1", 201, {"lines": [["WM-PUMP-01", 2]]}, {"id": "R00000009"}))
    assert ("diverged", "submit k1") in kinds(history, facts)


def test_a_requisition_no_one_submitted_is_a_phantom():
    history, facts = consistent()
    facts.requisitions["R00000004"] = Req("nobody", "allocated", [("WM-PUMP-01", 1)])
    assert ("phantom", "requisition R00000004") in kinds(history, facts)


def test_a_refused_submit_that_left_a_requisition_is_reported():
    history, facts = consistent()
    facts.requisitions["R00000005"] = Req("k3", "allocated", [("WM-MOTOR-01", 99)])
    assert ("refused_but_done", "submit k3") in kinds(history, facts)


def test_a_requisition_with_other_lines_than_asked_is_a_mismatch():
    history, facts = consistent()
    facts.requisitions["R00000002"].lines = [("AC-REMOTE-01", 2)]
    assert kinds(history, facts) == [("mismatch", "submit k2")]


def test_an_acknowledged_ship_that_shipped_nothing_is_lost():
    history, facts = consistent()
    history.add(Attempt("ship", "R00000002", 200))
    assert kinds(history, facts) == [("lost", "ship R00000002")]


def test_more_units_issued_than_shipped_is_a_requisition_shipped_twice():
    history, facts = consistent()
    facts.requisitions["R00000001"].issued = {"WM-PUMP-01": 4}
    assert ("shipped_twice", "requisition R00000001") in kinds(history, facts)


def test_a_ledger_difference_is_reported():
    history, facts = consistent()
    facts.ledger_differences = [{"warehouse": "GD1", "sku": "WM-PUMP-01", "balance": 5, "ledger": 4}]
    assert kinds(history, facts) == [("ledger", "GD1/WM-PUMP-01")]


def test_a_quota_reserved_beyond_the_dealers_requisitions_is_reported():
    history, facts = consistent()
    facts.quota[("D001", "2026-12")]["reserved"] = D("125.00")
    assert kinds(history, facts) == [("quota", "D001 2026-12")]


def test_an_extension_granted_twice_for_one_request_is_a_duplicate():
    history, facts = consistent()
    facts.extensions.append(("D001", "2026-12", D("100.00"), "faults ext 1"))
    facts.quota[("D001", "2026-12")]["extension"] = D("200.00")
    assert kinds(history, facts) == [("duplicate", "extension faults ext 1")]


def test_an_extension_no_one_asked_for_is_a_phantom():
    history, facts = consistent()
    facts.extensions.append(("D001", "2026-12", D("5.00"), "who?"))
    facts.quota[("D001", "2026-12")]["extension"] = D("105.00")
    assert kinds(history, facts) == [("phantom", "extension who?")]


def test_a_return_made_twice_for_one_key_is_a_duplicate():
    history, facts = consistent()
    facts.returns["RT00000002"] = "faults r1"
    assert kinds(history, facts) == [("duplicate", "return r1")]


def test_a_transfer_with_two_shipments_is_shipped_twice():
    history, facts = consistent()
    facts.transfers["T1"] = ("shipped", 2)
    assert kinds(history, facts) == [("shipped_twice", "transfer T1")]


def test_a_transfer_shipped_without_an_approval_is_a_phantom():
    history, facts = consistent()
    facts.transfers["T2"] = ("shipped", 1)
    assert kinds(history, facts) == [("phantom", "transfer T2")]


def test_an_optimizer_run_applied_in_part_is_reported():
    history, facts = consistent()
    facts.runs["OR000001"].replanned = 1
    assert kinds(history, facts) == [("run_partial", "optimizer run OR000001")]


def test_a_failed_run_that_left_reservations_behind_is_reported():
    history, facts = consistent()
    facts.runs["OR000002"] = Run("failed", movements=2)
    assert kinds(history, facts) == [("run_partial", "optimizer run OR000002")]


def test_more_runs_than_requests_is_a_phantom():
    history, facts = consistent()
    facts.runs["OR000003"] = Run("done")
    assert kinds(history, facts) == [("phantom", "optimizer runs")]


def test_an_unknown_outcome_may_have_happened_once_or_not_at_all():
    history, facts = consistent()
    history.add(Attempt("submit", "k4", None, {"lines": [["WM-PUMP-01", 1]]}))
    assert kinds(history, facts) == []
    facts.requisitions["R00000006"] = Req("k4", "allocated", [("WM-PUMP-01", 1)])
    assert kinds(history, facts) == []
