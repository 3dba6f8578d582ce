"""Instance and plan files: what is accepted, and one clear line for everything that is not."""
from __future__ import annotations

import copy
import json
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from optimizer import offline
from optimizer.allocate import solve
from optimizer.instance import (InstanceError, parse_instance, parse_plan, read_instance,
                                read_plan, write_plan)

EXAMPLE = {
    "params": {"value_on_time": "1000.00", "value_late": "400.00"},
    "stock": [{"warehouse": "GD1", "sku": "P1", "qty": 5}],
    "lanes": [{"from": "GD1", "to": "SP0001", "hours": 20, "unit_cost": "3.50"}],
    "lines": [{"id": "L1", "service_point": "SP0001", "sku": "P1", "qty": 2,
               "weight": 3, "hours_left": 48}],
}


def example(**changes) -> dict:
    doc = copy.deepcopy(EXAMPLE)
    doc.update(changes)
    return doc


def with_row(table: str, **fields) -> dict:
    doc = example()
    doc[table][0].update(fields)
    return doc


def test_reads_the_example_of_the_spec_into_arrays():
    instance = parse_instance(example())
    assert instance.value_on_time == Decimal("1000.00")
    assert instance.lane_cost_cents.tolist() == [350]
    assert instance.line_qty.tolist() == [2] and instance.stock_qty.tolist() == [5]
    assert instance.warehouses == ["GD1"] and instance.line_ids == ["L1"]


def test_solves_the_example_of_the_spec_to_its_documented_plan():
    plan = solve(parse_instance(example()))
    assert plan.allocations() == [{"line": "L1", "warehouse": "GD1", "qty": 2}]
    assert {k: v for k, v in plan.summary.items() if k != "solve_seconds"} == {
        "on_time_units": 2, "late_units": 0, "unshipped_units": 0,
        "value": "6000.00", "cost": "7.00", "objective": "5993.00"}


def test_missing_params_take_the_policy_defaults():
    doc = example()
    del doc["params"]
    instance = parse_instance(doc)
    assert (instance.value_on_time, instance.value_late) == (Decimal("1000.00"), Decimal("400.00"))


def test_a_missing_param_alone_takes_its_default():
    instance = parse_instance(example(params={"value_late": "150.50"}))
    assert (instance.value_on_time_cents, instance.value_late_cents) == (100000, 15050)


@pytest.mark.parametrize("amount, cents", [("3.50", 350), ("3.5", 350), (3, 300), ("0", 0),
                                           (Decimal("2.10"), 210), ("7.000", 700), (1.25, 125)])
def test_money_is_read_exactly_into_integer_cents(amount, cents):
    assert parse_instance(with_row("lanes", unit_cost=amount)).lane_cost_cents.tolist() == [cents]


@pytest.mark.parametrize("amount", [Decimal("sNaN"), Decimal("NaN"), Decimal("Infinity")])
def test_a_decimal_that_is_not_a_number_is_an_instance_error(amount):
    """A signalling NaN cannot even be hashed: it must still be one clear error (hypothesis found it)."""
    with pytest.raises(InstanceError, match="unit_cost"):
        parse_instance(with_row("lanes", unit_cost=amount))


def test_lines_whose_point_has_no_lane_and_stock_of_skus_nobody_wants_are_accepted():
    doc = example()
    doc["lines"].append({"id": "L2", "service_point": "SP9", "sku": "P7", "qty": 1,
                         "weight": 1, "hours_left": -5})
    doc["stock"].append({"warehouse": "GD1", "sku": "P8", "qty": 3})
    instance = parse_instance(doc)
    assert instance.lane_of(instance.stock_warehouse[:1], instance.line_point[1:]).tolist() == [-1]


def test_fractional_hours_are_accepted():
    instance = parse_instance(with_row("lanes", hours=Decimal("20.5")))
    assert instance.lane_hours.tolist() == [20.5]


def test_a_written_plan_reads_back_to_the_same_allocations(tmp_path):
    instance = parse_instance(example())
    plan = solve(instance)
    write_plan(plan, tmp_path / "plan.json")
    again = read_plan(tmp_path / "plan.json", instance)
    assert again.allocations() == plan.allocations()
    assert again.summary["objective"] == plan.summary["objective"] == "5993.00"


def test_a_plan_naming_an_unknown_warehouse_is_refused():
    instance = parse_instance(example())
    with pytest.raises(InstanceError, match="unknown warehouse 'XX'"):
        parse_plan({"allocations": [{"line": "L1", "warehouse": "XX", "qty": 1}]}, instance)


BAD_FILES = {
    "malformed JSON": ('{"stock": [}', "malformed JSON at line 1 column 12"),
    "not an object": ("[1, 2]", "must be a JSON object"),
    "unknown top-level key": (example(extra=[]), "unknown top-level key 'extra'"),
    "missing lines": ({k: v for k, v in EXAMPLE.items() if k != "lines"}, "missing top-level key 'lines'"),
    "table not a list": (example(lanes={}), "'lanes' must be a list"),
    "row not an object": (example(stock=[7]), "stock[0] must be an object"),
    "missing field": ({**example(), "lines": [{"id": "L1"}]}, "lines[0]: missing field 'service_point'"),
    "unknown field": (with_row("stock", bin="A1"), "stock[0]: unknown field 'bin'"),
    "unknown warehouse": (with_row("stock", warehouse="ZZ9"), "unknown warehouse 'ZZ9'"),
    "negative qty": (with_row("lines", qty=-1), "qty must not be negative"),
    "negative stock": (with_row("stock", qty=-4), "stock[0]: qty must not be negative"),
    "non-integer qty": (with_row("lines", qty=1.5), "qty must be an integer"),
    "qty as text": (with_row("stock", qty="5"), "qty must be an integer"),
    "boolean qty": (with_row("lines", qty=True), "qty must be an integer"),
    "weight below one": (with_row("lines", weight=0), "weight must be at least 1"),
    "huge weight": (with_row("lines", weight=10**30), "weight must be at most"),
    "empty id": (with_row("lines", id=""), "id must be a non-empty string"),
    "numeric sku": (with_row("stock", sku=12), "sku must be a non-empty string"),
    "hours not a number": (with_row("lanes", hours="20"), "hours must be a number"),
    "negative lane hours": (with_row("lanes", hours=-1), "hours must be between 0"),
    "money with sub-cents": (with_row("lanes", unit_cost="3.505"), "more than 2 decimal places"),
    "money as a word": (with_row("lanes", unit_cost="cheap"), "must be a decimal amount"),
    "money as a list": (with_row("lanes", unit_cost=[3]), "must be a decimal amount"),
    "negative money": (with_row("lanes", unit_cost="-1.00"), "must not be negative"),
    "money with spaces": (with_row("lanes", unit_cost=" 3.50"), "must be a decimal amount"),
    "params not an object": (example(params=[]), "'params' must be an object"),
    "unknown param": (example(params={"value_early": "1.00"}), "params: unknown key 'value_early'"),
    "late worth more than on time": (example(params={"value_on_time": "1.00", "value_late": "2.00"}),
                                     "value_late exceeds value_on_time"),
    "duplicate line id": ({**example(), "lines": EXAMPLE["lines"] * 2}, "duplicate line id 'L1'"),
    "duplicate stock row": ({**example(), "stock": EXAMPLE["stock"] * 2}, "stock[1]: duplicate row"),
    "duplicate lane": ({**example(), "lanes": EXAMPLE["lanes"] * 2}, "lanes[1]: duplicate row"),
    "NaN hours": ('{"stock": [], "lanes": [{"from": "A", "to": "B", "hours": NaN, "unit_cost": "1"}],'
                  ' "lines": []}', "hours must be between"),
    "deep nesting": ("[" * 100000 + "]" * 100000, "unreadable JSON"),
    "huge integer": ('{"stock": [], "lanes": [], "lines": [], "x": ' + "9" * 5000 + "}", "unreadable JSON"),
}


@pytest.mark.parametrize("content, expected", BAD_FILES.values(), ids=BAD_FILES.keys())
def test_a_bad_file_gets_one_clear_error_line_and_exit_2(tmp_path, capsys, content, expected):
    path = tmp_path / "instance.json"
    path.write_text(content if isinstance(content, str) else json.dumps(content))
    assert offline.main(str(path), str(tmp_path / "plan.json")) == 2
    out, err = capsys.readouterr()
    assert err.startswith("error: ") and err.endswith("\n") and err.count("\n") == 1
    assert expected in err and "Traceback" not in err and out == ""
    assert not (tmp_path / "plan.json").exists()


def test_a_missing_file_gets_one_clear_error_line(tmp_path, capsys):
    assert offline.main(str(tmp_path / "nowhere.json"), str(tmp_path / "plan.json")) == 2
    err = capsys.readouterr().err
    assert "cannot read the file" in err and err.count("\n") == 1


def test_a_file_that_is_not_utf8_gets_one_clear_error_line(tmp_path, capsys):
    path = tmp_path / "instance.json"
    path.write_bytes(b'{"stock": "\xff\xfe\xfa"}')
    assert offline.main(str(path), str(tmp_path / "plan.json")) == 2
    assert capsys.readouterr().err.count("\n") == 1


def test_an_unwritable_plan_path_gets_one_clear_error_line(tmp_path, capsys):
    path = tmp_path / "instance.json"
    path.write_text(json.dumps(example()))
    assert offline.main(str(path), str(tmp_path / "no" / "such" / "dir" / "plan.json")) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: cannot write") and err.count("\n") == 1


def test_the_offline_command_writes_the_plan_and_prints_one_summary_line(tmp_path, capsys):
    path = tmp_path / "instance.json"
    path.write_text(json.dumps(example()))
    assert offline.main(str(path), str(tmp_path / "plan.json")) == 0
    written = json.loads((tmp_path / "plan.json").read_text())
    assert written["allocations"] == [{"line": "L1", "warehouse": "GD1", "qty": 2}]
    assert written["summary"]["objective"] == "5993.00"
    assert capsys.readouterr().out.count("\n") == 1


def test_read_instance_names_the_file_in_its_errors(tmp_path):
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(with_row("lines", qty=-3)))
    with pytest.raises(InstanceError, match=r"bad\.json: lines\[0\] \(line 'L1'\): qty"):
        read_instance(path)


# Fuzz: whatever dict arrives, parse_instance answers with an Instance or an InstanceError.

scalars = st.one_of(st.none(), st.booleans(), st.integers(-10**20, 10**20),
                    st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=6),
                    st.sampled_from(["3.50", "-1", "1e3", "0.001", "NaN", "GD1", "P1", "L1", "SP0001"]),
                    st.decimals(allow_nan=True, allow_infinity=True, places=3))
json_values = st.recursive(scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=5), inner, max_size=3)), max_leaves=8)


def mostly(valid, anything, odds: int = 9):
    """`valid` about odds times in odds + 1, else `anything` (a middle draw: Hypothesis favours ends)."""
    return st.integers(0, odds).flatmap(lambda n: anything if n == odds // 2 else valid)


def near_valid_rows(table: str):
    """Rows that are mostly right: each field usually valid, sometimes anything at all."""
    fields = {"stock": ["warehouse", "sku", "qty"], "lanes": ["from", "to", "hours", "unit_cost"],
              "lines": ["id", "service_point", "sku", "qty", "weight", "hours_left"]}[table]
    valid = {"warehouse": st.just("GD1"), "from": st.sampled_from(["GD1", "HQ"]),
             "sku": st.sampled_from(["P1", "P2"]), "to": st.sampled_from(["SP1", "SP2"]),
             "service_point": st.sampled_from(["SP1", "SP2", "SP3"]), "id": st.sampled_from(["L1", "L2", "L3"]),
             "qty": st.integers(0, 5), "weight": st.integers(1, 4), "hours": st.integers(0, 90),
             "hours_left": st.integers(-30, 60), "unit_cost": st.sampled_from(["3.50", "0", "12.05", 4])}
    row = st.fixed_dictionaries({f: mostly(valid[f], scalars, 30) for f in fields})
    odd_row = st.one_of(json_values, st.fixed_dictionaries({f: valid[f] for f in fields},
                                                           optional={"extra": scalars}))
    return st.lists(mostly(row, odd_row, 30), min_size=table == "lanes", max_size=4)


params = st.fixed_dictionaries({}, optional={"value_on_time": mostly(st.just("1000.00"), scalars),
                                             "value_late": mostly(st.sampled_from(["400.00", "0"]), scalars)})
instances = mostly(
    st.fixed_dictionaries(
        {"stock": near_valid_rows("stock"), "lanes": near_valid_rows("lanes"),
         "lines": near_valid_rows("lines")},
        optional={"params": mostly(params, json_values)}),
    json_values, odds=5)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(instances)
def test_parse_instance_raises_nothing_but_one_line_instance_errors(doc):
    try:
        instance = parse_instance(doc)
    except InstanceError as error:
        assert "\n" not in str(error) and str(error)
    else:
        solve(instance)
