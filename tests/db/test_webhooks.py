"""Webhooks below the API: the SSRF address rule, the signature, the backoff schedule, the
mapping of requisition history to events, the outbox cursor, and claiming deliveries so that
several workers never send one delivery at once (SKIP LOCKED on PostgreSQL)."""
from __future__ import annotations

import hashlib
import hmac
import json
from datetime import timedelta

import pytest
from sqlalchemy import select, text

from inventory.access import Principal
from inventory.db import make_session_factory, transaction, utcnow
from inventory.policy import load_policy
from inventory.requisitions import service as requisitions
from inventory.requisitions.models import RequisitionEvent
from inventory.webhooks import outbox, sender, service
from inventory.webhooks.models import WebhookCursor, WebhookDelivery, WebhookEvent
from inventory.webhooks.net import address_allowed
from inventory.world import load_world

from ..factories import tiny_world

DEALER = Principal("dealer", "D001")


@pytest.mark.parametrize("address, allowed", [
    ("93.184.216.34", True), ("2606:2800:220:1:248:1893:25c8:1946", True),
    ("127.0.0.1", False), ("10.0.0.1", False), ("172.16.5.4", False), ("192.168.0.1", False),
    ("169.254.169.254", False), ("0.0.0.0", False), ("100.64.0.1", False), ("224.0.0.251", False),
    ("240.0.0.1", False), ("255.255.255.255", False), ("::1", False), ("::", False), ("fe80::1", False),
    ("fc00::1", False), ("ff02::1", False), ("::ffff:127.0.0.1", False), ("::ffff:10.0.0.1", False),
    ("::ffff:93.184.216.34", True),
])
def test_only_public_unicast_addresses_are_allowed(address, allowed):
    assert address_allowed(address) is allowed


def test_the_signature_is_hmac_sha256_over_timestamp_dot_body():
    body = b'{"id":"x"}'
    expected = hmac.new(b"k" * 16, b"1700000000." + body, hashlib.sha256).hexdigest()
    assert sender.signature("k" * 16, "1700000000", body) == f"sha256={expected}"


def test_pauses_start_within_a_minute_grow_and_are_capped():
    settings = sender.Settings()
    pauses = [settings.pause(n).total_seconds() for n in range(1, settings.max_attempts)]
    assert pauses[0] <= 60 and all(b >= a for a, b in zip(pauses, pauses[1:]))
    assert pauses[1] > pauses[0] and max(pauses) == settings.max_pause


@pytest.mark.parametrize("kind, detail, expected", [
    ("submitted", {"allocations": [["P", "GD1", 2]], "backordered": {}}, "requisition.allocated"),
    ("submitted", {"allocations": [["P", "GD1", 2]], "backordered": {"Q": 1}}, "requisition.backordered"),
    ("submitted", {"allocations": [], "backordered": {"Q": 1}}, "requisition.backordered"),
    ("shipped", {"allocations": [["P", "GD1", 2]]}, "requisition.shipped"),
    ("received", {"allocations": [["P", "GD1", 2, True]]}, "requisition.delivered"),
    ("replanned", {"sku": "P", "from": {"HQ": 1}, "to": {"HQ": 1, "GD1": 1}}, "backorder.filled"),
    ("replanned", {"sku": "P", "from": {"HQ": 2}, "to": {"HQ": 1}}, "requisition.backordered"),
    ("replanned", {"sku": "P", "from": {"HQ": 2}, "to": {"GD1": 2}}, None),
    ("wrong_part", {"sku": "P", "backordered": 1}, "requisition.backordered"),
    ("wrong_part", {"sku": "P", "backordered": 0}, None),
    ("cancelled", {}, None),
])
def test_requisition_history_maps_to_events(kind, detail, expected):
    mapped = outbox.requisition_event(kind, detail, "R00000001", utcnow())
    assert (mapped[0] if mapped else None) == expected
    if mapped:
        assert mapped[1]["requisition"] == "R00000001"


@pytest.fixture
def hooked(session):
    """The tiny world and one dealer webhook for allocations."""
    with transaction(session):
        load_world(session, tiny_world())
        service.register(session, DEALER, url="http://127.0.0.1:9/hook", events=["requisition.allocated"],
                         secret="s" * 16, allow_private=True)
    return session


def _submit(session):
    with transaction(session):
        return requisitions.submit(session, DEALER, ship_to="SP0001", lines=[requisitions.LineRequest("WM-PUMP-01", 1)],
                           ticket=None, policy=load_policy(session))


def test_the_scan_records_each_history_row_once_even_when_reading_it_again(hooked):
    session = hooked
    req = _submit(session)
    with transaction(session):
        assert outbox.collect(session, utcnow()) == 1
    with transaction(session):  # a row committed late, below the cursor, is still read (lookback)
        session.get(WebhookCursor, outbox.CURSOR).last_id += 5
        assert outbox.collect(session, utcnow()) == 0
    [event] = session.scalars(select(WebhookEvent)).all()
    assert json.loads(event.data)["requisition"] == req.code
    assert len(session.scalars(select(WebhookDelivery)).all()) == 1


def test_a_row_committed_below_the_cursor_is_not_lost(hooked):
    session = hooked
    req = _submit(session)
    with transaction(session):
        cursor_past = session.scalar(select(RequisitionEvent.id)) + 3
        outbox.collect(session, utcnow())
        session.query(WebhookDelivery).delete()  # as if the row had not been visible to that scan
        session.query(WebhookEvent).delete()
        session.get(WebhookCursor, outbox.CURSOR).last_id = cursor_past
    with transaction(session):
        assert outbox.collect(session, utcnow()) == 1
    assert json.loads(session.scalar(select(WebhookEvent.data)))["requisition"] == req.code


def _queued(session, count: int) -> None:
    for _ in range(count):
        _submit(session)
    with transaction(session):
        outbox.collect(session, utcnow())


def test_a_claimed_delivery_is_not_claimed_again_and_a_lost_claim_records_nothing(hooked):
    session = hooked
    _queued(session, 3)
    settings = sender.Settings(batch=2)
    now = utcnow()
    with transaction(session):
        first = sender.claim_due(session, now, settings)
    with transaction(session):
        second = sender.claim_due(session, now, settings)
    with transaction(session):
        assert sender.claim_due(session, now, settings) == []
    assert len(first) == 2 and len(second) == 1
    assert not {c.delivery_id for c in first} & {c.delivery_id for c in second}
    # the lease ran out and another worker re-claimed the row: the first worker's late outcome is dropped
    with transaction(session):
        again = sender.claim_due(session, now + settings.lease + timedelta(seconds=1), settings)
    assert {c.delivery_id for c in again} == {c.delivery_id for c in first}
    ok = sender.Outcome(200, None, 5)
    with transaction(session):
        assert sender.record(session, first[0], ok, now, settings) is None
        assert sender.record(session, again[0], ok, now, settings) == "delivered"
    assert session.get(WebhookDelivery, first[0].delivery_id).attempts == 1


@pytest.mark.postgres
def test_concurrent_workers_skip_each_others_claims_on_postgresql(pg_engine):
    """Worker A holds its claim transaction open; worker B is not blocked (lock_timeout would
    fail it) and takes only the other rows."""
    sessions = make_session_factory(pg_engine)
    with sessions() as session:
        with transaction(session):
            load_world(session, tiny_world())
            service.register(session, DEALER, url="http://127.0.0.1:9/hook", events=["requisition.allocated"],
                             secret="s" * 16, allow_private=True)
        _queued(session, 5)
    settings, now = sender.Settings(batch=3), utcnow()
    with sessions() as a, sessions() as b:
        a.begin()
        mine = sender.claim_due(a, now, settings)
        b.begin()
        b.execute(text("SET LOCAL lock_timeout = '2s'"))
        theirs = sender.claim_due(b, now, settings)
        b.commit()
        a.commit()
    assert len(mine) == 3 and len(theirs) == 2
    assert not {c.delivery_id for c in mine} & {c.delivery_id for c in theirs}
