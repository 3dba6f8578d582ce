"""The `parts` command as an operator runs it: a real process on the test database."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import text

from inventory.db import transaction

PARTS = Path(sys.executable).with_name("parts")


@pytest.fixture
def parts(database, engine):
    """Run `parts ARGS...` with DATABASE_URL set to this test's clean database."""
    def run(*args: str) -> subprocess.CompletedProcess:
        env = {**os.environ, "DATABASE_URL": database.url}
        command = [str(PARTS)] if PARTS.exists() else [sys.executable, "-c", "from api.cli import main; main()"]
        return subprocess.run(command + list(args), env=env, capture_output=True, text=True, timeout=120)
    return run


def test_check_ledger_exits_0_on_a_clean_database(parts, world):
    result = parts("check-ledger")
    assert result.returncode == 0, result.stderr
    assert "ledger clean" in result.stdout


def test_check_ledger_exits_1_listing_a_tampered_balance(parts, session, world):
    with transaction(session):
        session.execute(text("UPDATE stock_balance SET on_hand = on_hand - 3 "
                             "WHERE warehouse_code = 'GD1' AND sku = 'WM-PUMP-01'"))
    result = parts("check-ledger")
    assert result.returncode == 1
    lines = result.stdout.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("GD1/WM-PUMP-01: balance {'on_hand': 7,")
    assert "ledger {'on_hand': 10," in lines[0]


def test_loading_a_bad_file_exits_2_with_one_line_and_no_traceback(parts, tmp_path):
    bad = tmp_path / "world.json"
    bad.write_text('{"parts": [{"sku": "X"}', encoding="utf-8")
    result = parts("load", "--file", str(bad))
    assert result.returncode == 2
    assert "Traceback" not in result.stderr + result.stdout
    assert len(result.stderr.strip().splitlines()) == 1
    assert result.stderr.startswith("error: ")


def test_creating_an_hq_key_prints_it_as_the_last_token(parts):
    result = parts("keys", "create", "--hq")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[-1].startswith("pk_")
