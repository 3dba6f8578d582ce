"""The sign-in guard in the domain (inventory/signin.py) on the test database, with its counts in
the database and in Redis: a username locks after the policy's failures within the window and
refuses even the right password until the lock ends or HQ lifts it; an address locks the same
way; each lock, its first refusal and each unlock is one audit row, further refusals a count on the lock. And new users' passwords follow the rules."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select
from werkzeug.security import generate_password_hash

from inventory import signin
from inventory.access import User, create_user
from inventory.audit import entries
from inventory.db import transaction, utcnow
from inventory.errors import Conflict, InvalidInput
from inventory.policy import Policy, set_policy


PASSWORD = "correct horse 1"
LIMITS = signin.Limits.from_policy(Policy())
HERE, THERE = "10.0.0.7", "10.0.0.8"


@pytest.fixture
def guard(session, world, kept_in, clock):
    """One attempt at a time, each in its own committed transaction as the sign-in page runs it."""
    with transaction(session):
        session.add(User(username="gd_clerk", password_hash=generate_password_hash(PASSWORD, "pbkdf2:sha256:1000"),
                         role="clerk", warehouse_code="GD1", created_at=utcnow()))

    def attempt(username="gd_clerk", password="wrong password", address=HERE, limits=LIMITS):
        with transaction(session):
            return signin.attempt(session, store(), username, password, address, now=clock(), limits=limits)

    def store():
        return signin.store_for(session, kept_in.uri, kept_in.prefix)

    attempt.store = store
    return attempt


def test_the_right_password_is_refused_while_locked_and_accepted_after(guard, clock, session):
    assert [guard().lock for _ in range(9)] == [None] * 9
    locked = guard()
    assert locked.user is None and locked.lock == signin.Lock(signin.USER, clock.now + timedelta(minutes=15))
    clock.advance(minutes=14, seconds=59)
    refused = guard(password=PASSWORD)
    assert refused.user is None and refused.lock.scope == signin.USER and refused.lock.minutes_left(clock.now) == 1
    clock.advance(seconds=1)
    assert guard(password=PASSWORD).user.username == "gd_clerk"


def test_failures_older_than_the_window_do_not_count(guard, clock):
    for _ in range(9):
        guard()
    clock.advance(minutes=15)
    assert [guard().lock for _ in range(9)] == [None] * 9
    assert guard().lock is not None


def test_a_right_password_clears_the_usernames_count(guard):
    for _ in range(9):
        guard()
    assert guard(password=PASSWORD).user is not None
    assert [guard().lock for _ in range(9)] == [None] * 9


def test_a_username_that_does_not_exist_locks_the_same_way(guard, clock):
    real = [guard("gd_clerk").lock for _ in range(10)]
    made_up = [guard("nobody").lock for _ in range(10)]
    assert real == made_up and real[-1] == signin.Lock(signin.USER, clock.now + timedelta(minutes=15))
    assert guard("nobody", PASSWORD).lock == guard("gd_clerk", PASSWORD).lock


def test_an_address_locks_after_its_own_limit_across_usernames(guard, clock):
    limits = signin.Limits(user_failures=10, address_failures=5, window=timedelta(minutes=15),
                           lock=timedelta(minutes=15))
    outcomes = [guard(f"guess{n}", limits=limits) for n in range(5)]
    assert [o.lock for o in outcomes[:4]] == [None] * 4
    assert outcomes[4].lock == signin.Lock(signin.ADDRESS, clock.now + timedelta(minutes=15))
    assert guard(password=PASSWORD, limits=limits).lock.scope == signin.ADDRESS
    assert guard(password=PASSWORD, address=THERE, limits=limits).user is not None


def test_hq_unlocks_a_username_early_and_its_failures_are_forgotten(guard, clock, session):
    for _ in range(10):
        guard()
    assert signin.locks(guard.store(), clock.now) == [(signin.USER, "gd_clerk", clock.now + timedelta(minutes=15))]
    with transaction(session):
        signin.unlock(session, guard.store(), signin.USER, " gd_clerk ", actor="hq:boss", now=clock.now)
    assert signin.locks(guard.store(), clock.now) == []
    assert guard(password=PASSWORD).user is not None
    assert [guard().lock for _ in range(9)] == [None] * 9


def test_unlocking_what_is_not_locked_is_refused_and_writes_nothing(guard, clock, session):
    for bad, error in [("gd_clerk", Conflict), ("  ", InvalidInput)]:
        with pytest.raises(error), transaction(session):
            signin.unlock(session, guard.store(), signin.USER, bad, actor="hq:boss", now=clock.now)
    assert entries(session, action="signin.") == []


def test_each_lock_refusal_and_unlock_is_one_audit_row(guard, clock, session):
    for _ in range(10):
        guard(address=HERE)
    guard(password=PASSWORD, address=THERE)
    with transaction(session):
        signin.unlock(session, guard.store(), signin.USER, "gd_clerk", actor="hq:boss", now=clock.now)
    rows = [(e.actor, e.action, e.subject) for e in entries(session, action="signin.")]
    assert rows == [(f"address:{HERE}", "signin.lock", "user:gd_clerk"),
                    (f"address:{THERE}", "signin.refused", "user:gd_clerk"),
                    ("hq:boss", "signin.unlock", "user:gd_clerk")]
    lock, refused, unlocked = entries(session, action="signin.")
    until = (clock.now + timedelta(minutes=15)).isoformat()
    assert lock.details == {"address": HERE, "failures": 10, "until": until, "username": "gd_clerk",
                            "window_minutes": 15}
    assert refused.details == {"address": THERE, "locked": "user", "until": until}
    assert unlocked.details == {"was_locked_until": until}


def test_refusals_during_one_lock_are_one_audit_row_and_a_count_on_the_lock(guard, clock, session):
    for _ in range(10):
        guard()
    for n in range(200):
        guard(password=PASSWORD if n % 2 else "wrong password", address=HERE if n % 3 else THERE)
    assert [e.action for e in entries(session, action="signin.")] == ["signin.lock", "signin.refused"]
    found = signin.locks(guard.store(), clock.now)
    assert signin.refusals(guard.store(), found, clock.now) == {(signin.USER, "gd_clerk"): 200}
    # an address lock counts its own; a lock that ended and a new one start again from one row
    clock.advance(minutes=15)
    for n in range(50):
        guard(username=f"guess{n}", address=THERE)
    for n in range(7):
        guard(username="someone", address=THERE)
    found = signin.locks(guard.store(), clock.now)
    assert signin.refusals(guard.store(), found, clock.now) == {(signin.ADDRESS, THERE): 7}
    assert [e.action for e in entries(session, action="signin.")] == [
        "signin.lock", "signin.refused", "signin.lock", "signin.refused"]
    # unlocking forgets the count with the lock
    with transaction(session):
        signin.unlock(session, guard.store(), signin.ADDRESS, THERE, actor="hq:boss", now=clock.now)
    assert signin.refusals(guard.store(), [(signin.ADDRESS, THERE, clock.now)], clock.now) == {(signin.ADDRESS, THERE): 0}


def test_the_policy_sets_the_count_the_window_and_the_lock(guard, clock, session):
    with transaction(session):
        for key, value in [("signin_max_failures", "3"), ("signin_window_minutes", "5"), ("signin_lock_minutes", "60")]:
            set_policy(session, key, value, actor="hq:boss")
    from inventory.policy import load_policy

    limits = signin.Limits.from_policy(load_policy(session))
    assert limits == signin.Limits(3, 50, timedelta(minutes=5), timedelta(minutes=60))
    guard(limits=limits), guard(limits=limits)
    clock.advance(minutes=5)
    assert guard(limits=limits).lock is None  # the first two fell out of the 5-minute window
    guard(limits=limits)
    assert guard(limits=limits).lock == signin.Lock(signin.USER, clock.now + timedelta(minutes=60))
    clock.advance(minutes=59)
    assert guard(password=PASSWORD, limits=limits).lock is not None


@pytest.mark.parametrize("key, value", [("signin_max_failures", "0"), ("signin_lock_minutes", "-5"),
                                        ("password_min_length", "7")])
def test_a_limit_that_would_switch_the_guard_off_is_refused(session, key, value):
    with pytest.raises(InvalidInput, match=f"policy {key}: {value} is less than"), transaction(session):
        set_policy(session, key, value, actor="hq:boss")
    assert entries(session, action="policy.set") == []


def test_the_database_store_forgets_old_failures_and_ended_locks(session, world, clock):
    store = signin.DbStore(session)
    with transaction(session):
        store.add_failure("user:a", clock.now, LIMITS.window)
        store.lock("user:a", clock.now, clock.now + LIMITS.lock)
    clock.advance(minutes=16)
    with transaction(session):
        assert store.add_failure("user:b", clock.now, LIMITS.window) == 1
    assert session.scalar(select(func.count()).select_from(signin.SigninAttempt)) == 1


def test_while_redis_does_not_answer_the_database_keeps_counting(session, world, clock):
    with transaction(session):
        session.add(User(username="gd_clerk", password_hash=generate_password_hash(PASSWORD, "pbkdf2:sha256:1000"),
                         role="clerk", warehouse_code="GD1", created_at=utcnow()))
    store = signin.store_for(session, "redis://127.0.0.1:1/0")  # nothing listens on port 1
    for _ in range(10):
        with transaction(session):
            outcome = signin.attempt(session, store, "gd_clerk", "wrong password", HERE, now=clock(), limits=LIMITS)
    assert outcome.lock is not None
    with transaction(session):
        assert signin.attempt(session, store, "gd_clerk", PASSWORD, HERE, now=clock(), limits=LIMITS).user is None


# -- new users' passwords -------------------------------------------------------------------------

@pytest.mark.parametrize("username, password, why", [
    ("zhang", "short pw1", "password must have at least 10 characters"),
    ("zhang", "zhang-2026-spring", "password must not contain the username"),
    ("Zhang", "my ZHANG password", "password must not contain the username"),
])
def test_a_new_users_password_breaking_the_rules_is_refused_and_no_user_made(session, world, username, password, why):
    with pytest.raises(InvalidInput, match=f"^{why}$"), transaction(session):
        create_user(session, username, password, "hq")
    assert session.get(User, username) is None


def test_the_policy_sets_the_least_length_of_a_new_password(session, world):
    with transaction(session):
        set_policy(session, "password_min_length", "14", actor="hq:boss")
    with pytest.raises(InvalidInput, match="at least 14 characters"), transaction(session):
        create_user(session, "li", "thirteen char", "hq")
    with transaction(session):
        create_user(session, "li", "fourteen chars", "clerk", "GD1")
    assert session.get(User, "li").warehouse_code == "GD1"


def test_a_password_that_keeps_the_rules_makes_the_user(session, world):
    with transaction(session):
        create_user(session, "boss", "correct horse 1", "hq")
    with transaction(session):
        assert signin.attempt(session, signin.DbStore(session), "boss", "correct horse 1", HERE, now=utcnow(),
                              limits=LIMITS).user.username == "boss"
