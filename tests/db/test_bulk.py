"""The set-based helpers give the same rows on PostgreSQL (arrays, COPY) as on SQLite (chunks)."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest
from sqlalchemy import Column, Integer, MetaData, String, Table, select

from inventory import bulk
from inventory.db import Money, UTCDateTime, make_engine, make_session_factory

CST = timezone(timedelta(hours=8))


@pytest.fixture(params=["sqlite", "postgresql"])
def scratch(request):
    """A session and an empty scratch table with typed and defaulted columns, on each backend."""
    if request.param == "sqlite":  # a scratch file whatever DATABASE_URL says: no migrations needed
        engine = make_engine(f"sqlite:///{request.getfixturevalue('tmp_path')}/bulk.db")
    else:
        engine = request.getfixturevalue("pg_engine")
    metadata = MetaData()
    table = Table("bulk_scratch", metadata, Column("id", Integer, primary_key=True), Column("w", String(10)),
                  Column("s", String(20)), Column("q", Integer, default=7), Column("note", String(40), default=""),
                  Column("price", Money), Column("at", UTCDateTime))
    metadata.create_all(engine)
    with make_session_factory(engine)() as session:
        yield session, table
        session.rollback()
    metadata.drop_all(engine)
    if request.param == "sqlite":
        engine.dispose()


def _rows(n: int) -> list[dict]:
    at = datetime(2026, 7, 1, 9, 30, tzinfo=CST)
    return [{"w": f"W{i % 3}", "s": f"S{i:05d}", "price": Decimal("12.34") + i, "at": at} for i in range(n)]


def test_insert_rows_applies_column_types_and_scalar_defaults(scratch):
    session, table = scratch
    bulk.insert_rows(session, table, _rows(6000))  # more than one portable chunk
    rows = session.execute(select(table).order_by(table.c.id)).all()
    assert len(rows) == 6000
    first, last = rows[0], rows[-1]
    assert (first.q, first.note, first.price) == (7, "", Decimal("12.34"))
    assert last.price == Decimal("6011.34")
    assert first.at == datetime(2026, 7, 1, 1, 30, tzinfo=timezone.utc)


def test_insert_rows_of_nothing_does_nothing(scratch):
    session, table = scratch
    bulk.insert_rows(session, table, [])
    assert session.execute(select(table)).all() == []


def test_update_rows_sets_or_adds_per_key_and_leaves_others(scratch):
    session, table = scratch
    bulk.insert_rows(session, table, _rows(3000))
    bulk.update_rows(session, table, ("w", "s"), "q", [("W1", "S00001", 5), ("W2", "S00002", -2)], add=True)
    bulk.update_rows(session, table, ("id",), "note", [(3, "third"), (4, "fourth")])
    got = dict(session.execute(select(table.c.s, table.c.q)).all())
    assert got["S00001"] == 12 and got["S00002"] == 5
    assert sum(got.values()) == 7 * 3000 + 5 - 2
    notes = dict(session.execute(select(table.c.id, table.c.note).where(table.c.note != "")).all())
    assert notes == {3: "third", 4: "fourth"}


def test_in_ids_and_in_keys_match_exactly_the_given_ones(scratch):
    session, table = scratch
    bulk.insert_rows(session, table, _rows(2500))
    wanted_ids = list(range(1, 2501, 3)) + [99999]
    found = [i for match in bulk.in_ids(session, table.c.id, wanted_ids)
             for i in session.execute(select(table.c.id).where(match)).scalars()]
    assert sorted(found) == list(range(1, 2501, 3))
    keys = [(f"W{i % 3}", f"S{i:05d}") for i in range(0, 2500, 2)] + [("W0", "S00001"), ("nope", "S00000")]
    hits = [tuple(r) for match in bulk.in_keys(session, (table.c.w, table.c.s), keys)
            for r in session.execute(select(table.c.w, table.c.s).where(match))]
    assert sorted(hits) == sorted(keys[:-2])
    assert list(bulk.in_ids(session, table.c.id, [])) == []
