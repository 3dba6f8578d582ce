"""A new requisition's rows written in the statement that reserves its stock (PostgreSQL).

Submit plans every reservation on balance rows it has locked and read (`reserving.plan_locked_lines`),
so none can be refused; the ledger's conditional UPDATE and ledger rows (`ledger.reserve_locked`)
then carry, in the same statement, the requisition (numbered from its sequence there unless a dealer's
quota already needed the number), its lines, their allocations and its `submitted` event: one round
trip instead of six. Row ids are drawn in the statement and returned, and the objects are put into
the session as if flushed (`db.attach`). The statement is built once per database dialect.
"""
from __future__ import annotations

import json
from datetime import date, datetime

from sqlalchemy import inspect as sa_inspect
from sqlalchemy.orm import Session

from .. import customer_charges
from ..db import attach
from ..warehouses import ledger
from .models import Allocation, Requisition, RequisitionLine

_NUMBER = ("n AS (SELECT id, CASE WHEN id<100000000 THEN 'R'||lpad(CAST(id AS TEXT),8,'0') ELSE 'R'||CAST(id AS TEXT) "
           "END AS code FROM (SELECT COALESCE(CAST(:req_id AS BIGINT),nextval(pg_get_serial_sequence('requisition',"
           "'id'))) AS id) AS drawn)")
_REF_ID = "(SELECT code FROM n)"  # the ledger rows' ref_id: `reserving.ledger_ref`'s code, as `format_code`
_RETURNED = "(SELECT id FROM n),ARRAY(SELECT id FROM l ORDER BY o),ARRAY(SELECT id FROM a ORDER BY o)"
# Columns a new requisition, line or allocation never fills (set later, or by HQ): left to the table's
# NULL, not sent. The statement is kept short (`_SHORT_TYPES`) because psycopg caches the parsing of
# statements up to 4 KB only (a test keeps it so).
_UNSET = {Requisition: ("cancelled_at",),
          RequisitionLine: ("warranty_override_by", "warranty_override_at", "warranty_override_reason"),
          Allocation: ("shipped_at", "delivered_at", "on_time", "wrong_part_at", "wrong_part_sku", "wrong_part_by")}
_SHAPES: dict = {}
# Shorter spellings of the casts (the column's own type still checks what is inserted: a VARCHAR's length)
_SHORT_TYPES = {"TIMESTAMP WITH TIME ZONE": "TIMESTAMPTZ", "VARCHAR": "TEXT"}


def _columns(cls, dialect, *, skip: tuple[str, ...] = ()) -> tuple:
    """(attribute, SQL type, bind processor, scalar default) of each column of `cls` written at submit:
    all but its key, `skip` and `_UNSET` (attributes are named as their columns, as `db.insert_new`
    requires)."""
    mapper = sa_inspect(cls)
    key = mapper.primary_key[0]
    columns = []
    for prop in mapper.column_attrs:
        column = prop.columns[0]
        if column is key or prop.key in skip or prop.key in _UNSET[cls]:
            continue
        if prop.key != column.key or (column.default is not None and not column.default.is_scalar):
            raise NotImplementedError(f"{column}: written by a flush only")
        sql_type = _SHORT_TYPES.get(column.type.compile(dialect).split("(")[0], column.type.compile(dialect))
        columns.append((prop.key, sql_type, column.type.bind_processor(dialect),
                        None if column.default is None else column.default.arg))
    return tuple(columns)


def _rows_of(param: str, columns: tuple, extra: tuple[tuple[str, str], ...] = ()) -> str:
    """The rows of one JSON parameter (`_json_rows`: an object per row, its number `o` and `extra`
    (name, SQL type) first, then the columns): one text to send instead of an array per column,
    whose element-by-element adaptation cost psycopg more CPU than the rest of the statement."""
    typed = [("o", "INTEGER"), *extra, *((attr, sql_type) for attr, sql_type, _, _ in columns)]
    return f"json_to_recordset(CAST(:{param} AS JSON)) AS d({','.join(f'{n} {t}' for n, t in typed)})"


def _shape(dialect) -> tuple:
    """The statement's CTEs and the columns of the three tables, built once per dialect."""
    shape = _SHAPES.get(dialect.name)
    if shape is None:
        req = _columns(Requisition, dialect)
        line = _columns(RequisitionLine, dialect, skip=("requisition_id",))
        alloc = _columns(Allocation, dialect, skip=("line_id",))
        names = lambda columns: ",".join(attr for attr, _, _, _ in columns)  # noqa: E731
        of = lambda alias, columns: ",".join(f"{alias}.{attr}" for attr, _, _, _ in columns)  # noqa: E731
        given = ",".join(f"CAST(:r_{i} AS {sql_type})" for i, (_, sql_type, _, _) in enumerate(req))
        tail = ",\n".join([
            f"l AS (SELECT nextval(pg_get_serial_sequence('requisition_line','id')) AS id,d.* "
            f"FROM {_rows_of('l', line)})",
            f"a AS (SELECT nextval(pg_get_serial_sequence('allocation','id')) AS id,d.* "
            f"FROM {_rows_of('a', alloc, (('of_line', 'INTEGER'),))})",
            f"r_rows AS (INSERT INTO requisition (id,{names(req)}) SELECT n.id,{given} FROM n)",
            f"l_rows AS (INSERT INTO requisition_line (id,requisition_id,{names(line)}) "
            f"SELECT l.id,n.id,{of('l', line)} FROM l,n)",
            f"a_rows AS (INSERT INTO allocation (id,line_id,{names(alloc)}) SELECT a.id,l.id,{of('a', alloc)} "
            "FROM a JOIN l ON l.line_no=a.of_line)",
            "e_rows AS (INSERT INTO requisition_event (requisition_id,at,kind,actor,detail) SELECT n.id,"
            "CAST(:e_at AS TIMESTAMP WITH TIME ZONE),CAST(:e_kind AS TEXT),CAST(:e_actor AS TEXT),"
            "CAST(:e_detail AS TEXT) FROM n)",
        ])
        holder, constants = customer_charges.holder_columns()
        shape = _SHAPES[dialect.name] = (tail, req, line, alloc, f"{_RETURNED},{holder}", constants)
    return shape


def _values(cls, columns: tuple, obj) -> list:
    """The object's value of each column (a column it lacks takes its default, set on the object too,
    as a flush would; an `_UNSET` one must be None and is set so)."""
    state = obj.__dict__
    for attr in _UNSET[cls]:
        if state.get(attr) is not None:
            raise ValueError(f"{cls.__name__}.{attr} is not written at submit")
        if attr not in state:
            setattr(obj, attr, None)
    values = []
    for attr, _, process, default in columns:
        if attr not in state:
            setattr(obj, attr, default)
        value = state[attr]
        values.append(process(value) if process is not None and value is not None else value)
    return values


def _json_value(value):
    """A column's value JSON has no type for: a time or a date as ISO 8601 (with its offset)."""
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    raise TypeError(f"{value!r} is not written as JSON")


def _json_rows(cls, columns: tuple, objects: list, extra: list | None = None) -> str:
    """`objects` as the JSON `_rows_of` reads: each row numbered `o` from 1, with its `extra` values."""
    names = [attr for attr, _, _, _ in columns]
    rows = []
    for o, obj in enumerate(objects, start=1):
        row = {"o": o, **(extra[o - 1] if extra else {})}
        row.update(zip(names, _values(cls, columns, obj)))
        rows.append(row)
    return json.dumps(rows, default=_json_value, separators=(",", ":"))


def write_submitted(session: Session, req: Requisition, takes: list[tuple[str, str, int, str]], event: dict) -> None:
    """Reserve `takes` (`ledger.reserve_locked`, on rows locked and read) and write the requisition,
    its lines, allocations (one per take, in order) and `event` (`history.event_values` without
    its requisition) in one statement, which also reads the ticket's visit-fee holder for the response
    (`customer_charges.holder_columns`); `req.id` may be None (numbered here) or already drawn."""
    tail, req_columns, line_columns, alloc_columns, returned, constants = _shape(session.get_bind().dialect)
    allocations = [a for line in req.lines for a in line.allocations]
    params = {"req_id": req.id, "e_at": event["at"], "e_kind": event["kind"], "e_actor": event["actor"],
              "e_detail": event["detail"],
              "holder_point": req.service_point_code, "holder_ticket": req.ticket, **constants}
    params.update((f"r_{i}", value) for i, value in enumerate(_values(Requisition, req_columns, req)))
    params["l"] = _json_rows(RequisitionLine, line_columns, req.lines)
    params["a"] = _json_rows(Allocation, alloc_columns, allocations, [{"of_line": a.line.line_no} for a in allocations])
    number, line_ids, alloc_ids, holder, in_shop = ledger.reserve_locked(
        session, takes, actor=req.created_by, ref=ledger.Ref("requisition", ""),
        together=ledger.Together(head=_NUMBER, tail=tail, select=returned, params=params, ref_id=_REF_ID))
    req.id = number
    for line, line_id in zip(req.lines, line_ids, strict=True):
        line.id, line.requisition_id = line_id, number
        for a in line.allocations:
            a.line_id = line_id
    for a, alloc_id in zip(allocations, alloc_ids, strict=True):
        a.id = alloc_id
    attach(session, [req], [req, *req.lines, *allocations])
    customer_charges.remember_written(session, req, holder, in_shop)
