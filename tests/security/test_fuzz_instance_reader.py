"""Hypothesis fuzzes the optimizer's instance reader: any document, any file bytes, are read
into an Instance or refused with one `InstanceError` line - never another exception."""
from __future__ import annotations

import copy
import json
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from optimizer.instance import InstanceError, parse_instance, read_instance

EXAMPLE = {
    "params": {"value_on_time": "1000.00", "value_late": "400.00"},
    "stock": [{"warehouse": "GD1", "sku": "P1", "qty": 5}, {"warehouse": "HQ", "sku": "P1", "qty": 2}],
    "lanes": [{"from": "GD1", "to": "SP0001", "hours": 20, "unit_cost": "3.50"},
              {"from": "HQ", "to": "SP0001", "hours": 40, "unit_cost": "7.00"}],
    "lines": [{"id": "L1", "service_point": "SP0001", "sku": "P1", "qty": 2, "weight": 3, "hours_left": 48}],
}

EXTREMES = st.sampled_from([0, -1, 2**31, 2**63, -(2**63), 2**64, 10**30, Decimal("1E+999"), Decimal("-0.001"),
                            Decimal("0.005"), float("nan"), float("inf"), 1e308, -1e-308, True, "", " ", "1,000.00",
                            "１２", "NaN", "Infinity", "0x10", "1e3", "3.50.1"])
SCALARS = (st.none() | st.booleans() | st.integers() | st.floats() | st.decimals() | st.text(max_size=12)
           | EXTREMES)
VALUES = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=3)
                      | st.dictionaries(st.text(max_size=8), inner, max_size=3), max_leaves=10)


@st.composite
def mutated_instances(draw):
    """The example with one field, row, table or key changed to anything."""
    doc = copy.deepcopy(EXAMPLE)
    table = draw(st.sampled_from(sorted(doc)))
    how = draw(st.sampled_from(["field", "row", "table", "drop_key", "extra_key", "duplicate_row"]))
    if how == "drop_key" and table == "params":
        del doc[table]
        return doc
    if table == "params" or how == "table":
        doc[table] = draw(VALUES)
        return doc
    rows = doc[table]
    index = draw(st.integers(0, len(rows) - 1))
    if how == "field":
        rows[index][draw(st.sampled_from(sorted(rows[index])))] = draw(VALUES)
    elif how == "row":
        rows[index] = draw(VALUES)
    elif how == "drop_key":
        rows[index].pop(draw(st.sampled_from(sorted(rows[index]))))
    elif how == "extra_key":
        rows[index][draw(st.text(max_size=6))] = draw(VALUES)
    else:
        rows.append(copy.deepcopy(rows[index]))
    return doc


DOCUMENTS = VALUES | mutated_instances() | st.dictionaries(st.sampled_from(sorted(EXAMPLE)) | st.text(max_size=6),
                                                           VALUES, max_size=5)


@settings(max_examples=500, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(DOCUMENTS)
def test_any_document_is_read_or_refused_with_one_instance_error_line(doc):
    try:
        parse_instance(doc)
    except InstanceError as error:
        assert str(error) and "\n" not in str(error)


def test_the_example_is_read():
    instance = parse_instance(copy.deepcopy(EXAMPLE))
    assert instance.warehouses and instance.line_ids == ["L1"]


@settings(max_examples=200, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(raw=st.binary(max_size=300)
       | DOCUMENTS.map(lambda d: json.dumps(d, default=str, allow_nan=True).encode())
       | st.sampled_from([b"[" * 100_000, b'{"stock": ' + b"[" * 5000, b"\xef\xbb\xbf{}", b"\xff\xfe{\x00}\x00",
                          b'{"stock": [], "lanes": [], "lines": [], "params": {"value_on_time": 1e999}}']))
def test_any_file_is_read_or_refused_with_an_instance_error_naming_it(tmp_path, raw):
    path = tmp_path / "instance.json"
    path.write_bytes(raw)
    try:
        read_instance(path)
    except InstanceError as error:
        assert str(error).startswith(str(path)) and "\n" not in str(error)


def test_a_missing_file_is_an_instance_error(tmp_path):
    try:
        read_instance(tmp_path / "nope.json")
    except InstanceError as error:
        assert "nope.json" in str(error)
    else:  # pragma: no cover
        raise AssertionError("read a file that does not exist")
