"""API keys: only a digest is stored, it is compared in constant time, a revoked key stops
working at once, the last-used time is kept, and each key has its own rate limit."""
from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
from sqlalchemy import select

import inventory.access as access
from inventory.access import ApiKey, authenticate, create_key, revoke_key
from inventory.db import make_session_factory, transaction, utcnow

from ..api.conftest import running_app


def stored(engine) -> list[ApiKey]:
    with make_session_factory(engine)() as session:
        return list(session.scalars(select(ApiKey).order_by(ApiKey.id)))


def new_key(engine, role="hq", code=None) -> str:
    with make_session_factory(engine)() as session, transaction(session):
        return create_key(session, role, code)


def test_the_database_keeps_a_digest_of_the_key_never_the_key(engine, world):
    key = new_key(engine)
    [row] = stored(engine)
    secret = key.split("_", 2)[2]
    assert row.digest == hashlib.sha256(secret.encode()).hexdigest()
    for column in ApiKey.__table__.columns:
        value = str(getattr(row, column.key))
        assert secret not in value and key not in value


def test_two_keys_for_the_same_principal_differ_and_are_long(engine, world):
    first, second = new_key(engine), new_key(engine)
    assert first != second
    assert len(first.split("_", 2)[2]) >= 43  # 32 random bytes, URL-safe base64


def test_the_digest_is_compared_in_constant_time(engine, world, monkeypatch):
    key = new_key(engine)
    calls = []
    real = access.hmac.compare_digest

    def spy(a, b):
        calls.append((a, b))
        return real(a, b)

    monkeypatch.setattr(access.hmac, "compare_digest", spy)
    with make_session_factory(engine)() as session:
        assert authenticate(session, key) is not None
        assert authenticate(session, key[:-1] + ("A" if key[-1] != "A" else "B")) is None
    assert len(calls) == 2


@pytest.mark.parametrize("mangle", [
    lambda k: k[:-1] + ("A" if k[-1] != "A" else "B"),  # right prefix, wrong secret
    lambda k: "pk_000000000000_" + k.split("_", 2)[2],   # right secret, unknown prefix
    lambda k: k.split("_", 2)[2],                        # the secret alone
    lambda k: "",
    lambda k: "pk__",
    lambda k: k + "'; DROP TABLE api_key; --",
], ids=["wrong-secret", "unknown-prefix", "secret-only", "empty", "empty-parts", "injection"])
def test_anything_but_the_exact_key_is_refused_with_401(client, auth, mangle):
    key = auth["hq"]["Authorization"].split(" ", 1)[1]
    response = client.get("/api/v1/parts", headers={"Authorization": f"Bearer {mangle(key)}"})
    assert response.status_code == 401
    assert response.mimetype == "application/problem+json"
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert client.get("/api/v1/parts", headers=auth["hq"]).status_code == 200  # the table is still there


def test_a_revoked_key_answers_401_from_the_next_request_on(client, auth, engine):
    headers = auth["dealer"]
    assert client.get("/api/v1/quota", headers=headers).status_code == 200
    with make_session_factory(engine)() as session, transaction(session):
        revoke_key(session, headers["Authorization"].split(" ", 1)[1])
    assert client.get("/api/v1/quota", headers=headers).status_code == 401
    assert client.get("/api/v1/quota", headers=auth["other_dealer"]).status_code == 200


def test_revoking_needs_the_whole_key_not_just_its_prefix(engine, world):
    key = new_key(engine)
    prefix_only = "_".join(key.split("_", 2)[:2]) + "_guess"
    with make_session_factory(engine)() as session, transaction(session):
        with pytest.raises(Exception, match="no such key"):
            revoke_key(session, prefix_only)
    assert stored(engine)[0].revoked_at is None


def test_a_request_records_when_the_key_was_last_used(client, auth, engine):
    before = utcnow()
    assert all(row.last_used_at is None for row in stored(engine))
    assert client.get("/api/v1/parts", headers=auth["point"]).status_code == 200
    used = {row.code: row.last_used_at for row in stored(engine) if row.last_used_at is not None}
    assert list(used) == ["SP0001"]
    assert before <= used["SP0001"] <= utcnow()


def test_the_last_used_time_is_written_at_most_once_a_minute(client, auth, engine, monkeypatch):
    client.get("/api/v1/parts", headers=auth["point"])
    first = next(r.last_used_at for r in stored(engine) if r.code == "SP0001")
    client.get("/api/v1/parts", headers=auth["point"])
    assert next(r.last_used_at for r in stored(engine) if r.code == "SP0001") == first
    later = first + timedelta(seconds=access.TOUCH_EVERY_SECONDS + 1)
    monkeypatch.setattr(access, "utcnow", lambda: later)
    client.get("/api/v1/parts", headers=auth["point"])
    assert next(r.last_used_at for r in stored(engine) if r.code == "SP0001") == later


# -- rate limits -----------------------------------------------------------------------------------

@pytest.fixture
def limited(database, engine, auth):
    with running_app(database.url, RATELIMIT_DEFAULT="3 per minute") as app:
        yield app.test_client()


def test_each_key_has_its_own_rate_limit(limited, auth):
    statuses = [limited.get("/api/v1/parts", headers=auth["point"]).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    assert limited.get("/api/v1/parts", headers=auth["other_point"]).status_code == 200


def test_a_rate_limited_call_is_a_problem_with_retry_after(limited, auth):
    for _ in range(3):
        limited.get("/api/v1/parts", headers=auth["point"])
    response = limited.get("/api/v1/parts", headers=auth["point"])
    assert response.status_code == 429
    assert response.mimetype == "application/problem+json"
    assert int(response.headers["Retry-After"]) > 0
    assert response.get_json()["status"] == 429


def test_callers_without_a_key_are_limited_by_address(limited):
    statuses = [limited.get("/api/v1/parts").status_code for _ in range(4)]
    assert statuses == [401, 401, 401, 429]


def test_web_pages_are_not_counted_against_the_api_limit(limited, auth):
    for _ in range(5):
        assert limited.get("/login").status_code == 200
    assert limited.get("/api/v1/parts", headers=auth["point"]).status_code == 200


def test_an_answer_that_asks_for_no_retry_carries_no_retry_after(limited, auth):
    """The limiter's window reset is X-RateLimit-Reset; Retry-After on a 200 would mean nothing."""
    response = limited.get("/api/v1/parts", headers=auth["point"])
    assert response.status_code == 200
    assert "X-RateLimit-Reset" in response.headers and "Retry-After" not in response.headers
