"""`parts backup` / `parts restore` of the embedded database: a copy taken while the service
writes is consistent, and restored elsewhere it has the same rows and a clean ledger."""
from __future__ import annotations

import sqlite3
import threading
from decimal import Decimal

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from api.cli import cli
from inventory import migrate
from inventory.access import Principal
from inventory.audit import AuditEntry
from inventory.db import make_engine, make_session_factory, transaction
from inventory.models import Base
from inventory.policy import load_policy, set_policy
from inventory.quotas import service as quotas
from inventory.requisitions import service as requisitions
from inventory.warehouses import ledger
from inventory.warehouses.models import StockMovement
from inventory.world import load_world

from ..factories import tiny_world


def submit(session, who: Principal, qty: int = 1) -> str:
    return requisitions.submit(session, who, ship_to="SP0001", ticket="T-1", policy=load_policy(session),
                       lines=[requisitions.LineRequest("WM-PUMP-01", qty)]).code


@pytest.fixture
def live(tmp_path):
    """An embedded database with stock, requisitions (one shipped), quota and audit rows."""
    path = tmp_path / "live" / "parts.db"
    path.parent.mkdir()
    url = f"sqlite:///{path}"
    migrate.upgrade(url)
    engine = make_engine(url)
    with make_session_factory(engine)() as session:
        with transaction(session):
            world = tiny_world()
            for row in world["stock"]:
                row["qty"] *= 100
            load_world(session, world)
        with transaction(session):
            shipped = submit(session, Principal("service_point", "SP0001"), 2)
            submit(session, Principal("dealer", "D001"), 3)
        with transaction(session):
            requisitions.ship(session, "hq", shipped)
            quotas.raise_limit(session, "D001", Decimal("80000.00"), actor="hq:boss", reason="season")
            set_policy(session, "promise_hours", "36", actor="hq:boss")
            ledger.adjust_to_count(session, "GD1", "AC-REMOTE-01", 1990, actor="clerk:a", reason="count")
    yield {"url": url, "path": path, "engine": engine}
    engine.dispose()


def contents(url: str) -> dict[str, list]:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return {t.name: sorted(map(repr, conn.execute(select(t)).all())) for t in Base.metadata.sorted_tables}
    finally:
        engine.dispose()


def parts(runner: CliRunner, monkeypatch, url: str, *args: str):
    monkeypatch.setenv("DATABASE_URL", url)
    return runner.invoke(cli, list(args))


def test_a_backup_restored_elsewhere_has_the_same_rows_and_a_clean_ledger(live, tmp_path, monkeypatch):
    runner = CliRunner()
    backup = tmp_path / "backups" / "parts.db"
    backup.parent.mkdir()
    done = parts(runner, monkeypatch, live["url"], "backup", "--out", str(backup))
    assert done.exit_code == 0, done.output
    assert "integrity ok" in done.output and "ledger clean" in done.output
    assert not backup.with_name("parts.db-wal").exists()  # one self-contained file

    restored_url = f"sqlite:///{tmp_path / 'elsewhere' / 'parts.db'}"
    done = parts(runner, monkeypatch, restored_url, "restore", "--from", str(backup))
    assert done.exit_code == 0, done.output
    assert "ledger clean" in done.output

    before, after = contents(live["url"]), contents(restored_url)
    assert after == before
    assert len(after["stock_movement"]) >= 9 and len(after["audit_entry"]) == 3 and len(after["requisition"]) == 2
    assert parts(runner, monkeypatch, restored_url, "check-ledger").exit_code == 0
    assert "quota.raise_limit" in parts(runner, monkeypatch, restored_url, "audit").output


def test_a_backup_taken_while_requisitions_are_written_is_a_consistent_snapshot(live, tmp_path, monkeypatch):
    stop = threading.Event()
    written = []

    def keep_writing():
        with make_session_factory(live["engine"])() as session:
            while not stop.is_set():
                with transaction(session):
                    done = submit(session, Principal("service_point", "SP0001"))
                written.append(done)  # counted once committed: the backup below waits for five

    writer = threading.Thread(target=keep_writing, daemon=True)
    writer.start()
    try:
        while len(written) < 5:
            threading.Event().wait(0.01)
        backup = tmp_path / "during.db"
        done = parts(CliRunner(), monkeypatch, live["url"], "backup", "--out", str(backup))
    finally:
        stop.set()
        writer.join(30)
    assert done.exit_code == 0, done.output
    copy_url = f"sqlite:///{backup}"
    engine = make_engine(copy_url)
    try:
        with make_session_factory(engine)() as session:
            assert ledger.ledger_differences(session) == []
            copied = session.scalar(select(func.count()).select_from(StockMovement))
            reserved = session.scalar(select(func.count()).where(StockMovement.kind == "reservation"))
            assert 0 < copied and reserved >= 7  # the two of the fixture and some written meanwhile
            stored = set(session.scalars(select(requisitions.Requisition.id)))
    finally:
        engine.dispose()
    assert len(stored) - 2 <= len(written)  # nothing that was not written, nothing half-written


def test_restore_refuses_to_overwrite_a_database_with_tables_unless_forced(live, tmp_path, monkeypatch):
    runner = CliRunner()
    backup = tmp_path / "b.db"
    assert parts(runner, monkeypatch, live["url"], "backup", "--out", str(backup)).exit_code == 0
    refused = parts(runner, monkeypatch, live["url"], "restore", "--from", str(backup))
    assert refused.exit_code != 0 and "--force" in refused.output
    other = tmp_path / "other.db"
    migrate.upgrade(f"sqlite:///{other}")
    assert parts(runner, monkeypatch, f"sqlite:///{other}", "restore", "--from", str(backup)).exit_code != 0
    forced = parts(runner, monkeypatch, f"sqlite:///{other}", "restore", "--from", str(backup), "--force")
    assert forced.exit_code == 0, forced.output
    with make_session_factory(make_engine(f"sqlite:///{other}"))() as session:
        assert session.scalar(select(func.count()).select_from(AuditEntry)) == 3


@pytest.mark.parametrize("content", [b"not a database at all", b""], ids=["text", "empty"])
def test_restore_refuses_a_file_that_is_not_a_backup(tmp_path, monkeypatch, content):
    bogus = tmp_path / "bogus.db"
    bogus.write_bytes(content)
    target = tmp_path / "target.db"
    result = parts(CliRunner(), monkeypatch, f"sqlite:///{target}", "restore", "--from", str(bogus))
    assert result.exit_code != 0 and "not a SQLite database" in result.output
    assert not target.exists() or target.stat().st_size == 0


def test_restore_refuses_a_sqlite_file_of_another_program(tmp_path, monkeypatch):
    foreign = tmp_path / "foreign.db"
    with sqlite3.connect(foreign) as conn:
        conn.execute("CREATE TABLE t (x)")
    result = parts(CliRunner(), monkeypatch, f"sqlite:///{tmp_path / 't.db'}", "restore", "--from", str(foreign))
    assert result.exit_code != 0 and "not a parts database" in result.output


def test_backup_on_postgresql_prints_the_pg_dump_recipe_and_writes_nothing(tmp_path, monkeypatch):
    out = tmp_path / "x.dump"
    result = parts(CliRunner(), monkeypatch, "postgresql://parts:secret@db-host:5432/parts", "backup", "--out", str(out))
    assert result.exit_code == 1
    assert "pg_dump --format=custom" in result.output and "pg_restore" in result.output
    assert "secret" not in result.output  # the password is not printed
    assert not out.exists()
