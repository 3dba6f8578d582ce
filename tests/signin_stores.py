"""The two places failed sign-ins are counted, for tests that prove the guard on each: the
database table (the embedded default, whatever DATABASE_URL names) and Redis, which skips,
saying why, when no Redis answers (REDIS_URL, else CELERY_BROKER_URL when it is a Redis, else
redis://127.0.0.1:6379/0)."""
from __future__ import annotations

import os
import uuid
from datetime import datetime, timedelta

import pytest

STORES = ["database", "redis"]


def redis_url_or_skip() -> str:
    url = os.environ.get("REDIS_URL") or os.environ.get("CELERY_BROKER_URL", "")
    url = url if url.startswith("redis://") else "redis://127.0.0.1:6379/0"
    import redis

    try:
        redis.Redis.from_url(url, socket_connect_timeout=2).ping()
    except Exception as exc:  # noqa: BLE001 - any failure: skip and say why
        pytest.skip(f"Redis unreachable at {url}: {exc}")
    return url


class StoreUnderTest:
    """Where the guard keeps its counts in one test: `uri` for the app's SIGNIN_STORAGE_URI
    and a key prefix of the test's own; Redis keys are deleted afterwards."""

    def __init__(self, kind: str):
        self.kind = kind
        self.uri = redis_url_or_skip() if kind == "redis" else "database"
        self.prefix = f"signin-test-{uuid.uuid4().hex[:12]}:"

    def cleanup(self) -> None:
        if self.kind == "redis":
            import redis

            client = redis.Redis.from_url(self.uri)
            for name in client.scan_iter(match=f"{self.prefix}*"):
                client.delete(name)
            client.close()


class Clock:
    """A clock the test moves: the guard reads it instead of the wall clock."""

    def __init__(self, start: datetime):
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta) -> datetime:
        self.now += timedelta(**delta)
        return self.now
