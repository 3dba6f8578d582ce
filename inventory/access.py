"""Who may do what: API keys of dealers, service points, the call centre and HQ; web users.

A key is shown once and stored as its SHA-256: keys are 256-bit random, so a fast hash is
as safe as a slow one and keeps every request cheap. Lookup is by a short public prefix,
then a constant-time comparison of the digests.
"""
from __future__ import annotations

import functools
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Integer, String, bindparam, select
from sqlalchemy.orm import Mapped, Session, mapped_column
from werkzeug.security import check_password_hash, generate_password_hash

from .db import Base, UTCDateTime, utcnow
from .errors import Conflict, InvalidInput, NotFound
from .policy import SettingsText, remember_settings

# API keys; a centre reads its own month; a clerk's key keeps its warehouse's bins (its code: the warehouse)
ROLES = ("dealer", "service_point", "call_center", "hq", "center", "clerk")
CODED_ROLES = ("dealer", "service_point", "center", "clerk")  # keys bound to one dealer, point, centre, warehouse
WEB_ROLES = ("clerk", "hq")  # the staff of warehouses and HQ: what a page opens to by default
CENTER = "center"  # a provincial service centre (省级服务中心): reads its own tickets, fines and rates
USER_ROLES = WEB_ROLES + (CENTER,)
KEY_PREFIX = "pk"
TOUCH_EVERY_SECONDS = 60  # last-used time is kept to the minute, not written on every request


@dataclass(frozen=True)
class Principal:
    """The authenticated caller: its role and, for dealers, points and centres, its code."""

    role: str
    code: str | None = None

    @property
    def name(self) -> str:
        return f"{self.role}:{self.code}" if self.code else self.role


class ApiKey(Base):
    __tablename__ = "api_key"
    __table_args__ = (CheckConstraint("role in ('dealer', 'service_point', 'call_center', 'hq', 'center', 'clerk')",
                                      name="role"),)
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    prefix: Mapped[str] = mapped_column(String(16), unique=True)
    digest: Mapped[str] = mapped_column(String(64))
    role: Mapped[str] = mapped_column(String(16))
    code: Mapped[str | None] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class User(Base):
    """A web user: a warehouse clerk (bound to one warehouse), HQ, or a provincial centre (bound
    to its centre: it sees only its own tickets, fines and rates)."""

    __tablename__ = "web_user"
    __table_args__ = (CheckConstraint("role in ('clerk', 'hq', 'center')", name="role"),
                      CheckConstraint("(role = 'center') = (center_code IS NOT NULL)", name="center"))
    username: Mapped[str] = mapped_column(String(64), primary_key=True)
    password_hash: Mapped[str] = mapped_column(String(256))
    role: Mapped[str] = mapped_column(String(8))
    warehouse_code: Mapped[str | None] = mapped_column(String(16))
    center_code: Mapped[str | None] = mapped_column(ForeignKey("center.code"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # Part of every session cookie's fingerprint: raising it ends all of the user's sessions.
    session_epoch: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


def end_sessions(session: Session, user: User) -> None:
    """Sign the user out everywhere: signed cookies cannot be recalled, so every session
    carries the epoch it began in and a raised epoch refuses the old ones (a copied cookie
    stops working at logout, not when it expires)."""
    user.session_epoch = (user.session_epoch or 0) + 1


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def create_key(session: Session, role: str, code: str | None = None) -> str:
    """Make a key and return it in full; only its digest is kept."""
    if role not in ROLES:
        raise InvalidInput(f"unknown role {role!r}", code="key.unknown_role", role=role)
    if (role in CODED_ROLES) != bool(code):
        raise InvalidInput(f"a {role} key {'needs' if code is None else 'takes no'} code",
                           code="key.code_needed" if code is None else "key.code_not_taken", role=role)
    _check_principal_exists(session, role, code)
    prefix = secrets.token_hex(6)
    secret = secrets.token_urlsafe(32)
    session.add(ApiKey(prefix=prefix, digest=_digest(secret), role=role, code=code, created_at=utcnow()))
    return f"{KEY_PREFIX}_{prefix}_{secret}"


def _check_principal_exists(session: Session, role: str, code: str | None) -> None:
    from .network import Center, Dealer, ServicePoint, Warehouse

    model = {"dealer": Dealer, "service_point": ServicePoint, "center": Center, "clerk": Warehouse}.get(role)
    if model is not None and session.get(model, code) is None:
        raise NotFound(f"no {role.replace('_', ' ')} {code}", code="key.no_principal", role=role, principal=code)


def _split(key: str) -> tuple[str, str] | None:
    parts = key.split("_", 2)
    if len(parts) != 3 or parts[0] != KEY_PREFIX:
        return None
    return parts[1], parts[2]


# Built once: every API request runs it, and building a statement costs more CPU than running it.
# The policy_setting rows ride on it (one JSON text): the request's policy with no statement of its own.
# Columns, not the entity: an ORM load (identity map, instance state) cost more CPU than the query.
_KEY_BY_PREFIX = select(ApiKey.id, ApiKey.digest, ApiKey.role, ApiKey.code, ApiKey.revoked_at, ApiKey.last_used_at,
                        SettingsText()).where(ApiKey.prefix == bindparam("prefix"))


def authenticate(session: Session, key: str, *, touch: bool = True) -> Principal | None:
    """The principal for a presented key, or None (unknown, malformed or revoked)."""
    split = _split(key or "")
    if split is None:
        return None
    prefix, secret = split
    row = session.connection().execute(_KEY_BY_PREFIX, {"prefix": prefix}).one_or_none()
    if row is None:
        return None
    key_id, digest, role, code, revoked_at, last_used_at, settings = row
    remember_settings(session, settings)  # the transaction's policy, as this statement read it
    if revoked_at is not None:
        return None
    if not hmac.compare_digest(digest, _digest(secret)):
        return None
    now = utcnow()
    if touch and (last_used_at is None or (now - last_used_at).total_seconds() > TOUCH_EVERY_SECONDS):
        session.get(ApiKey, key_id).last_used_at = now  # the entity only then: the caller commits what is dirty
    return Principal(role, code)


def revoke_key(session: Session, key: str) -> None:
    split = _split(key)
    row = split and session.execute(select(ApiKey).where(ApiKey.prefix == split[0])).scalar_one_or_none()
    if not row or not hmac.compare_digest(row.digest, _digest(split[1])):
        raise NotFound("no such key", code="key.not_found")
    if row.revoked_at is not None:
        raise Conflict("key already revoked", code="key.already_revoked")
    row.revoked_at = utcnow()


def create_user(session: Session, username: str, password: str, role: str,
                warehouse: str | None = None, center: str | None = None) -> User:
    """A clerk names its warehouse, a centre user its centre; HQ neither."""
    from .network import Center, Warehouse

    if role not in USER_ROLES:
        raise InvalidInput(f"unknown web role {role!r}", code="user.unknown_role", role=role)
    if not username.strip() or len(username) > 64:
        raise InvalidInput("username must be 1-64 characters", code="user.username_length")
    check_password(session, username, password)
    if role == "clerk" and session.get(Warehouse, warehouse or "") is None:
        raise NotFound(f"no warehouse {warehouse}", code="warehouse.not_found", warehouse=warehouse)
    if role == CENTER and session.get(Center, center or "") is None:
        raise NotFound(f"no centre {center}", code="center.not_found", center=center)
    if session.get(User, username) is not None:
        raise Conflict(f"user {username} exists", code="user.exists", username=username)
    user = User(username=username, password_hash=generate_password_hash(password), role=role,
                warehouse_code=warehouse if role == "clerk" else None,
                center_code=center if role == CENTER else None, created_at=utcnow())
    session.add(user)
    return user


def check_password(session: Session, username: str, password: str) -> None:
    """A new user's password: at least the policy's length, and not holding the username (the
    first guess of anyone who knows the name). Existing users keep the passwords they have."""
    from .policy import load_policy

    least = load_policy(session).password_min_length
    if len(password) < least:
        raise InvalidInput(f"password must have at least {least} characters", code="user.password_too_short",
                           least=least)
    name = username.strip().casefold()
    if name and name in password.casefold():
        raise InvalidInput("password must not contain the username", code="user.password_contains_username")


@functools.lru_cache(maxsize=1)
def _stand_in_hash() -> str:
    return generate_password_hash(secrets.token_urlsafe(16))


def check_login(session: Session, username: str, password: str) -> User | None:
    user = session.get(User, username)
    if user is None:
        check_password_hash(_stand_in_hash(), password)  # as slow as a real check: time tells nothing
        return None
    return user if check_password_hash(user.password_hash, password) else None
