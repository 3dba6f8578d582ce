"""Revision 0017_center_role: web users gain the centre role, bound to a centre, on the backend
under test (a database of its own: migrating back and forth)."""
from __future__ import annotations


import pytest
from alembic import command
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.exc import IntegrityError

from inventory.db import normalise_url
from inventory.migrate import alembic_config, upgrade

from .migrated import url  # noqa: F401 - the fixture

REVISION = "0017_center_role"
INSERT = text("INSERT INTO web_user (username, password_hash, role, warehouse_code, center_code, created_at) "
              "VALUES (:u, 'x', :role, NULL, :center, CURRENT_TIMESTAMP)")
KEY = text("INSERT INTO api_key (prefix, digest, role, code, created_at) VALUES (:p, 'd', :role, :code, CURRENT_TIMESTAMP)")




def test_the_center_role_comes_with_its_center_and_goes_back_down(url):
    engine = create_engine(normalise_url(url))
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO center (code, name, province) VALUES ('GD', '广东服务中心', '广东')"))
        conn.execute(text("INSERT INTO web_user (username, password_hash, role, created_at) "
                          "VALUES ('boss', 'x', 'hq', CURRENT_TIMESTAMP)"))
        conn.execute(INSERT, {"u": "gd_center", "role": "center", "center": "GD"})
        conn.execute(KEY, {"p": "a1", "role": "center", "code": "GD"})
    for refused in ({"u": "a", "role": "center", "center": None}, {"u": "b", "role": "hq", "center": "GD"},
                    {"u": "c", "role": "dealer", "center": None}):
        with pytest.raises(IntegrityError), engine.begin() as conn:
            conn.execute(INSERT, refused)

    cfg = alembic_config(url)
    command.downgrade(cfg, f"{REVISION}-1")  # the revision and those built on it (0023_bins), not its branch head
    assert "center_code" not in {c["name"] for c in inspect(engine).get_columns("web_user")}
    with engine.connect() as conn:
        assert [tuple(r) for r in conn.execute(text("SELECT username, role FROM web_user"))] == [("boss", "hq")]
        assert conn.scalar(text("SELECT count(*) FROM api_key")) == 0
    with pytest.raises(IntegrityError), engine.begin() as conn:
        conn.execute(KEY, {"p": "a2", "role": "center", "code": "GD"})

    command.upgrade(cfg, "heads")
    with engine.begin() as conn:
        conn.execute(INSERT, {"u": "gd_center", "role": "center", "center": "GD"})
        assert conn.scalar(text("SELECT center_code FROM web_user WHERE username = 'gd_center'")) == "GD"
        conn.execute(KEY, {"p": "a3", "role": "center", "code": "GD"})
    engine.dispose()
