"""Spreadsheet import (CSV or XLSX) of parts, service points, stock counts, the customer price list and bins.

`read_table` turns an upload into rows of text keyed by column; `check` validates every row
(all problems, each named by row and column, not just the first) and says what would change;
`apply` writes a checked import in the caller's transaction, through the world loader
(master data), the ledger's stock count (counts), the catalogue's list prices (prices) or the
warehouses' bins (`inventory.warehouses.bins`). Nothing is written while any row is bad.
Problems and table errors are marked for translation and read in the page's language when
shown, the schemas' messages too (`schema_messages`).
"""
from __future__ import annotations

import csv
import io
from decimal import Decimal, InvalidOperation

from flask_babel import LazyString
from flask_babel import lazy_gettext as _l
from marshmallow import ValidationError, fields
from sqlalchemy import select
from sqlalchemy.orm import Session

from inventory.catalog import Part, set_list_prices
from inventory.network import Center, ServicePoint, Warehouse
from inventory.policy import load_policy
from inventory.errors import DomainError, InvalidInput
from inventory.warehouses import bins as bin_locations
from inventory.warehouses import cycle_counts, ledger
from inventory.warehouses.bins import BinLocation
from inventory.warehouses.models import StockBalance
from inventory.world import load_world
from inventory.world_schema import SKU, Money, PartSchema, ServicePointSchema, Strict

from .refusals import refusal
from .sheet_rows import FALSE, TRUE, Checked, Problem
from .schema_messages import schema_message

KINDS = ("parts", "service_points", "stock_counts", "list_prices", "bins", "supersessions")

COLUMNS = {
    "parts": (("sku", True), ("name", True), ("unit_price", True), ("unit_cost", True), ("family", True),
              ("weight_kg", False), ("key_component", False), ("returnable", False),
              ("annual_demand", False), ("season", False)),
    "service_points": (("code", True), ("name", True), ("center", True), ("province", True),
                       ("distance_class", True), ("lat", False), ("lon", False), ("city_tier", False)),
    "stock_counts": (("warehouse", True), ("sku", True), ("counted", True), ("reason", True)),
    "list_prices": (("sku", True), ("list_price", True)),
    "bins": (("warehouse", True), ("sku", True), ("bin", True)),
    "supersessions": (("old_sku", True), ("new_sku", True), ("two_way", False)),
}

# Chinese headers as people write them in their own sheets.
ALIASES = {
    "配件编码": "sku", "物料编码": "sku", "编码": "code", "网点编码": "code", "名称": "name", "配件名称": "name",
    "网点名称": "name", "单价": "unit_price", "销售价": "unit_price", "成本": "unit_cost", "成本价": "unit_cost",
    "重量": "weight_kg", "重量kg": "weight_kg", "主要部件": "key_component", "需返还": "returnable",
    "旧件返还": "returnable", "产品系列": "family", "系列": "family", "服务中心": "center", "中心": "center",
    "省份": "province", "距离类型": "distance_class", "纬度": "lat", "经度": "lon", "仓库": "warehouse",
    "仓库编码": "warehouse", "盘点数量": "counted", "实盘数": "counted", "原因": "reason", "备注": "reason",
    "年需求": "annual_demand", "季节": "season",
    "零售价": "list_price", "用户价": "list_price", "收费标准": "list_price", "配件收费": "list_price",
    "城市级别": "city_tier", "城市类别": "city_tier",
    "库位": "bin", "货位": "bin", "库位编码": "bin", "储位": "bin",
    "旧配件编码": "old_sku", "原配件编码": "old_sku", "被替代编码": "old_sku", "新配件编码": "new_sku",
    "替代配件编码": "new_sku", "替代编码": "new_sku", "双向互换": "two_way", "可互换": "two_way",
}
# each column's first Chinese header above: what a Chinese page calls the column
HEADER_ZH: dict[str, str] = {}
for _header, _key in ALIASES.items():
    HEADER_ZH.setdefault(_key, _header)
class TableError(ValueError):
    """The upload cannot be read as a table at all (the message says why)."""


# -- reading -----------------------------------------------------------------------------------

def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return format(Decimal(repr(value)).normalize(), "f") if value == value else ""
    return str(value).strip()


def _header(name: str) -> str:
    key = _text(name).lower().replace(" ", "_")
    return ALIASES.get(_text(name), key)


def _decode(data: bytes) -> str:
    for encoding in ("utf-8-sig", "gb18030"):  # Excel in China saves CSV as GBK
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise TableError(_l("the file is neither UTF-8 nor GBK text"))


def _csv_rows(data: bytes) -> list[list[str]]:
    text = _decode(data)
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    return [list(r) for r in csv.reader(io.StringIO(text), dialect)]


def _xlsx_rows(data: bytes, max_rows: int) -> list[list]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # noqa: BLE001 - openpyxl raises many kinds for a bad file; none is the clerk's business
        raise TableError(_l("not a readable XLSX workbook: save it again from Excel or WPS as .xlsx, "
                            "or as CSV")) from None
    try:
        sheet = book.worksheets[0]
        rows = []
        for row in sheet.iter_rows(values_only=True):
            rows.append(list(row))
            if len(rows) > max_rows + 1:
                break
        return rows
    finally:
        book.close()


def read_table(filename: str, data: bytes, max_rows: int) -> list[dict]:
    """Rows as {column: text, "_row": spreadsheet row number}; blank rows are skipped."""
    name = (filename or "").lower()
    if name.endswith(".xlsx"):
        raw = _xlsx_rows(data, max_rows)
    elif name.endswith(".csv"):
        raw = _csv_rows(data)
    else:
        raise TableError(_l("only .csv and .xlsx files can be imported"))
    if not raw:
        raise TableError(_l("the file is empty"))
    headers = [_header(h) for h in raw[0]]
    if not any(headers):
        raise TableError(_l("the first row must name the columns"))
    rows = []
    for number, values in enumerate(raw[1:], start=2):
        cells = [_text(v) for v in values]
        if not any(cells):
            continue
        row = {h: (cells[i] if i < len(cells) else "") for i, h in enumerate(headers) if h}
        row["_row"] = number
        rows.append(row)
        if len(rows) > max_rows:
            raise TableError(_l("at most %(n)s rows can be imported at once", n=max_rows))
    if not rows:
        raise TableError(_l("the file has a header row but no data"))
    return rows


# -- checking ----------------------------------------------------------------------------------

def _missing_columns(kind: str, rows: list[dict]) -> list[Problem]:
    present = set(rows[0]) if rows else set()
    return [Problem(1, name, _l("required column is missing")) for name, required in COLUMNS[kind]
            if required and name not in present]


def _bool(value: str, row: int, column: str, problems: list[Problem]):
    v = value.strip().lower()
    if v in TRUE:
        return True
    if v in FALSE:
        return False
    problems.append(Problem(row, column, _l("must be yes or no (1/0, true/false, 是/否)")))
    return None


def _flatten(messages, prefix="") -> list[tuple[str, str]]:
    if isinstance(messages, dict):
        out = []
        for key, value in messages.items():
            out.extend(_flatten(value, key if key != "_schema" else prefix))
        return out
    if isinstance(messages, list):
        return [(prefix, str(m)) for m in messages if isinstance(m, str)] or \
               [p for m in messages for p in _flatten(m, prefix)]
    return [(prefix, str(messages))]


def _schema_row(schema, record: dict, number: int, problems: list[Problem]) -> bool:
    try:
        schema.load(record)
        return True
    except ValidationError as exc:
        for column, message in _flatten(exc.messages):
            problems.append(Problem(number, column or "-", schema_message(message)))
        return False


def _world_record(kind: str, row: dict, problems: list[Problem]) -> dict:
    """A row as the world file's record: empty optional cells left out, yes/no made booleans."""
    number = row["_row"]
    allowed = [name for name, _ in COLUMNS[kind]]
    record = {k: v for k, v in row.items() if k in allowed and v != ""}
    if kind == "parts":
        for flag in ("key_component", "returnable"):
            if flag in record:
                record[flag] = _bool(record[flag], number, flag, problems)
        for name in ("weight_kg", "annual_demand"):
            if name in record:
                try:
                    record[name] = float(record[name])
                except ValueError:
                    problems.append(Problem(number, name, _l("must be a number")))
    else:
        for name in ("lat", "lon"):
            if name in record:
                try:
                    record[name] = float(record[name])
                except ValueError:
                    problems.append(Problem(number, name, _l("must be a number")))
    return record


def _duplicates(rows: list[dict], key, column: str, problems: list[Problem]) -> None:
    seen: dict = {}
    for row in rows:
        k = key(row)
        if k in seen:
            problems.append(Problem(row["_row"], column, _l("duplicate of row %(row)s", row=seen[k])))
        else:
            seen[k] = row["_row"]


def _check_master(session: Session, kind: str, rows: list[dict], result: Checked) -> None:
    schema, key, model = {"parts": (PartSchema(), "sku", Part),
                          "service_points": (ServicePointSchema(), "code", ServicePoint)}[kind]
    records = []
    for row in rows:
        before = len(result.problems)
        record = _world_record(kind, row, result.problems)
        if len(result.problems) == before and _schema_row(schema, record, row["_row"], result.problems):
            records.append((row["_row"], record))
    _duplicates(rows, lambda r: r.get(key), key, result.problems)
    if kind == "service_points":
        centers = set(session.scalars(select(Center.code)))
        warehouses = set(session.scalars(select(Warehouse.code)))
        for number, rec in records:
            if rec["center"] not in centers:
                result.problems.append(Problem(number, "center",
                                               _l("unknown service centre '%(code)s'", code=rec["center"])))
            if rec["code"] in warehouses:
                result.problems.append(Problem(number, "code", _l("is already a warehouse code")))
    if kind == "parts":
        for number, rec in records:
            try:
                if Decimal(rec["unit_cost"]) > Decimal(rec["unit_price"]) * 10:
                    result.problems.append(Problem(number, "unit_cost",
                                                   _l("more than ten times the unit price; a typo?")))
            except (InvalidOperation, KeyError):
                pass
    existing = {getattr(o, key): o for o in session.scalars(
        select(model).where(getattr(model, key).in_([rec[key] for _, rec in records])))}
    for _, rec in records:
        old = existing.get(rec[key])
        if old is None:
            result.new += 1
        elif str(old.name) != rec["name"] or _differs(kind, old, rec):
            result.changed += 1
        else:
            result.unchanged += 1
    result.rows = [rec for _, rec in records]
    result.preview = [dict(rec, _row=n, _status="new" if rec[key] not in existing else "update")
                      for n, rec in records[:20]]


def _differs(kind: str, old, rec: dict) -> bool:
    if kind == "parts":
        return (old.unit_price != Decimal(rec["unit_price"]) or old.unit_cost != Decimal(rec["unit_cost"])
                or old.family != rec["family"])
    return (old.center_code != rec["center"] or old.province != rec["province"]
            or old.distance_class != rec["distance_class"]
            or ("city_tier" in rec and old.city_tier != rec["city_tier"]))


class ListPriceRowSchema(Strict):
    sku = fields.String(required=True, validate=SKU)
    list_price = Money(required=True)


def _check_prices(session: Session, rows: list[dict], result: Checked) -> None:
    """Every row a known sku and a price in RMB; new = parts that had no list price yet."""
    schema, good = ListPriceRowSchema(), []
    for row in rows:
        record = {k: row.get(k, "") for k in ("sku", "list_price")}
        if _schema_row(schema, record, row["_row"], result.problems):
            good.append((row["_row"], record))
    _duplicates(rows, lambda r: r.get("sku"), "sku", result.problems)
    parts = {p.sku: p for p in session.scalars(select(Part).where(Part.sku.in_({r["sku"] for _, r in good})))}
    known = []
    for number, rec in good:
        part = parts.get(rec["sku"])
        if part is None:
            result.problems.append(Problem(number, "sku", _l("unknown sku '%(sku)s'", sku=rec["sku"])))
            continue
        price = Decimal(rec["list_price"])
        if part.list_price is None:
            result.new += 1
        elif part.list_price != price:
            result.changed += 1
        else:
            result.unchanged += 1
        known.append((number, rec, part))
    result.rows = [rec for _, rec, _ in known]
    result.preview = [dict(rec, _row=n, _status="new" if part.list_price is None else "update")
                      for n, rec, part in known[:20]]


class _Places:
    """Where the rows of a warehouse's kind (stock counts, bins) say they are: a known warehouse
    (the desk's own, at a warehouse's desk; `elsewhere` says why not) and a known sku."""

    def __init__(self, session: Session, rows: list[dict], warehouse: str | None, elsewhere):
        self.warehouses = set(session.scalars(select(Warehouse.code)))
        self.skus = set(session.scalars(select(Part.sku).where(Part.sku.in_({r.get("sku", "") for r in rows}))))
        self.warehouse, self.elsewhere = warehouse, elsewhere

    def of(self, row: dict) -> tuple[int, str, str, list[Problem]]:
        """The row's number, warehouse and sku, and what is wrong with them."""
        number, problems = row["_row"], []
        wh, sku = row.get("warehouse", ""), row.get("sku", "")
        if wh not in self.warehouses:
            problems.append(Problem(number, "warehouse", _l("unknown warehouse '%(code)s'", code=wh)))
        elif self.warehouse is not None and wh != self.warehouse:
            problems.append(Problem(number, "warehouse", self.elsewhere))
        if sku not in self.skus:
            problems.append(Problem(number, "sku", _l("unknown sku '%(sku)s'", sku=sku)))
        return number, wh, sku, problems


def _check_counts(session: Session, rows: list[dict], result: Checked, warehouse: str | None) -> None:
    places = _Places(session, rows, warehouse, _l("you may only count %(warehouse)s", warehouse=warehouse))
    good = []
    for row in rows:
        number, wh, sku, problems = places.of(row)
        counted = row.get("counted", "")
        try:
            counted_value = int(Decimal(counted))
            if counted_value != Decimal(counted) or counted_value < 0:
                raise InvalidOperation
        except (InvalidOperation, ValueError):
            problems.append(Problem(number, "counted", _l("must be a whole number >= 0")))
            counted_value = None
        if not row.get("reason", "").strip():
            problems.append(Problem(number, "reason", _l("a stock adjustment needs a reason")))
        elif len(row["reason"]) > 200:
            problems.append(Problem(number, "reason", _l("at most 200 characters")))
        result.problems.extend(problems)
        if not problems:
            good.append({"warehouse": wh, "sku": sku, "counted": counted_value, "reason": row["reason"].strip(),
                         "_row": number})
    _duplicates(rows, lambda r: (r.get("warehouse"), r.get("sku")), "sku", result.problems)
    balances = {(b.warehouse_code, b.sku): b for b in session.scalars(
        select(StockBalance).where(StockBalance.sku.in_({g["sku"] for g in good})))}
    costs = dict(session.execute(select(Part.sku, Part.unit_cost).where(Part.sku.in_({g["sku"] for g in good}))).all())
    policy = load_policy(session) if warehouse is not None else None
    waiting = {wh: cycle_counts.waiting_skus(session, wh, [g["sku"] for g in good if g["warehouse"] == wh])
               for wh in {g["warehouse"] for g in good}}
    for g in good:
        b = balances.get((g["warehouse"], g["sku"]))
        on_hand, reserved = (b.on_hand, b.reserved) if b else (0, 0)
        try:
            ledger.check_count(g["warehouse"], g["sku"], g["counted"], reserved)
        except DomainError as error:
            result.problems.append(Problem(g["_row"], "counted", LazyString(refusal, error)))
        if g["sku"] in waiting[g["warehouse"]]:
            result.problems.append(Problem(g["_row"], "sku", _l(
                "a count of it already waits for HQ (cycle count %(count)s); HQ decides it first",
                count=waiting[g["warehouse"]][g["sku"]])))
        g["on_hand"], g["delta"] = on_hand, g["counted"] - on_hand
        if warehouse is not None and not cycle_counts.within_tolerance(policy, g["delta"], on_hand, costs[g["sku"]]):
            result.waiting += 1
        elif g["delta"]:
            result.changed += 1
        else:
            result.unchanged += 1
    result.rows = [{k: v for k, v in g.items() if k in ("warehouse", "sku", "counted", "reason")} for g in good]
    result.preview = good[:20]


def _check_bins(session: Session, rows: list[dict], result: Checked, warehouse: str | None) -> None:
    """Every row a known warehouse (the desk's own, at a warehouse), a known sku and a bin code;
    one row per warehouse and sku. new = skus that had no bin there yet."""
    places = _Places(session, rows, warehouse, _l("only bins of %(warehouse)s can be imported here",
                                                  warehouse=warehouse))
    good = []
    for row in rows:
        number, wh, sku, problems = places.of(row)
        try:
            code = bin_locations.bin_code(row.get("bin", ""))
        except InvalidInput:
            problems.append(Problem(number, "bin", _l("a bin code is 1-20 letters, digits or '-'")))
            code = None
        result.problems.extend(problems)
        if not problems:
            good.append({"warehouse": wh, "sku": sku, "bin": code, "_row": number})
    _duplicates(rows, lambda r: (r.get("warehouse"), r.get("sku")), "sku", result.problems)
    current = {(b.warehouse_code, b.sku): b.bin for b in session.scalars(
        select(BinLocation).where(BinLocation.sku.in_({g["sku"] for g in good})))}
    for g in good:
        before = current.get((g["warehouse"], g["sku"]))
        g["_status"] = "new" if before is None else "update" if before != g["bin"] else "unchanged"
        result.new += before is None
        result.changed += before is not None and before != g["bin"]
        result.unchanged += before == g["bin"]
    result.rows = [{k: g[k] for k in ("warehouse", "sku", "bin")} for g in good]
    result.preview = good[:20]


def check(session: Session, kind: str, rows: list[dict], *, warehouse: str | None = None) -> Checked:
    """Every problem of every row, and what the import would change; writes nothing."""
    if kind not in KINDS:
        raise ValueError(kind)
    result = Checked(kind=kind, rows=[])
    result.problems.extend(_missing_columns(kind, rows))
    if result.problems:
        return result
    if kind == "stock_counts":
        _check_counts(session, rows, result, warehouse)
    elif kind == "list_prices":
        _check_prices(session, rows, result)
    elif kind == "bins":
        _check_bins(session, rows, result, warehouse)
    elif kind == "supersessions":
        from .supersession_rows import check_rows  # it builds on this module

        check_rows(session, rows, result)
    else:
        _check_master(session, kind, rows, result)
    result.problems.sort(key=lambda p: (p.row, p.column))
    return result


def apply(session: Session, checked: Checked, *, actor: str, hq: bool = False) -> int:
    """Write a clean import (the caller's transaction commits all of it or none); rows written.
    Stock counts: HQ's own (`hq`) are posted as counted (audited, `stock.adjust`); a clerk's
    follow the cycle count's rule - within the tolerance posted, beyond it waiting for HQ
    (`checked.waiting` says how many)."""
    if not checked.ok:
        raise ValueError("an import with problems is never applied")
    if checked.kind == "stock_counts" and hq:
        changed = 0
        for row in checked.rows:
            changed += bool(ledger.adjust_to_count(session, row["warehouse"], row["sku"], row["counted"],
                                                   actor=actor, reason=f"count import: {row['reason']}"[:200]))
        return changed
    if checked.kind == "stock_counts":
        policy, changed, checked.waiting = load_policy(session), 0, 0
        by_warehouse: dict[str, list[tuple[str, int, str]]] = {}
        for row in checked.rows:
            by_warehouse.setdefault(row["warehouse"], []).append(
                (row["sku"], row["counted"], f"count import: {row['reason']}"[:200]))
        for warehouse, counted in sorted(by_warehouse.items()):
            for done in cycle_counts.direct_counts(session, warehouse, counted, policy, actor=actor):
                changed += bool(done.posted_delta)
                checked.waiting += done.waiting
        return changed
    if checked.kind == "list_prices":
        return set_list_prices(session, {row["sku"]: row["list_price"] for row in checked.rows}, actor=actor,
                               source="spreadsheet")
    if checked.kind == "bins":
        by_warehouse: dict[str, dict[str, str]] = {}
        for row in checked.rows:
            by_warehouse.setdefault(row["warehouse"], {})[row["sku"]] = row["bin"]
        return sum(bin_locations.set_bins(session, wh, assigned, actor=actor)
                   for wh, assigned in sorted(by_warehouse.items()))
    if checked.kind == "supersessions":
        from .supersession_rows import apply_rows

        return apply_rows(session, checked.rows, actor=actor, source="spreadsheet")
    report = load_world(session, {checked.kind: checked.rows})
    return report.changed
