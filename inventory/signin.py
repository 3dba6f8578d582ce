"""Sign-in guard: failed web sign-ins are counted per username and per network address, and
too many within the policy's window lock that name or address for the policy's lock time,
refusing even the right password, so nothing can guess a password at speed.

An unknown username is counted and locked exactly like a real one: nothing here tells a
visitor whether a user exists. Every lock, the first attempt each lock refuses and every
unlock is an audit row; the lock's further refusals are only counted on the lock (HQ's
sign-in locks page shows the count), so an attack kept up against a lock does not grow the
append-only audit table one row per attempt.

The counts live in Redis when there is one (`RedisStore`, atomic across every process) and
otherwise in the database (`DbStore`, the `signin_attempt` table), which is just as correct
with several gunicorn workers. Flask-Limiter was not used: its windows and storage are fixed
at start-up, while these limits are policy HQ changes at run time, a lock must outlast its
window and be lifted by HQ, and the embedded default must stay correct across processes
(Flask-Limiter's embedded store is one process's memory).

Every function takes `now`, so tests drive the clock instead of sleeping.
"""
from __future__ import annotations

import logging
import math
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Protocol

from sqlalchemy import BigInteger, Index, Integer, String, delete, func, insert, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from . import audit
from .db import Base, UTCDateTime
from .errors import Conflict, InvalidInput

log = logging.getLogger(__name__)

USER, ADDRESS = "user", "address"
PRUNE_BATCH = 500


def key_for(scope: str, name: str) -> str:
    """The counter of one username (`user:boss`) or one address (`address:10.0.0.7`)."""
    if scope not in (USER, ADDRESS):
        raise InvalidInput(f"unknown sign-in scope {scope!r}", code="signin.unknown_scope", scope=scope)
    return f"{scope}:{name}"


@dataclass(frozen=True)
class Limits:
    """The policy's sign-in numbers, read once per attempt."""

    user_failures: int
    address_failures: int
    window: timedelta
    lock: timedelta

    @classmethod
    def from_policy(cls, policy) -> "Limits":
        return cls(user_failures=policy.signin_max_failures,
                   address_failures=policy.signin_address_max_failures,
                   window=timedelta(minutes=policy.signin_window_minutes),
                   lock=timedelta(minutes=policy.signin_lock_minutes))


@dataclass(frozen=True)
class Lock:
    """Why an attempt is refused: the username or the address is locked until `until`."""

    scope: str
    until: datetime

    def minutes_left(self, now: datetime) -> int:
        return max(1, math.ceil((self.until - now).total_seconds() / 60))


@dataclass(frozen=True)
class Outcome:
    """One attempt: the signed-in user, or None and (when locked) the lock that refused it."""

    user: object | None
    lock: Lock | None = None


class Store(Protocol):
    def locked_until(self, key: str, now: datetime) -> datetime | None: ...
    def add_failure(self, key: str, now: datetime, window: timedelta) -> int: ...
    def lock(self, key: str, now: datetime, until: datetime) -> None: ...
    def clear(self, key: str) -> None: ...
    def locks(self, now: datetime) -> dict[str, datetime]: ...
    def refuse(self, key: str, now: datetime) -> int: ...
    def refusals(self, keys: list[str], now: datetime) -> dict[str, int]: ...


# -- the database store ---------------------------------------------------------------------------

class SigninAttempt(Base):
    """A failed sign-in (`locked_until` empty) or a lock (`locked_until` set) of one key."""

    __tablename__ = "signin_attempt"
    __table_args__ = (Index("ix_signin_attempt_key_at", "key", "at"),)
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True,
                                    autoincrement=True)
    key: Mapped[str] = mapped_column(String(128))
    at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    refused: Mapped[int] = mapped_column(Integer, default=0, server_default="0")  # a lock's refused attempts


class DbStore:
    """Counts and locks as rows of `signin_attempt`, written in the caller's transaction."""

    def __init__(self, session: Session):
        self.session = session

    def locked_until(self, key: str, now: datetime) -> datetime | None:
        return self.session.scalar(select(func.max(SigninAttempt.locked_until))
                                   .where(SigninAttempt.key == key, SigninAttempt.locked_until > now))

    def add_failure(self, key: str, now: datetime, window: timedelta) -> int:
        self._prune(now, window)
        self.session.execute(insert(SigninAttempt).values(key=key, at=now))
        return self.session.scalar(select(func.count()).select_from(SigninAttempt).where(
            SigninAttempt.key == key, SigninAttempt.locked_until.is_(None), SigninAttempt.at > now - window))

    def lock(self, key: str, now: datetime, until: datetime) -> None:
        self.session.execute(insert(SigninAttempt).values(key=key, at=now, locked_until=until))

    def clear(self, key: str) -> None:
        self.session.execute(delete(SigninAttempt).where(SigninAttempt.key == key))

    def locks(self, now: datetime) -> dict[str, datetime]:
        rows = self.session.execute(select(SigninAttempt.key, func.max(SigninAttempt.locked_until))
                                    .where(SigninAttempt.locked_until > now).group_by(SigninAttempt.key))
        return {key: until for key, until in rows}

    def refuse(self, key: str, now: datetime) -> int:
        """Count one attempt refused by `key`'s lock in force; how many it has refused so far
        (0 when no lock of `key` is kept here). The row lock orders concurrent refusals."""
        in_force = (SigninAttempt.key == key, SigninAttempt.locked_until > now)
        self.session.execute(update(SigninAttempt).where(*in_force).values(refused=SigninAttempt.refused + 1))
        return self.session.scalar(select(func.max(SigninAttempt.refused)).where(*in_force)) or 0

    def refusals(self, keys: list[str], now: datetime) -> dict[str, int]:
        if not keys:
            return {}
        rows = self.session.execute(select(SigninAttempt.key, func.max(SigninAttempt.refused))
                                    .where(SigninAttempt.key.in_(keys), SigninAttempt.locked_until > now)
                                    .group_by(SigninAttempt.key))
        return {key: int(n or 0) for key, n in rows}

    def _prune(self, now: datetime, window: timedelta) -> None:
        """Forget failures older than the window and expired locks, a batch at a time. Rows
        another attempt is pruning are skipped (SKIP LOCKED on PostgreSQL), so concurrent
        attempts never wait on or deadlock with each other here."""
        stale = (select(SigninAttempt.id)
                 .where(SigninAttempt.at <= now - window,
                        (SigninAttempt.locked_until.is_(None)) | (SigninAttempt.locked_until <= now))
                 .order_by(SigninAttempt.id).limit(PRUNE_BATCH).with_for_update(skip_locked=True))
        ids = list(self.session.scalars(stale))
        if ids:
            self.session.execute(delete(SigninAttempt).where(SigninAttempt.id.in_(ids)))


# -- the Redis store ------------------------------------------------------------------------------

def _ts(when: datetime) -> float:
    return when.timestamp()


class RedisStore:
    """Failures as a sorted set per key (scored by time, trimmed to the window) and a lock as
    a key holding its end; each change is one MULTI, so counts are exact across processes.
    Expiry (real time) only tidies up: lock and window are judged against `now`."""

    def __init__(self, client, prefix: str = "signin:"):
        self.redis = client
        self.prefix = prefix

    def _fail_key(self, key: str) -> str:
        return f"{self.prefix}fail:{key}"

    def _lock_key(self, key: str) -> str:
        return f"{self.prefix}lock:{key}"

    def _refused_key(self, key: str) -> str:
        return f"{self.prefix}refused:{key}"

    def locked_until(self, key: str, now: datetime) -> datetime | None:
        raw = self.redis.get(self._lock_key(key))
        if raw is None:
            return None
        until = datetime.fromtimestamp(float(raw), timezone.utc)
        return until if until > now else None

    def add_failure(self, key: str, now: datetime, window: timedelta) -> int:
        name = self._fail_key(key)
        pipe = self.redis.pipeline(transaction=True)
        pipe.zremrangebyscore(name, "-inf", _ts(now - window))
        pipe.zadd(name, {f"{_ts(now)}:{uuid.uuid4().hex[:8]}": _ts(now)})
        pipe.zcount(name, f"({_ts(now - window)}", "+inf")
        pipe.expire(name, int(window.total_seconds()) + 60)
        return int(pipe.execute()[2])

    def lock(self, key: str, now: datetime, until: datetime) -> None:
        seconds = max(1, math.ceil((until - now).total_seconds())) + 60
        pipe = self.redis.pipeline(transaction=True)
        pipe.set(self._lock_key(key), repr(_ts(until)), ex=seconds)
        pipe.delete(self._refused_key(key))  # a new lock counts its own refusals
        pipe.execute()

    def clear(self, key: str) -> None:
        self.redis.delete(self._fail_key(key), self._lock_key(key), self._refused_key(key))

    def refuse(self, key: str, now: datetime) -> int:
        """INCR beside the lock, living as long as the lock key does (0 when no lock is kept)."""
        ttl = self.redis.ttl(self._lock_key(key))
        if ttl is None or int(ttl) < 0:
            return 0
        pipe = self.redis.pipeline(transaction=True)
        pipe.incr(self._refused_key(key))
        pipe.expire(self._refused_key(key), int(ttl) + 1)
        return int(pipe.execute()[0])

    def refusals(self, keys: list[str], now: datetime) -> dict[str, int]:
        if not keys:
            return {}
        values = self.redis.mget([self._refused_key(key) for key in keys])
        return {key: int(value) for key, value in zip(keys, values) if value is not None}

    def locks(self, now: datetime) -> dict[str, datetime]:
        found = {}
        start = len(self._lock_key(""))
        for name in self.redis.scan_iter(match=self._lock_key("*"), count=500):
            name = name.decode() if isinstance(name, bytes) else name
            until = self.locked_until(name[start:], now)
            if until is not None:
                found[name[start:]] = until
        return found


class FallbackStore:
    """Redis first; while it does not answer, the database (a lock kept only in Redis is not
    seen meanwhile, but counting and locking go on rather than failing open or shut)."""

    def __init__(self, primary: Store, fallback: Store):
        self.primary, self.fallback = primary, fallback

    def _call(self, method: str, *args):
        from redis.exceptions import RedisError

        try:
            return getattr(self.primary, method)(*args)
        except RedisError as exc:
            log.warning("sign-in store unreachable (%s); using the database", exc)
            return getattr(self.fallback, method)(*args)

    def locked_until(self, key, now):
        return self._call("locked_until", key, now)

    def add_failure(self, key, now, window):
        return self._call("add_failure", key, now, window)

    def lock(self, key, now, until):
        return self._call("lock", key, now, until)

    def clear(self, key):
        return self._call("clear", key)

    def locks(self, now):
        return self._call("locks", now)

    def refuse(self, key, now):
        return self._call("refuse", key, now)

    def refusals(self, keys, now):
        return self._call("refusals", keys, now)


REDIS_SCHEMES = ("redis://", "rediss://", "unix://")
_CLIENTS: dict[str, object] = {}


def store_for(session: Session, url: str | None, prefix: str = "signin:") -> Store:
    """The store a URL names: a Redis URL gives Redis (with the database while Redis does not
    answer); anything else, `database` included, gives the `signin_attempt` table."""
    if not url or not url.startswith(REDIS_SCHEMES):
        return DbStore(session)
    client = _CLIENTS.get(url)
    if client is None:
        import redis

        client = _CLIENTS.setdefault(url, redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1))
    return FallbackStore(RedisStore(client, prefix), DbStore(session))


# -- the guard ------------------------------------------------------------------------------------

def _actor(address: str) -> str:
    return f"address:{address}"


def current_lock(store: Store, username: str, address: str, now: datetime) -> Lock | None:
    for scope, name in ((USER, username), (ADDRESS, address)):
        until = store.locked_until(key_for(scope, name), now)
        if until is not None:
            return Lock(scope, until)
    return None


def attempt(session: Session, store: Store, username: str, password: str, address: str, *,
            now: datetime, limits: Limits) -> Outcome:
    """One sign-in attempt from `address`. While the username or the address is locked the
    password is not even checked; a wrong one counts against both and may start a lock. A
    right one clears the username's count (not the address's, which one good account could
    otherwise keep resetting). The caller's transaction keeps the audit rows (and, with
    `DbStore`, the counts), so it must commit whatever the outcome."""
    from .access import check_login

    address = address or "unknown"
    lock = current_lock(store, username, address, now)
    if lock is not None:
        # the first refusal of each lock is audited; the rest are counted on the lock
        if store.refuse(key_for(lock.scope, username if lock.scope == USER else address), now) <= 1:
            audit.record(session, _actor(address), "signin.refused", key_for(USER, username),
                         address=address, locked=lock.scope, until=lock.until.isoformat())
        return Outcome(None, lock)
    user = check_login(session, username, password)
    if user is not None:
        store.clear(key_for(USER, username))
        return Outcome(user)
    started = None
    for scope, name, most in ((USER, username, limits.user_failures), (ADDRESS, address, limits.address_failures)):
        key = key_for(scope, name)
        failures = store.add_failure(key, now, limits.window)
        if failures >= most:
            until = now + limits.lock
            store.lock(key, now, until)
            audit.record(session, _actor(address), "signin.lock", key, failures=failures, address=address,
                         username=username, until=until.isoformat(),
                         window_minutes=int(limits.window.total_seconds() // 60))
            started = started or Lock(scope, until)
    return Outcome(None, started)


def locks(store: Store, now: datetime) -> list[tuple[str, str, datetime]]:
    """Every lock in force: (scope, name, until), soonest to end first."""
    found = [(*key.split(":", 1), until) for key, until in store.locks(now).items()]
    return sorted(found, key=lambda lock: (lock[2], lock[0], lock[1]))


def refusals(store: Store, found: list[tuple[str, str, datetime]], now: datetime) -> dict[tuple[str, str], int]:
    """How many attempts each of these locks (from `locks`) has refused: (scope, name) -> count."""
    counts = store.refusals([key_for(scope, name) for scope, name, _ in found], now)
    return {(scope, name): counts.get(key_for(scope, name), 0) for scope, name, _ in found}


def unlock(session: Session, store: Store, scope: str, name: str, *, actor: str, now: datetime) -> datetime:
    """HQ lifts a lock and forgets the failures behind it; returns when it would have ended.
    A name or address that is not locked is refused and nothing changes."""
    name = (name or "").strip()
    if not name:
        raise InvalidInput("give a username or an address to unlock", code="signin.name_needed")
    key = key_for(scope, name)
    until = store.locked_until(key, now)
    if until is None:
        raise Conflict(f"{name} is not locked", code="signin.not_locked", name=name)
    store.clear(key)
    audit.record(session, actor, "signin.unlock", key, was_locked_until=until.isoformat())
    return until
