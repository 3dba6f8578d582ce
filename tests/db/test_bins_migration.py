"""Revision 0023_bins: the bin table and the clerk's API key role come and go together (on a
database of its own, migrated back and forth)."""
from __future__ import annotations

import pytest
from alembic import command
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.exc import IntegrityError

from inventory.db import normalise_url
from inventory.migrate import alembic_config

from .migrated import url  # noqa: F401 - the fixture

REVISION = "0023_bins"
KEY = text("INSERT INTO api_key (prefix, digest, role, code, created_at) VALUES (:p, 'd', :role, :code, CURRENT_TIMESTAMP)")
BIN = text("INSERT INTO bin_location (warehouse_code, sku, bin, updated_by, updated_at) "
           "VALUES ('GD1', 'P1', :bin, 'clerk:a', CURRENT_TIMESTAMP)")


def _world(engine) -> None:
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO warehouse (code, name, kind, lat, lon) VALUES ('GD1', 'x', 'regional', 0, 0)"))
        conn.execute(text("INSERT INTO part (sku, name, unit_price, unit_cost, weight_kg, key_component, returnable, "
                          "family) VALUES ('P1', 'x', 100, 50, 0, false, false, 'f')"))


def test_bins_and_clerk_keys_go_down_and_come_back_up(url):
    engine = create_engine(normalise_url(url))
    _world(engine)
    with engine.begin() as conn:
        conn.execute(BIN, {"bin": "A-01-02"})
        conn.execute(KEY, {"p": "c1", "role": "clerk", "code": "GD1"})
        conn.execute(KEY, {"p": "h1", "role": "hq", "code": None})
    with pytest.raises(IntegrityError), engine.begin() as conn:
        conn.execute(KEY, {"p": "x1", "role": "janitor", "code": None})

    cfg = alembic_config(url)
    command.downgrade(cfg, f"{REVISION}@-1")
    assert "bin_location" not in inspect(engine).get_table_names()
    with engine.connect() as conn:
        assert [r[0] for r in conn.execute(text("SELECT role FROM api_key"))] == ["hq"]
    with pytest.raises(IntegrityError), engine.begin() as conn:
        conn.execute(KEY, {"p": "c2", "role": "clerk", "code": "GD1"})

    command.upgrade(cfg, "heads")
    with engine.begin() as conn:
        conn.execute(BIN, {"bin": "B-02"})
        conn.execute(KEY, {"p": "c3", "role": "clerk", "code": "GD1"})
        assert conn.scalar(text("SELECT bin FROM bin_location")) == "B-02"
    with pytest.raises(IntegrityError), engine.begin() as conn:
        conn.execute(BIN, {"bin": "C-03"})  # one bin per warehouse and sku
    with pytest.raises(IntegrityError), engine.begin() as conn:
        conn.execute(text("UPDATE bin_location SET bin = ''"))
    engine.dispose()
