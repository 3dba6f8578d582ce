"""A submit that names a ticket racing the call centre's dispatch of that ticket to another point
(PostgreSQL, two threads): the submit's share lock on the ticket's row orders the two, so the line
is never left free at a point the ticket has just left."""
from __future__ import annotations

import threading
import time

import pytest

from inventory.access import Principal
from inventory.db import make_session_factory, transaction
from inventory.errors import InvalidInput
from inventory.policy import Policy
from inventory.requisitions import service as requisitions
from inventory.requisitions.models import Requisition
from inventory.requisitions.service import LineRequest
from inventory.requisitions.warranty import record_ticket_event
from inventory.world import load_world

from .. import appliances
from ..factories import tiny_world

HOLD = 1.0  # seconds the first transaction stays open after its work, its locks held


def _dispatch(sessions, started: threading.Event, hold: bool) -> None:
    with sessions() as s, transaction(s):
        record_ticket_event(s, "T1", "dispatched_point", policy=Policy(), service_point="SP0003")
        started.set()
        if hold:
            time.sleep(HOLD)


def _submit(sessions, started: threading.Event, hold: bool) -> str:
    with sessions() as s, transaction(s):
        code = requisitions.submit(s, Principal("service_point", "SP0001"), ship_to="SP0001", ticket="T1",
                                   lines=[LineRequest("WM-PUMP-01", 1)], policy=Policy()).code
        started.set()
        if hold:
            time.sleep(HOLD)
        return code


@pytest.mark.parametrize("first", ["dispatch", "submit"])
def test_a_submit_racing_the_tickets_dispatch_elsewhere_is_never_left_free(pg_engine, first):
    sessions = make_session_factory(pg_engine)
    with sessions() as s:
        with transaction(s):
            load_world(s, tiny_world())
        appliances.record(s, "T1", point="SP0001")  # a covered washer, SP0001's repair for now
    started, outcome = threading.Event(), {}

    def run(name, job, hold):
        try:
            outcome[name] = job(sessions, started, hold)
        except Exception as exc:  # noqa: BLE001 - judged below
            outcome[name] = exc

    jobs = {"dispatch": _dispatch, "submit": _submit}
    second = "submit" if first == "dispatch" else "dispatch"
    leader = threading.Thread(target=run, args=(first, jobs[first], True))
    leader.start()
    assert started.wait(10)
    follower = threading.Thread(target=run, args=(second, jobs[second], False))
    follower.start()
    leader.join(30)
    follower.join(30)
    assert outcome["dispatch"] is None
    with sessions() as s:
        lines = [(r.service_point_code, line.in_warranty, line.warranty_basis)
                 for r in s.query(Requisition).filter(Requisition.ticket == "T1") for line in r.lines]
    if first == "dispatch":  # the submit waited for the dispatch and found the ticket gone
        assert isinstance(outcome["submit"], InvalidInput) and outcome["submit"].code == "requisition.ticket_not_yours"
        assert lines == []
    else:  # the dispatch waited for the submit and decided its line again
        assert lines == [("SP0001", False, "not_dispatched")]
