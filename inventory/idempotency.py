"""Idempotency-Key records: the first response to a (principal, key) is replayed, not redone.

The record is written in the same transaction as what the request created, so a crash leaves
neither; a concurrent duplicate loses on the primary key and then reads the winner's record.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Integer, String, Text, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from .db import Base, UTCDateTime, utcnow
from .errors import Conflict, InvalidInput

MAX_KEY = 200


class IdempotencyRecord(Base):
    __tablename__ = "idempotency_record"
    principal: Mapped[str] = mapped_column(String(64), primary_key=True)
    key: Mapped[str] = mapped_column(String(MAX_KEY), primary_key=True)
    fingerprint: Mapped[str] = mapped_column(String(64))
    status: Mapped[int] = mapped_column(Integer)
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


@dataclass(frozen=True)
class Replay:
    status: int
    body: dict


def fingerprint(method: str, path: str, payload) -> str:
    canonical = json.dumps([method, path, payload], sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def check_key(key: str) -> str:
    if not key or len(key) > MAX_KEY or not key.isprintable():
        raise InvalidInput(f"Idempotency-Key must be 1-{MAX_KEY} printable characters", code="idempotency.key_invalid",
                           field="Idempotency-Key")
    return key


def find(session: Session, principal: str, key: str, print_: str) -> Replay | None:
    """The stored response for this key, or None; Conflict if the key came with another body."""
    row = session.execute(select(IdempotencyRecord).where(
        IdempotencyRecord.principal == principal, IdempotencyRecord.key == key)).scalar_one_or_none()
    if row is None:
        return None
    if row.fingerprint != print_:
        raise Conflict("this Idempotency-Key was already used with a different request body",
                       code="idempotency.key_reused")
    return Replay(row.status, json.loads(row.body))


def forget(session: Session, principal: str, key: str) -> None:
    """Drop a key whose request could not be carried through (a task queue down), so it may be retried."""
    row = session.get(IdempotencyRecord, (principal, key))
    if row is not None:
        session.delete(row)
        session.flush()


def remember(session: Session, principal: str, key: str, print_: str, status: int, body: dict) -> None:
    session.add(IdempotencyRecord(principal=principal, key=key, fingerprint=print_, status=status,
                                  body=json.dumps(body, ensure_ascii=False), created_at=utcnow()))
    session.flush()
