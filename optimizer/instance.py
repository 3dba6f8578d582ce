"""The optimizer's files: an Instance read and validated into numpy arrays, a Plan written back.

Money is integer cents from the moment it is read (strings, ints or exact decimals; never a
binary float), quantities are ints. A bad file raises `InstanceError` with one line naming
the record and the field, so the CLI can print it without a traceback.

Warehouses are known by the lanes that leave them, so stock at a warehouse no lane leaves is
an unknown warehouse (a typo would otherwise silently strand the stock). Lines at a point no
lane reaches, or of a sku nobody stocks, are valid: they stay unshipped.
"""
from __future__ import annotations

import json
import os
import re
import tempfile
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import cached_property
from typing import Any, Sequence

import numpy as np

TABLES = {
    "stock": ("warehouse", "sku", "qty"),
    "lanes": ("from", "to", "hours", "unit_cost"),
    "lines": ("id", "service_point", "sku", "qty", "weight", "hours_left"),
}
PARAMS = {"value_on_time": "optimizer_value_on_time", "value_late": "optimizer_value_late"}
MAX_QTY = 10**9            # keeps every sum of units far inside int64
MAX_WEIGHT = 10**6
MAX_CENTS = 10**13         # 100 billion RMB: beyond any lane cost or line value
MAX_HOURS = 10**6
DENSE_LANE_LIMIT = 1 << 24  # warehouses x points up to which lanes are looked up in a matrix
MONEY_TEXT = re.compile(r"-?[0-9]+(\.[0-9]+)?")


class InstanceError(ValueError):
    """A bad instance or plan file; the message is one line naming the problem."""

    def __init__(self, message: str):
        super().__init__(" ".join(str(message).split()))


@dataclass(frozen=True, eq=False)
class Instance:
    """Open lines, free stock and lanes as index arrays; the id lists map indices back."""

    value_on_time: Decimal
    value_late: Decimal
    warehouses: list[str]
    service_points: list[str]
    skus: list[str]
    line_ids: list[str]
    stock_warehouse: np.ndarray
    stock_sku: np.ndarray
    stock_qty: np.ndarray
    lane_from: np.ndarray
    lane_to: np.ndarray
    lane_hours: np.ndarray
    lane_cost_cents: np.ndarray
    line_point: np.ndarray
    line_sku: np.ndarray
    line_qty: np.ndarray
    line_weight: np.ndarray
    line_hours_left: np.ndarray

    @cached_property
    def line_index(self) -> dict[str, int]:
        return {name: i for i, name in enumerate(self.line_ids)}

    @cached_property
    def warehouse_index(self) -> dict[str, int]:
        return {name: i for i, name in enumerate(self.warehouses)}

    @cached_property
    def point_index(self) -> dict[str, int]:
        return {name: i for i, name in enumerate(self.service_points)}

    @cached_property
    def sku_index(self) -> dict[str, int]:
        return {name: i for i, name in enumerate(self.skus)}

    @property
    def value_on_time_cents(self) -> int:
        return int(self.value_on_time * 100)

    @property
    def value_late_cents(self) -> int:
        return int(self.value_late * 100)

    def lane_of(self, warehouse: np.ndarray, point: np.ndarray) -> np.ndarray:
        """Index of the lane from each warehouse to each point, -1 where there is none."""
        table, dense = self._lane_table
        if dense:
            return table[warehouse, point]
        key = np.asarray(warehouse, np.int64) * len(self.service_points) + point
        order, keys = table
        if len(keys) == 0:
            return np.full(np.shape(key), -1, dtype=np.int64)
        at = np.minimum(np.searchsorted(keys, key), len(keys) - 1)
        return np.where(keys[at] == key, order[at], -1)

    @cached_property
    def _lane_table(self):
        n_w, n_p = len(self.warehouses), len(self.service_points)
        lane_ids = np.arange(len(self.lane_from), dtype=np.int64)
        if n_w * n_p <= DENSE_LANE_LIMIT:
            table = np.full((n_w, n_p), -1, dtype=np.int64)
            table[self.lane_from, self.lane_to] = lane_ids
            return table, True
        keys = self.lane_from * n_p + self.lane_to
        order = np.argsort(keys, kind="stable")
        return (lane_ids[order], keys[order]), False


@dataclass(frozen=True, eq=False)
class Plan:
    """Units shipped per (line, warehouse), as indices into the instance, and the summary."""

    line: np.ndarray
    warehouse: np.ndarray
    qty: np.ndarray
    line_ids: Sequence[str]
    warehouses: Sequence[str]
    summary: dict = field(default_factory=dict)
    seconds: dict = field(default_factory=dict)  # where the solve time went, for the benchmark

    def allocations(self) -> list[dict]:
        ids, names = self.line_ids, self.warehouses
        return [{"line": ids[l], "warehouse": names[w], "qty": q}
                for l, w, q in zip(self.line.tolist(), self.warehouse.tolist(), self.qty.tolist())]


def cents_text(cents: int) -> str:
    """Integer cents as a 2-decimal string: 123456 -> '1234.56'."""
    sign, cents = ("-", -cents) if cents < 0 else ("", cents)
    return f"{sign}{cents // 100}.{cents % 100:02d}"


def read_instance(path: str | os.PathLike) -> Instance:
    try:
        return parse_instance(_load_json(path))
    except InstanceError as error:
        raise InstanceError(f"{os.fspath(path)}: {error}") from None


def parse_instance(doc: Any) -> Instance:
    """Validate an instance-file dict (OPTIMIZER.md) into arrays; InstanceError on the first problem."""
    if not isinstance(doc, dict):
        raise InstanceError(f"an instance must be a JSON object, got {_kind(doc)}")
    for key in doc:
        if key != "params" and key not in TABLES:
            raise InstanceError(f"unknown top-level key {_show(key)}")
    for key in TABLES:
        if key not in doc:
            raise InstanceError(f"missing top-level key '{key}'")
    value_on_time, value_late = _params(doc.get("params", {}))
    stock = _columns(doc, "stock")
    lanes = _columns(doc, "lanes")
    lines = _columns(doc, "lines")
    for name, column in (("warehouse", stock[0]), ("sku", stock[1])):
        _check_ids(column, "stock", name)
    for name, column in (("from", lanes[0]), ("to", lanes[1])):
        _check_ids(column, "lanes", name)
    for name, column in (("id", lines[0]), ("service_point", lines[1]), ("sku", lines[2])):
        _check_ids(column, "lines", name, lines[0])
    _check_unique_lines(lines[0])

    warehouses: dict[str, int] = {}
    points: dict[str, int] = {}
    skus: dict[str, int] = {}
    lane_from = _index(warehouses, lanes[0])
    known_warehouses = len(warehouses)
    stock_warehouse = _index(warehouses, stock[0])
    if len(warehouses) > known_warehouses:
        i = int(np.argmax(stock_warehouse >= known_warehouses))
        raise InstanceError(f"stock[{i}]: unknown warehouse {_show(stock[0][i])} (no lane leaves it)")
    lane_to = _index(points, lanes[1])
    line_point = _index(points, lines[1])
    stock_sku = _index(skus, stock[1])
    line_sku = _index(skus, lines[2])
    _check_unique_pairs("stock", stock_warehouse, stock_sku, len(skus), ("warehouse", "sku"), stock)
    _check_unique_pairs("lanes", lane_from, lane_to, len(points), ("from", "to"), lanes)

    return Instance(
        value_on_time=value_on_time, value_late=value_late,
        warehouses=list(warehouses), service_points=list(points), skus=list(skus),
        line_ids=lines[0],
        stock_warehouse=stock_warehouse, stock_sku=stock_sku,
        stock_qty=_ints(stock[2], "stock", "qty", 0, MAX_QTY),
        lane_from=lane_from, lane_to=lane_to,
        lane_hours=_hours(lanes[2], "lanes", "hours", 0),
        lane_cost_cents=_money_column(lanes[3], "lanes", "unit_cost"),
        line_point=line_point, line_sku=line_sku,
        line_qty=_ints(lines[3], "lines", "qty", 0, MAX_QTY, lines[0]),
        line_weight=_ints(lines[4], "lines", "weight", 1, MAX_WEIGHT, lines[0]),
        line_hours_left=_hours(lines[5], "lines", "hours_left", -MAX_HOURS, lines[0]),
    )


def write_plan(plan: Plan, path: str | os.PathLike) -> None:
    """Write the plan file (OPTIMIZER.md) atomically, so a crash never leaves half a plan."""
    text = json.dumps({"allocations": plan.allocations(), "summary": plan.summary})
    tmp = None
    try:
        fd, tmp = tempfile.mkstemp(dir=os.path.dirname(os.path.abspath(path)), prefix=".plan-")
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(text)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except OSError as error:
        if tmp and os.path.exists(tmp):
            os.unlink(tmp)
        raise InstanceError(f"cannot write {os.fspath(path)}: {error.strerror or error}") from None


def read_plan(path: str | os.PathLike, instance: Instance) -> Plan:
    """A plan file back as a Plan on the instance's indices, for checking it."""
    try:
        return parse_plan(_load_json(path), instance)
    except InstanceError as error:
        raise InstanceError(f"{os.fspath(path)}: {error}") from None


def parse_plan(doc: Any, instance: Instance) -> Plan:
    if not isinstance(doc, dict) or not isinstance(doc.get("allocations"), list):
        raise InstanceError("a plan must be a JSON object with an 'allocations' list")
    rows = doc["allocations"]
    want = {"line", "warehouse", "qty"}
    for i, row in enumerate(rows):
        if not isinstance(row, dict) or row.keys() != want:
            raise InstanceError(f"allocations[{i}] must be an object with line, warehouse and qty")
    lines, warehouses = instance.line_index, instance.warehouse_index
    for table, key in ((lines, "line"), (warehouses, "warehouse")):
        for i, row in enumerate(rows):
            if not isinstance(row[key], str) or row[key] not in table:
                raise InstanceError(f"allocations[{i}]: unknown {key} {_show(row[key])}")
    qty = _ints([row["qty"] for row in rows], "allocations", "qty", 0, MAX_QTY)
    summary = doc.get("summary")
    return Plan(line=np.array([lines[r["line"]] for r in rows], dtype=np.int64),
                warehouse=np.array([warehouses[r["warehouse"]] for r in rows], dtype=np.int64),
                qty=qty, line_ids=instance.line_ids, warehouses=instance.warehouses,
                summary=summary if isinstance(summary, dict) else {})


def _load_json(path) -> Any:
    try:
        with open(path, "rb") as src:
            raw = src.read()
    except OSError as error:
        raise InstanceError(f"cannot read the file: {error.strerror or error}") from None
    try:
        return json.loads(raw, parse_float=Decimal)
    except json.JSONDecodeError as error:
        raise InstanceError(f"malformed JSON at line {error.lineno} column {error.colno}: {error.msg}") from None
    except UnicodeDecodeError:
        raise InstanceError("not UTF-8 text") from None
    except (ValueError, RecursionError) as error:
        raise InstanceError(f"unreadable JSON: {error}") from None


def _params(params: Any) -> tuple[Decimal, Decimal]:
    if not isinstance(params, dict):
        raise InstanceError(f"'params' must be an object, got {_kind(params)}")
    for key in params:
        if key not in PARAMS:
            raise InstanceError(f"params: unknown key {_show(key)}")
    values = []
    for key, policy_key in PARAMS.items():
        raw = params[key] if key in params else _policy_default(policy_key)
        values.append(Decimal(_cents(raw, f"params.{key}")).scaleb(-2))
    if values[1] > values[0]:
        raise InstanceError("params: value_late exceeds value_on_time")
    return values[0], values[1]


def _policy_default(key: str) -> Any:
    """HQ's default from the policy table; imported late as it pulls in SQLAlchemy."""
    from inventory.policy import DEFAULTS

    return DEFAULTS[key].default


def _columns(doc: dict, table: str) -> list[list]:
    """The table's rows as one list per field, after checking every row has exactly the fields."""
    rows, fields = doc[table], TABLES[table]
    if not isinstance(rows, list):
        raise InstanceError(f"'{table}' must be a list of objects, got {_kind(rows)}")
    want = set(fields)
    for i, row in enumerate(rows):
        if type(row) is not dict or row.keys() != want:
            _row_shape_error(table, i, row, fields)
    return [[row[name] for row in rows] for name in fields]


def _row_shape_error(table, i, row, fields):
    if not isinstance(row, dict):
        raise InstanceError(f"{table}[{i}] must be an object, got {_kind(row)}")
    for name in fields:
        if name not in row:
            raise InstanceError(f"{table}[{i}]: missing field '{name}'")
    extra = next(key for key in row if key not in fields)
    raise InstanceError(f"{table}[{i}]: unknown field {_show(extra)}")


def _where(table: str, i: int, ids: list | None) -> str:
    if ids is not None and type(ids[i]) is str and ids[i]:
        return f"{table}[{i}] (line {_show(ids[i])})"
    return f"{table}[{i}]"


def _check_ids(column: list, table: str, name: str, ids: list | None = None) -> None:
    if all(type(x) is str and x for x in column):
        return
    i = next(i for i, x in enumerate(column) if not (type(x) is str and x))
    raise InstanceError(f"{_where(table, i, ids)}: {name} must be a non-empty string, got {_show(column[i])}")


def _check_unique_lines(ids: list[str]) -> None:
    if len(set(ids)) == len(ids):
        return
    first: dict[str, int] = {}
    for i, line_id in enumerate(ids):
        if line_id in first:
            raise InstanceError(f"lines[{i}]: duplicate line id {_show(line_id)} (first at lines[{first[line_id]}])")
        first[line_id] = i


def _check_unique_pairs(table, a, b, n_b, names, columns) -> None:
    key = a * max(n_b, 1) + b
    if len(np.unique(key)) == len(key):
        return
    first: dict[int, int] = {}
    for i, k in enumerate(key.tolist()):
        if k in first:
            raise InstanceError(
                f"{table}[{i}]: duplicate row for {names[0]} {_show(columns[0][i])}, "
                f"{names[1]} {_show(columns[1][i])} (first at {table}[{first[k]}])")
        first[k] = i


def _index(names: dict[str, int], column: list[str]) -> np.ndarray:
    """Indices of the names in column, adding names not seen yet in order of appearance."""
    for name in column:
        if name not in names:
            names[name] = len(names)
    return np.fromiter(map(names.__getitem__, column), dtype=np.int64, count=len(column))


def _ints(column, table, name, low, high, ids=None) -> np.ndarray:
    if all(type(x) is int and low <= x <= high for x in column):
        return np.array(column, dtype=np.int64)
    i, x = next((i, x) for i, x in enumerate(column) if not (type(x) is int and low <= x <= high))
    where = _where(table, i, ids)
    if type(x) is not int:
        raise InstanceError(f"{where}: {name} must be an integer, got {_show(x)}")
    if x < low:
        rule = "must not be negative" if low == 0 else f"must be at least {low}"
        raise InstanceError(f"{where}: {name} {rule}, got {x}")
    raise InstanceError(f"{where}: {name} must be at most {high}, got {_show(x)}")


def _hours(column, table, name, low, ids=None) -> np.ndarray:
    def ok(x) -> bool:
        return _is_number(x) and low <= x <= MAX_HOURS

    if all(type(x) is int and low <= x <= MAX_HOURS for x in column):
        return np.array(column, dtype=np.float64)
    if all(map(ok, column)):
        return np.array([float(x) for x in column], dtype=np.float64)
    i, x = next((i, x) for i, x in enumerate(column) if not ok(x))
    if type(x) not in (int, float, Decimal):
        raise InstanceError(f"{_where(table, i, ids)}: {name} must be a number, got {_show(x)}")
    raise InstanceError(f"{_where(table, i, ids)}: {name} must be between {low} and {MAX_HOURS}, got {_show(x)}")


def _money_column(column, table, name) -> np.ndarray:
    seen: dict = {}
    cents = []
    for i, raw in enumerate(column):
        # a signalling NaN cannot be hashed: only finite decimals are remembered (`_cents` refuses the rest)
        hashable = isinstance(raw, (str, int, float)) or (isinstance(raw, Decimal) and raw.is_finite())
        key = (type(raw), raw) if hashable else None
        value = seen.get(key) if key is not None else None
        if value is None:
            value = _cents(raw, f"{table}[{i}].{name}")
            if key is not None:
                seen[key] = value
        cents.append(value)
    return np.array(cents, dtype=np.int64)


def _cents(raw: Any, where: str) -> int:
    """Exact integer cents from a decimal string, an int or an exact decimal; never via float."""
    if type(raw) is str and MONEY_TEXT.fullmatch(raw):
        amount = Decimal(raw)
    elif type(raw) is int:
        amount = Decimal(raw)
    elif type(raw) is Decimal and raw.is_finite():
        amount = raw
    elif type(raw) is float and raw == raw and abs(raw) != float("inf"):
        amount = Decimal(repr(raw))
    else:
        raise InstanceError(f"{where} must be a decimal amount such as \"3.50\", got {_show(raw)}")
    sign, digits, exponent = amount.as_tuple()
    if not any(digits):
        return 0
    if sign:
        raise InstanceError(f"{where} must not be negative, got {_show(raw)}")
    if exponent < -2 and any(digits[exponent + 2:]):
        raise InstanceError(f"{where} has more than 2 decimal places: {_show(raw)}")
    if len(digits) + exponent > 13:
        raise InstanceError(f"{where} is too large: {_show(raw)}")
    try:
        cents = int(amount.scaleb(2).to_integral_value())
    except (InvalidOperation, OverflowError):
        raise InstanceError(f"{where} is not a usable amount: {_show(raw)}") from None
    if cents > MAX_CENTS:
        raise InstanceError(f"{where} is too large: {_show(raw)}")
    return cents


def _is_number(x: Any) -> bool:
    """A finite JSON number; booleans are not numbers here."""
    if type(x) is int:
        return True
    if type(x) is Decimal:
        return x.is_finite()
    return type(x) is float and x == x and abs(x) != float("inf")


def _kind(value: Any) -> str:
    return {dict: "an object", list: "a list", str: "a string", bool: "a boolean",
            type(None): "null"}.get(type(value), "a number" if isinstance(value, (int, float, Decimal))
                                    else type(value).__name__)


def _show(value: Any, limit: int = 40) -> str:
    text = str(value) if type(value) is Decimal else repr(value)
    return text if len(text) <= limit else text[:limit - 3] + "..."
