"""Master data from one world JSON file (WORLD.md): validate all of it, then upsert in one go.

Loading is idempotent: rows equal to the file are left alone, so loading the same file twice
writes nothing. Opening stock goes through the ledger (a receipt, or an adjustment when the
file changes an existing balance), never as a bare write. A bad file is refused whole.
"""
from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from marshmallow import ValidationError
from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from . import supersession
from .catalog import Part
from .errors import InvalidInput
from .network import Center, Dealer, Lane, ServicePoint, Warehouse, dealer_ship_to, derive_city_tier
from .purchasing.models import Supplier, SupplierPart
from .supersession import Replacement
from .warehouses import ledger
from .world_schema import SECTIONS

Progress = Callable[[str, int], None]
LOADER = "system:world-load"


@dataclass
class LoadReport:
    inserted: dict[str, int] = field(default_factory=dict)
    updated: dict[str, int] = field(default_factory=dict)

    @property
    def changed(self) -> int:
        return sum(self.inserted.values()) + sum(self.updated.values())

    def lines(self) -> list[str]:
        return [f"{name}: {self.inserted.get(name, 0)} new, {self.updated.get(name, 0)} changed"
                for name in SECTIONS]


def read_world_file(path: str) -> dict:
    try:
        with open(path, encoding="utf-8") as fh:
            data = json.load(fh, parse_float=Decimal)
    except FileNotFoundError:
        raise InvalidInput(f"{path}: no such file", code="world.no_file", path=path) from None
    except UnicodeDecodeError as exc:
        raise InvalidInput(f"{path}: not UTF-8 ({exc.reason} at byte {exc.start})", code="world.not_utf8",
                           path=path, reason=exc.reason, byte=exc.start) from None
    except json.JSONDecodeError as exc:
        raise InvalidInput(f"{path}: malformed JSON at line {exc.lineno} column {exc.colno}: {exc.msg}",
                           code="world.malformed_json", path=path, line=exc.lineno, column=exc.colno,
                           error=exc.msg) from None
    except RecursionError:
        raise InvalidInput(f"{path}: JSON nested too deeply", code="world.nested_too_deeply", path=path) from None
    return data


def _first_error(messages: Any, path: str = "") -> str:
    """Flatten marshmallow's nested error dict to 'field: message' for the first problem."""
    if isinstance(messages, dict):
        key = next(iter(messages))
        sub = f"{path}.{key}" if path else str(key)
        if key == "_schema":
            sub = path
        return _first_error(messages[key], sub)
    if isinstance(messages, list) and messages and not isinstance(messages[0], str):
        return _first_error(messages[0], path)
    text = messages[0] if isinstance(messages, list) else str(messages)
    return f"{path}: {text}" if path else text


def _record_name(section: str, index: int, raw: Any) -> str:
    _, key = SECTIONS[section]
    if isinstance(raw, dict):
        if key and isinstance(raw.get(key), str):
            return f"{section}[{index}] ({key} {raw[key]})"
        if section == "lanes":
            return f"{section}[{index}] ({raw.get('from')} -> {raw.get('to')})"
        if section == "stock":
            return f"{section}[{index}] ({raw.get('warehouse')}/{raw.get('sku')})"
        if section == "supplier_parts":
            return f"{section}[{index}] ({raw.get('supplier')}/{raw.get('sku')})"
    return f"{section}[{index}]"


def validate_world(data: Any, session: Session) -> dict[str, list[dict]]:
    """Parse every section, then check references against the file and the database."""
    if not isinstance(data, dict):
        raise InvalidInput("the world file must be a JSON object", code="world.not_an_object")
    unknown = sorted(set(data) - set(SECTIONS))
    if unknown:
        raise InvalidInput(f"unknown section {unknown[0]!r}; expected some of {', '.join(SECTIONS)}",
                           code="world.unknown_section", section=unknown[0])
    parsed: dict[str, list[dict]] = {}
    for section, (schema_cls, _) in SECTIONS.items():
        raw = data.get(section, [])
        if not isinstance(raw, list):
            raise InvalidInput(f"{section}: must be a list", code="world.section_not_a_list", section=section)
        try:
            parsed[section] = schema_cls(many=True).load(raw)
        except ValidationError as exc:
            index = next(iter(exc.messages))
            if not isinstance(index, int):
                raise InvalidInput(f"{section}: {_first_error(exc.messages)}", code="world.invalid_record",
                                   section=section) from None
            record = _record_name(section, index, raw[index])
            raise InvalidInput(f"{record}: {_first_error(exc.messages[index])}", code="world.invalid_record",
                               section=section, index=index) from None
    _check_references(parsed, session)
    return parsed


def _codes(session: Session, column, rows: list[dict], key: str) -> set[str]:
    return set(session.scalars(select(column))) | {r[key] for r in rows}


def _check_unique(section: str, rows: list[dict], key_of) -> None:
    seen: dict[Any, int] = {}
    for index, row in enumerate(rows):
        key = key_of(row)
        if key in seen:
            raise InvalidInput(f"{section}[{index}]: duplicate of {section}[{seen[key]}] "
                               f"({key if isinstance(key, str) else ' / '.join(key)})",
                               code="world.duplicate", section=section, index=index, first=seen[key])
        seen[key] = index


def _refuse(section: str, index: int, name: str, message: str, code: str) -> None:
    raise InvalidInput(f"{section}[{index}] ({name}): {message}", code=code, section=section, index=index,
                       record=name)


def _check_references(p: dict[str, list[dict]], session: Session) -> None:
    for section, (_, key) in SECTIONS.items():
        if key:
            _check_unique(section, p[section], lambda r, k=key: r[k])
    _check_unique("lanes", p["lanes"], lambda r: (r["from_"], r["to"]))
    _check_unique("stock", p["stock"], lambda r: (r["warehouse"], r["sku"]))

    centers = _codes(session, Center.code, p["centers"], "code")
    warehouses = _codes(session, Warehouse.code, p["warehouses"], "code")
    points = _codes(session, ServicePoint.code, p["service_points"], "code")
    skus = _codes(session, Part.sku, p["parts"], "sku")
    overlap = warehouses & points
    if overlap:
        raise InvalidInput(f"code {sorted(overlap)[0]} is both a warehouse and a service point",
                           code="world.warehouse_and_point", warehouse=sorted(overlap)[0])
    for i, w in enumerate(p["warehouses"]):
        if w["kind"] == "regional" and w["center"] not in centers:
            _refuse("warehouses", i, w["code"], f"center: unknown centre {w['center']!r}", "world.unknown_center")
        if w["kind"] == "hq" and w["center"] is not None:
            _refuse("warehouses", i, w["code"], "center: the HQ warehouse belongs to no centre (null)",
                    "world.hq_in_a_center")
    for i, s in enumerate(p["service_points"]):
        if s["center"] not in centers:
            _refuse("service_points", i, s["code"], f"center: unknown centre {s['center']!r}", "world.unknown_center")
    for i, d in enumerate(p["dealers"]):
        for code in d["ship_to"]:
            if code not in points:
                _refuse("dealers", i, d["code"], f"ship_to: unknown service point {code!r}",
                        "world.unknown_service_point")
        if len(set(d["ship_to"])) != len(d["ship_to"]):
            _refuse("dealers", i, d["code"], "ship_to: lists a service point twice", "world.ship_to_twice")
    for i, part in enumerate(p["parts"]):
        if part["unit_cost"] > part["unit_price"] * 10:
            _refuse("parts", i, part["sku"], "unit_cost: more than ten times the unit price; a typo?",
                    "world.cost_above_price")
        if part.get("two_way") is not None and not part.get("replaced_by"):
            _refuse("parts", i, part["sku"], "two_way: only a part with replaced_by can be two-way",
                    "world.two_way_without_successor")
        if part.get("replaced_by") and part["replaced_by"] not in skus:
            _refuse("parts", i, part["sku"], f"replaced_by: unknown sku {part['replaced_by']!r}",
                    "world.unknown_successor")
        if part.get("replaced_by") == part["sku"]:
            _refuse("parts", i, part["sku"], "replaced_by: a part cannot replace itself", "world.replaces_itself")
    for i, lane in enumerate(p["lanes"]):
        name = f"{lane['from_']} -> {lane['to']}"
        if lane["from_"] not in warehouses:
            _refuse("lanes", i, name, f"from: unknown warehouse {lane['from_']!r}", "world.unknown_warehouse")
        if lane["to"] not in points and lane["to"] not in warehouses:
            _refuse("lanes", i, name, f"to: unknown service point or warehouse {lane['to']!r}",
                    "world.unknown_lane_end")
        if lane["to"] == lane["from_"]:
            _refuse("lanes", i, name, "to: a lane cannot end where it starts", "world.lane_to_itself")
    for i, s in enumerate(p["stock"]):
        name = f"{s['warehouse']}/{s['sku']}"
        if s["warehouse"] not in warehouses:
            _refuse("stock", i, name, f"warehouse: unknown warehouse {s['warehouse']!r}", "world.unknown_warehouse")
        if s["sku"] not in skus:
            _refuse("stock", i, name, f"sku: unknown sku {s['sku']!r}", "world.unknown_sku")
    suppliers = _codes(session, Supplier.code, p["suppliers"], "code")
    _check_unique("supplier_parts", p["supplier_parts"], lambda r: (r["supplier"], r["sku"]))
    for i, sp in enumerate(p["supplier_parts"]):
        name = f"{sp['supplier']}/{sp['sku']}"
        if sp["supplier"] not in suppliers:
            _refuse("supplier_parts", i, name, f"supplier: unknown supplier {sp['supplier']!r}",
                    "world.unknown_supplier")
        if sp["sku"] not in skus:
            _refuse("supplier_parts", i, name, f"sku: unknown sku {sp['sku']!r}", "world.unknown_sku")
    hq = [w["code"] for w in p["warehouses"] if w["kind"] == "hq"]
    existing_hq = set(session.scalars(select(Warehouse.code).where(Warehouse.kind == "hq")))
    if len(set(hq) | existing_hq) > 1:
        raise InvalidInput(f"warehouses: more than one HQ warehouse ({', '.join(sorted(set(hq) | existing_hq))})",
                           code="world.hq_twice", warehouses=", ".join(sorted(set(hq) | existing_hq)))


def _upsert(session: Session, model, rows: list[dict], keys: tuple[str, ...]) -> tuple[int, int]:
    """Insert new rows, update rows that differ, leave equal ones alone."""
    if not rows:
        return 0, 0
    columns = list(rows[0])
    existing = {tuple(getattr(r, k) for k in keys): r for r in session.execute(
        select(*[getattr(model, c) for c in columns])).all()}
    new, changed = [], []
    for row in rows:
        key = tuple(row[k] for k in keys)
        old = existing.get(key)
        if old is None:
            new.append(row)
        elif any(getattr(old, c) != row[c] for c in columns):
            changed.append(row)
    for start in range(0, len(new), 5000):
        session.execute(insert(model), new[start:start + 5000])
    if changed:
        session.execute(update(model), changed)
    return len(new), len(changed)


def _opt(row: dict, name: str):
    return row.get(name)


def load_world(session: Session, data: Any, progress: Progress | None = None) -> LoadReport:
    """Validate and upsert a world dict. The caller's transaction commits (or rolls back) it all."""
    p = validate_world(data, session)
    tick = progress or (lambda section, n: None)
    report = LoadReport()

    def put(name, model, rows, keys):
        report.inserted[name], report.updated[name] = _upsert(session, model, rows, keys)
        tick(name, len(rows))

    put("centers", Center, p["centers"], ("code",))
    put("warehouses", Warehouse, [
        {"code": w["code"], "name": w["name"], "kind": w["kind"], "center_code": w["center"],
         "lat": w["lat"], "lon": w["lon"]} for w in p["warehouses"]], ("code",))
    put("service_points", ServicePoint, [
        {"code": s["code"], "name": s["name"], "center_code": s["center"], "province": s["province"],
         "distance_class": s["distance_class"], "lat": _opt(s, "lat"), "lon": _opt(s, "lon"),
         "city_tier": s.get("city_tier") or derive_city_tier(s["province"], s["distance_class"])}
        for s in p["service_points"]], ("code",))
    put("dealers", Dealer, [{"code": d["code"], "name": d["name"], "monthly_quota": d["monthly_quota"]}
                            for d in p["dealers"]], ("code",))
    report.updated["dealers"] += _replace_ship_to(session, p["dealers"])
    put("parts", Part, [
        {"sku": x["sku"], "name": x["name"], "unit_price": x["unit_price"], "unit_cost": x["unit_cost"],
         "weight_kg": x["weight_kg"], "key_component": x["key_component"], "returnable": x["returnable"],
         "family": x["family"], "annual_demand": _opt(x, "annual_demand"), "season": _opt(x, "season")}
        for x in p["parts"]], ("sku",))
    _, priced = _upsert(session, Part, [{"sku": x["sku"], "list_price": x["list_price"]}
                                        for x in p["parts"] if x.get("list_price") is not None], ("sku",))
    report.updated["parts"] += priced
    replacements = [Replacement(x["sku"], x["replaced_by"], bool(x.get("two_way"))) for x in p["parts"]
                    if x.get("replaced_by")]
    if replacements:  # 替代件; a one-way cycle with what is recorded refuses the whole file
        report.updated["parts"] += supersession.set_replacements(session, replacements, actor="world",
                                                                 source="world")
    points = set(session.scalars(select(ServicePoint.code)))
    put("lanes", Lane, [
        {"from_code": lane["from_"], "to_code": lane["to"], "hours": lane["hours"], "unit_cost": lane["unit_cost"],
         "to_kind": "service_point" if lane["to"] in points else "warehouse"} for lane in p["lanes"]],
        ("from_code", "to_code"))
    put("suppliers", Supplier, p["suppliers"], ("code",))
    put("supplier_parts", SupplierPart, [
        {"supplier_code": x["supplier"], "sku": x["sku"], "unit_price": x["unit_price"], "min_order": x["min_order"],
         "pack_size": x["pack_size"]} for x in p["supplier_parts"]], ("supplier_code", "sku"))
    report.inserted["stock"], report.updated["stock"] = _set_opening_stock(session, p["stock"])
    tick("stock", len(p["stock"]))
    return report


def _replace_ship_to(session: Session, dealers: list[dict]) -> int:
    """Make each listed dealer's ship-to set equal to the file's; returns dealers changed."""
    current: dict[str, set[str]] = {}
    for dealer, point in session.execute(select(dealer_ship_to.c.dealer_code, dealer_ship_to.c.service_point_code)):
        current.setdefault(dealer, set()).add(point)
    changed = 0
    for d in dealers:
        want, have = set(d["ship_to"]), current.get(d["code"], set())
        if want == have:
            continue
        changed += 1 if have else 0
        if have - want:
            session.execute(dealer_ship_to.delete().where(
                dealer_ship_to.c.dealer_code == d["code"],
                dealer_ship_to.c.service_point_code.in_(have - want)))
        if want - have:
            session.execute(dealer_ship_to.insert(), [
                {"dealer_code": d["code"], "service_point_code": sp} for sp in sorted(want - have)])
    return changed


def _set_opening_stock(session: Session, stock: list[dict]) -> tuple[int, int]:
    """Bring on-hand to the file's figures through the ledger (receipt or adjustment rows)."""
    return ledger.set_opening_stock(session, [(s["warehouse"], s["sku"], s["qty"]) for s in stock],
                                    actor=LOADER, reason="opening stock (world file)")
