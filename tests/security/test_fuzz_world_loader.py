"""Hypothesis fuzzes the world loader: whatever JSON arrives, `load_world` loads it or refuses it
with `InvalidInput` - never another exception - and a refusal has written nothing, not even
inside the transaction it was given."""
from __future__ import annotations

import copy

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from inventory.errors import InvalidInput
from inventory.models import Base
from inventory.world import load_world, read_world_file

from ..factories import TINY_WORLD

SECTIONS = list(TINY_WORLD)

# Free text stays within what every column holds and leaves out NUL: the schema does not yet
# refuse longer codes and names or NUL on PostgreSQL (see the known-gap tests at the bottom),
# and a fuzzer that finds the same known gap on every run would hide everything else.
TEXT = st.text(st.characters(blacklist_characters="\x00"), max_size=16)
SCALARS = (st.none() | st.booleans() | st.integers(min_value=-(2**70), max_value=2**70) | st.floats()
           | st.decimals(allow_nan=False, allow_infinity=False, places=3) | TEXT
           | st.sampled_from(["GD", "HQ", "GD1", "SP0001", "WM-PUMP-01", "hq", "regional", "urban", "12.50", "-1"]))
VALUES = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=4)
                      | st.dictionaries(TEXT | st.sampled_from(["code", "name", "sku", "qty", "center"]),
                                        inner, max_size=4), max_leaves=12)


@st.composite
def mutated_worlds(draw):
    """The tiny world with one thing broken: a field, a record, or a whole section."""
    world = copy.deepcopy(TINY_WORLD)
    section = draw(st.sampled_from(SECTIONS))
    rows = world[section]
    how = draw(st.sampled_from(["field", "drop_field", "extra_field", "record", "duplicate", "section"]))
    index = draw(st.integers(0, len(rows) - 1))
    if how == "field":
        rows[index][draw(st.sampled_from(sorted(rows[index])))] = draw(VALUES)
    elif how == "drop_field":
        rows[index].pop(draw(st.sampled_from(sorted(rows[index]))))
    elif how == "extra_field":
        rows[index][draw(TEXT)] = draw(VALUES)
    elif how == "record":
        rows[index] = draw(VALUES)
    elif how == "duplicate":
        rows.append(copy.deepcopy(rows[index]))
    else:
        world[section] = draw(VALUES)
    return world


WORLDS = (VALUES
          | st.dictionaries(st.sampled_from(SECTIONS) | TEXT, VALUES, max_size=4)
          | mutated_worlds())


def table_contents(session) -> dict[str, list]:
    return {t.name: sorted(map(repr, session.execute(select(t)).all())) for t in Base.metadata.sorted_tables}


@settings(max_examples=150, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(doc=WORLDS)
def test_any_json_is_loaded_or_refused_with_invalid_input_and_a_refusal_writes_nothing(session, world, doc):
    before = table_contents(session)
    try:
        load_world(session, doc)
    except InvalidInput as refusal:
        assert refusal.message
        assert table_contents(session) == before  # same transaction: nothing was written before refusing
    finally:
        session.rollback()


@settings(max_examples=100, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(raw=st.binary(max_size=200) | VALUES.map(lambda v: repr(v).encode()))
def test_any_bytes_in_a_world_file_are_read_or_refused_with_invalid_input(tmp_path, raw):
    path = tmp_path / "world.json"
    path.write_bytes(raw)
    try:
        read_world_file(str(path))
    except InvalidInput as refusal:
        assert str(path) in refusal.message


def test_the_tiny_world_still_loads(session, world):
    assert load_world(session, copy.deepcopy(TINY_WORLD)).changed == 0
    session.rollback()


# -- known gaps (inventory/world_schema.py, inventory/world.py): reported, not yet fixed -------------
# Each is strict: once the loader refuses the input with InvalidInput the marker must go.

def _center(**fields) -> dict:
    world = copy.deepcopy(TINY_WORLD)
    world["centers"].append({"code": "CX", "name": "新中心", "province": "广东", **fields})
    return world


COLUMN_LIMITS = {
    "code-longer-than-its-column": _center(code="C" * 20),
    "name-longer-than-its-column": _center(name="名" * 150),
    "nul-in-text": _center(name="a\x00b"),
    "lone-surrogate-in-text": _center(name="a\ud800b"),
}


@pytest.mark.parametrize("case", COLUMN_LIMITS)
def test_text_a_column_cannot_hold_is_refused_with_invalid_input(session, world, case):
    try:
        with pytest.raises(InvalidInput):
            load_world(session, COLUMN_LIMITS[case])
    finally:
        session.rollback()


def test_a_world_file_nested_too_deep_is_refused_with_invalid_input(tmp_path):
    path = tmp_path / "deep.json"
    path.write_text("[" * 100_000 + "]" * 100_000)
    with pytest.raises(InvalidInput):
        read_world_file(str(path))
