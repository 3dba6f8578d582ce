"""The Alembic migrations build exactly the schema the models describe, on either database."""
from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

import inventory.models  # noqa: F401
from inventory.db import Base


def test_migrated_schema_matches_the_models(engine):
    with engine.connect() as conn:
        diffs = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), Base.metadata)
    assert diffs == []
