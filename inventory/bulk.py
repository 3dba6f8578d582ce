"""Set-based statements for the nightly bulk work (a re-plan touches 100,000 lines at once).

On PostgreSQL each helper sends one statement whatever the row count: keys and values go as
arrays (one parameter per column, expanded server-side by `unnest`) and new rows go by COPY.
Row-by-row `executemany` and long `IN (...)` lists cost most of a national night there:
every row is a round trip in the pipeline and every long list is a fresh SQL string to
compile and plan. SQLite, which has neither arrays nor COPY and no network, keeps the
portable chunked statements. Callers own the transaction; nothing here commits.
"""
from __future__ import annotations

from collections.abc import Iterator, Sequence

from sqlalchemy import ColumnElement, Table, and_, any_, bindparam, func, insert, select, tuple_
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Session
from sqlalchemy.sql.expression import BindParameter, TableValuedAlias

CHUNK = 1000  # rows per portable statement (SQLite allows 32,766 parameters)
INSERT_CHUNK = 5000


def on_postgresql(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def _array(name: str, values: Sequence, column) -> BindParameter:
    """One bound array of `column`'s type (elements go through its bind processing)."""
    return bindparam(name, list(values), type_=postgresql.ARRAY(column.type))


def rows_of(columns: Sequence, values: Sequence[Sequence], name: str = "d") -> TableValuedAlias:
    """A PostgreSQL row source `unnest(:c1, :c2, ...) AS name(c1, c2, ...)`, one array per column,
    typed like `columns` (table columns) so comparisons and assignments need no casts."""
    arrays = [_array(f"{name}_{i}", [row[i] for row in values], col) for i, col in enumerate(columns)]
    return func.unnest(*arrays).table_valued(*[f"c{i}" for i in range(len(columns))]).render_derived(name)


def in_ids(session: Session, column, ids: Sequence) -> Iterator[ColumnElement[bool]]:
    """WHERE clauses that together match `column` against every id in `ids`: `= ANY(:array)`
    once on PostgreSQL, `IN (...)` per chunk elsewhere."""
    ids = list(ids)
    if not ids:
        return
    if on_postgresql(session):
        yield column == any_(_array("ids", ids, column))
        return
    for start in range(0, len(ids), CHUNK):
        yield column.in_(ids[start:start + CHUNK])


def in_keys(session: Session, columns: Sequence, keys: Sequence[Sequence]) -> Iterator[ColumnElement[bool]]:
    """Like `in_ids` for composite keys, e.g. (warehouse_code, sku): one array join condition
    on PostgreSQL (`(a, b) IN (SELECT * FROM unnest(...))`), tuple IN chunks elsewhere."""
    keys = [tuple(k) for k in keys]
    if not keys:
        return
    if on_postgresql(session):
        src = rows_of(columns, keys, "k")
        yield tuple_(*columns).in_(select(*src.c))
        return
    for start in range(0, len(keys), CHUNK):
        yield tuple_(*columns).in_(keys[start:start + CHUNK])


def insert_rows(session: Session, table: Table, rows: list[dict]) -> None:
    """Insert many rows with the same keys: COPY on PostgreSQL, chunked executemany elsewhere.

    COPY skips SQLAlchemy's bind processing and Python-side defaults, so both are applied
    here: each value goes through its column type (Money cents, UTC datetimes) and omitted
    columns with a scalar default get it."""
    if not rows:
        return
    if not on_postgresql(session):
        for start in range(0, len(rows), INSERT_CHUNK):
            session.execute(insert(table), rows[start:start + INSERT_CHUNK])
        return
    given = list(rows[0])
    defaults = {c.name: c.default.arg for c in table.columns
                if c.name not in given and c.default is not None and c.default.is_scalar}
    names = given + list(defaults)
    dialect = session.get_bind().dialect
    processors = [table.c[name].type.bind_processor(dialect) for name in names]
    fixed = [defaults[name] for name in defaults]
    connection = session.connection().connection.driver_connection
    columns = ", ".join(f'"{name}"' for name in names)
    with connection.cursor() as cursor, cursor.copy(f'COPY "{table.name}" ({columns}) FROM STDIN') as copy:
        for row in rows:
            values = [row[name] for name in given] + fixed
            copy.write_row([p(v) if p else v for p, v in zip(processors, values)])


def update_rows(session: Session, table: Table, keys: Sequence[str], column: str,
                rows: Sequence[Sequence], *, add: bool = False) -> None:
    """Set (or with `add`, increase) `column` per key: rows are (key values..., value), keys
    unique. One `UPDATE ... FROM unnest(...)` on PostgreSQL, an executemany elsewhere."""
    if not rows:
        return
    target = table.c[column]
    if on_postgresql(session):
        src = rows_of([table.c[k] for k in keys] + [target], rows)
        cols = list(src.c)
        value = cols[-1]
        session.execute(table.update()
                        .where(and_(*[table.c[k] == cols[i] for i, k in enumerate(keys)]))
                        .values({column: target + value if add else value}))
        return
    params = [f"b_{k}" for k in keys]
    value = bindparam("b_value")
    stmt = (table.update().where(and_(*[table.c[k] == bindparam(p) for k, p in zip(keys, params)]))
            .values({column: target + value if add else value}))
    session.execute(stmt, [dict(zip(params + ["b_value"], row)) for row in rows])
