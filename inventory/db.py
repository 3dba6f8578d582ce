"""Declarative base, column types and the one transaction helper every service uses.

Money is stored as integer cents (exact on SQLite and PostgreSQL alike) and comes back as
`Decimal`; times are stored timezone-aware and always come back in UTC.
"""
from __future__ import annotations

import contextlib
import time
from collections.abc import Callable
from typing import TypeVar
from datetime import datetime, timezone
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import BigInteger, DateTime, MetaData, create_engine, event, insert
from sqlalchemy import exc as sa_exc
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Session, make_transient_to_detached, scoped_session, sessionmaker
from sqlalchemy.types import TypeDecorator

T = TypeVar("T")

CENT = Decimal("0.01")

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def database_unavailable(error: BaseException) -> bool:
    """Whether `error` is the database not answering (a lost or refused connection, a restart,
    a terminated backend, a full pool, a lock or statement timeout, a serialization failure)
    rather than a fault in the request: a caller may retry it as it was."""
    return isinstance(error, (sa_exc.OperationalError, sa_exc.TimeoutError, sa_exc.InterfaceError)) or (
        isinstance(error, sa_exc.DBAPIError) and error.connection_invalidated)


def retry_while_database_away(write: Callable[[], T], *, seconds: float,
                              sleep: Callable[[float], None] = time.sleep) -> T:
    """`write()` (one short transaction of its own), tried again while the database does not
    answer (`database_unavailable`), backing off from half a second to 8, for up to `seconds`;
    any other error, or the database still away, is raised. For a worker recording that its
    work failed: that failure is often the database going away, and recording it then fails too."""
    delay, waited = 0.5, 0.0
    while True:
        try:
            return write()
        except Exception as error:  # noqa: BLE001 - only the database's absence is waited out
            if not database_unavailable(error) or waited + delay > seconds:
                raise
        sleep(delay)
        waited, delay = waited + delay, min(delay * 2, 8.0)


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def to_money(value) -> Decimal:
    """A Decimal with exactly two places; refuses floats so no binary rounding sneaks in."""
    if isinstance(value, float):
        raise TypeError("money must not be a float")
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


class Money(TypeDecorator):
    """RMB as integer cents in the database, `Decimal('12.34')` in Python."""

    impl = BigInteger
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        return int(to_money(value) * 100)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return (Decimal(int(value)) / 100).quantize(CENT)


class UTCDateTime(TypeDecorator):
    """Timezone-aware UTC on the way in and out (SQLite forgets the zone; we put it back)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: times must be timezone-aware")
        return value.astimezone(timezone.utc)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc)


def normalise_url(url: str) -> str:
    """Accept the plain `postgresql://` that PostgreSQL's own tools take; use psycopg 3."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def _sqlite_immediate_transactions(engine: Engine) -> None:
    """SQLite: every transaction takes the write lock up front (BEGIN IMMEDIATE).

    A deferred transaction that reads then writes can fail to upgrade its lock or act on a
    stale read; taking the lock first serialises writers, so the conditional updates of the
    ledger are exact. WAL lets readers go on meanwhile.
    """

    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(connection):
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def make_engine(url: str, **kwargs) -> Engine:
    url = normalise_url(url)
    if url.startswith("sqlite"):
        kwargs.setdefault("connect_args", {"timeout": 30, "check_same_thread": False})
        engine = create_engine(url, **kwargs)
        _sqlite_immediate_transactions(engine)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    kwargs.setdefault("pool_size", 10)
    kwargs.setdefault("max_overflow", 40)
    return create_engine(url, **kwargs)


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False)


def _current_transaction(session: Session | scoped_session):
    """The session's transaction now (None between them); a web request's scoped session
    (Flask-SQLAlchemy's) answers through its session proper."""
    return (session() if isinstance(session, scoped_session) else session).get_transaction()


def keep(session: Session | scoped_session, key: str, value) -> None:
    """Keep `value` in the session under `key` for its current transaction only (`kept`)."""
    session.info[key] = (_current_transaction(session), value)


def kept(session: Session | scoped_session, key: str):
    """What `keep` put under `key` in the session's current transaction; None in another one."""
    stored = session.info.get(key)
    if stored is None or stored[0] is None or stored[0] is not _current_transaction(session):
        return None
    return stored[1]


@contextlib.contextmanager
def transaction(session: Session):
    """One business operation = one commit; any exception rolls all of it back."""
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise


def insert_new(session: Session, objects: list) -> None:
    """INSERT new objects of one mapped class in one Core statement, as a flush would write them
    (each column from the object, else its scalar default, set on the object too; a primary key
    not given comes back by RETURNING). The objects stay out of the session: `attach` them once
    every related one is written. For a request's few rows, where a flush's unit of work costs
    more CPU than the INSERTs themselves."""
    if not objects:
        return
    plain, returning, key, columns = _insert_plan(type(objects[0]))
    rows = []
    for obj in objects:
        state = obj.__dict__
        for attr, default in columns:
            if attr not in state:
                setattr(obj, attr, default)
        rows.append({attr: state[attr] for attr, _ in columns})
    if key in objects[0].__dict__:
        for row, obj in zip(rows, objects):
            row[key] = obj.__dict__[key]
        session.execute(plain, rows)
        return
    ids = session.execute(returning, rows).scalars().all()
    for obj, new_id in zip(objects, ids, strict=True):
        setattr(obj, key, new_id)


_INSERT_PLANS: dict = {}


def _insert_plan(cls):
    """Per mapped class, built once: its INSERT, the same RETURNING the key, the key's attribute,
    and (attribute, default) of every other column (attributes named as their columns)."""
    plan = _INSERT_PLANS.get(cls)
    if plan is None:
        mapper = sa_inspect(cls)
        table, key = mapper.local_table, mapper.primary_key[0]
        columns = []
        for prop in mapper.column_attrs:
            column = prop.columns[0]
            if column is key:
                continue
            if prop.key != column.key or (column.default is not None and not column.default.is_scalar):
                raise NotImplementedError(f"{column}: written by a flush only")
            columns.append((prop.key, None if column.default is None else column.default.arg))
        plan = _INSERT_PLANS[cls] = (insert(table), insert(table).returning(key, sort_by_parameter_order=True),
                                     key.key, tuple(columns))
    return plan


def attach(session: Session, roots: list, written: list) -> None:
    """Put objects written by `insert_new` into the session as persistent (as if loaded):
    `written` is every one of them, `roots` those to add (the rest come by cascade)."""
    for obj in written:
        make_transient_to_detached(obj)
    for obj in roots:
        session.add(obj)
