"""Revision 0014_parts_wait_cause: the table of HQ's decisions, and an HQ override of the centre's fine
kept across the policy key's rename (fine_regional_shortage_per_role -> fine_center_over_7d_per_role),
both ways, on the backend under test (a database of its own: migrating back and forth)."""
from __future__ import annotations


from alembic import command
from sqlalchemy import create_engine, inspect, text

from inventory.db import normalise_url
from inventory.migrate import alembic_config, upgrade

from .migrated import url  # noqa: F401 - the fixture

REVISION = "0014_parts_wait_cause"




def settings(engine) -> list[tuple[str, str]]:
    with engine.connect() as conn:
        return [tuple(row) for row in conn.execute(text("SELECT key, value FROM policy_setting ORDER BY key"))]


def test_an_override_of_the_centers_fine_follows_the_key_up_and_down(url):
    engine = create_engine(normalise_url(url))
    cfg = alembic_config(url)
    command.downgrade(cfg, f"{REVISION}@-1")
    assert "parts_wait_cause" not in inspect(engine).get_table_names()
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO policy_setting (key, value, updated_by, updated_at) "
                          "VALUES ('fine_regional_shortage_per_role', '80.00', 'hq:boss', CURRENT_TIMESTAMP)"))

    command.upgrade(cfg, "heads")
    assert settings(engine) == [("fine_center_over_7d_per_role", "80.00")]
    assert "parts_wait_cause" in inspect(engine).get_table_names()

    command.downgrade(cfg, f"{REVISION}@-1")
    assert settings(engine) == [("fine_regional_shortage_per_role", "80.00")]
    engine.dispose()
