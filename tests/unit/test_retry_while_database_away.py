"""`inventory.db.retry_while_database_away`: a short write waits out a database that went away,
and nothing else."""
from __future__ import annotations

import pytest
from sqlalchemy import exc

from inventory.db import database_unavailable, retry_while_database_away

RESTARTING = exc.OperationalError("SELECT 1", {}, Exception("the database system is starting up"))


def flaky(failures: list[Exception]):
    calls = []

    def write():
        calls.append(1)
        if failures:
            raise failures.pop(0)
        return "written"

    return write, calls


def test_it_backs_off_while_the_database_restarts_then_writes_once():
    write, calls = flaky([RESTARTING] * 5)
    waits = []
    assert retry_while_database_away(write, seconds=60, sleep=waits.append) == "written"
    assert waits == [0.5, 1.0, 2.0, 4.0, 8.0] and len(calls) == 6


def test_it_gives_up_within_its_time():
    write, calls = flaky([RESTARTING] * 100)
    waits = []
    with pytest.raises(exc.OperationalError):
        retry_while_database_away(write, seconds=20, sleep=waits.append)
    assert waits == [0.5, 1.0, 2.0, 4.0, 8.0] and sum(waits) <= 20   # the next wait (8) would pass 20


@pytest.mark.parametrize("error", [ValueError("a bug"), exc.IntegrityError("INSERT", {}, Exception("unique"))])
def test_any_other_error_is_raised_at_once(error):
    write, calls = flaky([error])
    waits = []
    with pytest.raises(type(error)):
        retry_while_database_away(write, seconds=60, sleep=waits.append)
    assert waits == [] and len(calls) == 1


@pytest.mark.parametrize("error, away", [
    (RESTARTING, True),
    (exc.TimeoutError("QueuePool limit reached"), True),
    (exc.DBAPIError("SELECT 1", {}, Exception("gone"), connection_invalidated=True), True),
    (exc.IntegrityError("INSERT", {}, Exception("unique")), False),
    (RuntimeError("x"), False),
])
def test_what_counts_as_the_database_away(error, away):
    assert database_unavailable(error) is away
