"""The policy is read once per transaction (a submit and its response share one read) and
never served stale: a change in the transaction, or a later transaction, reads it again."""
from __future__ import annotations

from sqlalchemy import event

from inventory.db import transaction
from inventory.policy import policy_of_transaction, set_policy


def policy_reads(session) -> list[str]:
    reads: list[str] = []
    event.listen(session.get_bind(), "before_cursor_execute",
                 lambda conn, cursor, statement, *a: reads.append(statement) if "policy_setting" in statement else None)
    return reads


def test_a_transaction_reads_the_policy_table_once(session):
    reads = policy_reads(session)
    with transaction(session):
        first = policy_of_transaction(session)
        assert policy_of_transaction(session) is first
    assert len(reads) == 1


def test_a_change_in_the_same_transaction_is_seen_at_once(session):
    with transaction(session):
        assert policy_of_transaction(session).promise_hours == 48
        set_policy(session, "promise_hours", "36", actor="hq:li")
        assert policy_of_transaction(session).promise_hours == 36


def test_the_next_transaction_reads_a_change_made_elsewhere(sessions, session):
    with transaction(session):
        assert policy_of_transaction(session).promise_hours == 48
    with sessions() as other, transaction(other):
        set_policy(other, "promise_hours", "24", actor="hq:li")
    with transaction(session):
        assert policy_of_transaction(session).promise_hours == 24
