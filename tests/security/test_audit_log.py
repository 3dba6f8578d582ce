"""The audit log: every change to quotas, policy, transfer approvals, stock counts and stock
corrected for a reported wrong part leaves exactly one row saying who, what and on what; a
change that is rolled back leaves none; and the rows, once written, cannot be changed or deleted."""
from __future__ import annotations

import json
from decimal import Decimal

import pytest
from click.testing import CliRunner
from sqlalchemy import delete, func, select, text, update
from sqlalchemy.exc import DBAPIError

from api.cli import cli
from inventory.access import Principal
from inventory.audit import AuditEntry, entries
from inventory.db import make_session_factory, transaction
from inventory.errors import DomainError
from inventory.policy import Policy, set_policy
from inventory.quotas import service as quotas
from inventory.requisitions import service as requisitions
from inventory.requisitions.wrong_part import WrongPart
from inventory.warehouses import ledger, transfers


def raise_limit(s):
    quotas.raise_limit(s, "D001", Decimal("60000.00"), actor="hq:boss", reason="peak season")


def grant_extension(s):
    quotas.grant_extension(s, "D001", Decimal("5000.00"), actor="hq:boss", reason="promotion")


def change_policy(s):
    set_policy(s, "promise_hours", "36", actor="hq:boss")


def count_stock(s):
    ledger.adjust_to_count(s, "GD1", "WM-PUMP-01", 7, actor="clerk:gd_clerk", reason="cycle count")


def approve_transfer(s):
    draft = transfers.create_draft(s, "HQ", "GD1", "WM-PUMP-01", 3, actor="optimizer", proposal_run_id="run-1")
    transfers.approve_and_ship(s, draft.id, actor="hq:boss")


def reject_transfer(s):
    draft = transfers.create_draft(s, "HQ", "GD1", "WM-PUMP-01", 3, actor="optimizer", proposal_run_id="run-1")
    transfers.reject(s, draft.id, actor="hq:boss", reason="GD1 has enough")


def report_wrong_part(s):
    point = Principal("service_point", "SP0001")
    code = requisitions.submit(s, point, ship_to="SP0001", lines=[requisitions.LineRequest("WM-PUMP-01", 1)], ticket="T1",
                       policy=Policy()).code
    requisitions.ship(s, "hq", code)
    requisitions.receive(s, point, code, wrong_parts=[WrongPart(line=1, received_sku="AC-REMOTE-01")], policy=Policy())


CHANGES = {
    "quota.raise_limit": (raise_limit, "hq:boss", "dealer:D001",
                          {"previous": "50000.00", "limit": "60000.00", "reason": "peak season"}),
    "quota.extension": (grant_extension, "hq:boss", "dealer:D001", {"amount": "5000.00", "reason": "promotion"}),
    "policy.set": (change_policy, "hq:boss", "policy:promise_hours", {"previous": "48", "value": "36"}),
    "stock.adjust": (count_stock, "clerk:gd_clerk", "stock:GD1/WM-PUMP-01",
                     {"previous": 10, "counted": 7, "delta": -3, "reason": "cycle count"}),
    "transfer.approve": (approve_transfer, "hq:boss", "transfer:",
                         {"sku": "WM-PUMP-01", "qty": 3, "from_warehouse": "HQ", "to_warehouse": "GD1"}),
    "transfer.reject": (reject_transfer, "hq:boss", "transfer:", {"reason": "GD1 has enough"}),
    "stock.mis_shipment": (report_wrong_part, "service_point:SP0001", "stock:GD1/WM-PUMP-01",
                           {"qty": 1, "received_sku": "AC-REMOTE-01", "received_sku_corrected": True}),
}


def audit_rows(engine) -> list[AuditEntry]:
    with make_session_factory(engine)() as session:
        return entries(session)


@pytest.mark.parametrize("action", CHANGES)
def test_each_audited_change_writes_exactly_one_row_naming_who_what_and_on_what(action, session, world, engine):
    change, actor, subject, detail = CHANGES[action]
    with transaction(session):
        change(session)
    [row] = audit_rows(engine)
    assert (row.action, row.actor) == (action, actor)
    assert row.subject.startswith(subject)
    assert detail.items() <= row.details.items()
    assert row.at is not None and row.at.tzinfo is not None


@pytest.mark.parametrize("action", CHANGES)
def test_a_change_that_is_rolled_back_leaves_no_audit_row(action, session, world, engine):
    change = CHANGES[action][0]

    class Abandoned(Exception):
        pass

    with pytest.raises(Abandoned):
        with transaction(session):
            change(session)
            assert session.scalar(select(func.count()).select_from(AuditEntry)) == 1  # written, uncommitted
            raise Abandoned
    assert audit_rows(engine) == []


@pytest.mark.parametrize("refused", [
    lambda s: quotas.raise_limit(s, "D001", Decimal("100.00"), actor="hq:boss", reason="lower is not a raise"),
    lambda s: quotas.grant_extension(s, "D001", Decimal("10.00"), actor="hq:boss", reason=" "),
    lambda s: set_policy(s, "promise_hours", "two days", actor="hq:boss"),
    lambda s: ledger.adjust_to_count(s, "GD1", "WM-PUMP-01", -1, actor="clerk:gd_clerk", reason="count"),
    lambda s: transfers.reject(s, transfers.create_draft(s, "HQ", "GD1", "WM-PUMP-01", 1, actor="x").id,
                               actor="hq:boss", reason=""),
    lambda s: transfers.approve_and_ship(s, transfers.create_draft(s, "HQ", "GD1", "WM-PUMP-01", 999, actor="x").id,
                                         actor="hq:boss"),
], ids=["raise-below", "extension-no-reason", "policy-not-a-number", "negative-count", "reject-no-reason",
        "approve-short-of-stock"])
def test_a_refused_change_leaves_no_audit_row(refused, session, world, engine):
    with pytest.raises(DomainError):
        with transaction(session):
            refused(session)
    assert audit_rows(engine) == []


def test_a_count_that_matches_the_books_changes_nothing_and_is_not_an_adjustment(session, world, engine):
    with transaction(session):
        assert ledger.adjust_to_count(session, "GD1", "WM-PUMP-01", 10, actor="clerk:gd_clerk", reason="count") == 0
    assert audit_rows(engine) == []


def test_a_second_policy_change_records_the_value_it_replaced(session, world, engine):
    with transaction(session):
        set_policy(session, "promise_hours", "36", actor="hq:boss")
    with transaction(session):
        set_policy(session, "promise_hours", "24", actor="hq:alice")
    first, second = audit_rows(engine)
    assert (second.actor, second.details) == ("hq:alice", {"previous": "36", "value": "24"})


@pytest.mark.parametrize("statement", [
    update(AuditEntry).values(actor="hq:someone_else"),
    delete(AuditEntry),
], ids=["update", "delete"])
def test_audit_rows_cannot_be_changed_or_deleted_even_by_sql(statement, session, world, engine):
    with transaction(session):
        raise_limit(session)
    with pytest.raises(DBAPIError, match="append-only"):
        with transaction(session):
            session.execute(statement)
    [row] = audit_rows(engine)
    assert row.actor == "hq:boss"


def test_the_web_pages_audit_the_signed_in_hq_user(hq, engine):
    page = "/hq/quotas/D001"
    assert hq.post("/hq/quotas/D001/raise", {"raise-new_limit": "70000.00", "raise-reason": "new stores"},
                   token_from=page).status_code == 302
    assert hq.post("/hq/policy/promise_hours", {"promise_hours-value": "40"},
                   token_from="/hq/policy").status_code == 302
    assert [(r.action, r.actor, r.subject) for r in audit_rows(engine)] == [
        ("quota.raise_limit", "hq:boss", "dealer:D001"), ("policy.set", "hq:boss", "policy:promise_hours")]


def test_a_clerks_count_on_the_web_is_audited_under_their_name(clerk, engine):
    assert clerk.post("/w/GD1/count", {"sku": "WM-PUMP-01", "counted": "9", "reason": "monthly count"}).status_code == 302
    [row] = audit_rows(engine)
    assert (row.action, row.actor, row.details["delta"]) == ("stock.adjust", "clerk:gd_clerk", -1)


def test_a_clerks_count_beyond_the_tolerance_is_audited_as_held_for_hq(clerk, engine):
    assert clerk.post("/w/GD1/count", {"sku": "WM-PUMP-01", "counted": "5", "reason": "monthly count"}).status_code == 302
    [row] = audit_rows(engine)
    assert (row.action, row.actor) == ("cycle_count.direct", "clerk:gd_clerk")
    assert (row.details["counted"], row.details["book"], row.details["variance"]) == (5, 10, -5)


# -- parts audit ---------------------------------------------------------------------------------

@pytest.fixture
def cli_env(database, engine, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", database.url)
    return CliRunner()


def test_parts_audit_prints_the_log_filtered_by_action(cli_env, session, world):
    with transaction(session):
        raise_limit(session)
        change_policy(session)
    result = cli_env.invoke(cli, ["audit", "--action", "quota.", "--json"])
    assert result.exit_code == 0, result.output
    [line] = result.output.splitlines()
    row = json.loads(line)
    assert (row["action"], row["actor"], row["subject"], row["detail"]["limit"]) == (
        "quota.raise_limit", "hq:boss", "dealer:D001", "60000.00")
    plain = cli_env.invoke(cli, ["audit"]).output
    assert "policy.set" in plain and "quota.raise_limit" in plain


def test_parts_audit_since_leaves_out_older_changes(cli_env, session, world):
    with transaction(session):
        raise_limit(session)
    assert cli_env.invoke(cli, ["audit", "--since", "2000-01-01"]).output.count("quota.raise_limit") == 1
    assert "quota.raise_limit" not in cli_env.invoke(cli, ["audit", "--since", "2999-01-01T00:00:00+08:00"]).output


def test_parts_audit_refuses_an_unknown_action(cli_env, world):
    result = cli_env.invoke(cli, ["audit", "--action", "quota.lower"])
    assert result.exit_code != 0 and "unknown action" in result.output


def test_the_audit_table_has_its_append_only_triggers(engine):
    names = {"postgresql": "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal AND tgrelid = 'audit_entry'::regclass",
             "sqlite": "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'audit_entry'"}
    with engine.connect() as conn:
        triggers = set(conn.execute(text(names[engine.dialect.name])).scalars())
    assert triggers
