"""Appliances on test tickets: the warranty engine decides a line from them, so a test that
wants a free (or a paid) part records the appliance that makes it so. Only the point the call
centre dispatched the ticket to gets its free parts, so the helpers dispatch it first (to
`point`, SP0001 unless told; `point=None` leaves the dispatch to the test)."""
from __future__ import annotations

from datetime import date, timedelta

from inventory.db import transaction, utcnow
from inventory.policy import Policy
from inventory.requisitions.warranty import record_appliance, record_ticket_event
from inventory.tickets.appliance import business_date

FREE_DAYS = 100    # bought 100 days ago: a household washer's 12 months cover any part
EXPIRED_DAYS = 2000  # five and a half years: only a household air conditioner's ordinary parts still are


def bought(reported_at, covered: bool = True) -> date:
    """A purchase date that makes a fault reported at `reported_at` covered (or not) for a household washer."""
    return business_date(reported_at) - timedelta(days=FREE_DAYS if covered else EXPIRED_DAYS)


def appliance_body(covered: bool = True, *, serial: str | None = None, purchased_on: date | None = None,
                   product_line: str = "washer", use: str = "household", proof: str | None = "invoice",
                   fault: str = "E21", model: str = "XQB60") -> dict:
    """The JSON of `PUT /tickets/{t}/appliance` for an appliance whose parts are free (or not)."""
    if purchased_on is None and proof is not None:
        purchased_on = business_date(utcnow()) - timedelta(days=FREE_DAYS if covered else EXPIRED_DAYS)
    return {"product_line": product_line, "use": use, "model": model, "serial": serial or f"SN-{model}-1",
            "purchased_on": purchased_on.isoformat() if purchased_on else None, "proof": proof, "fault": fault}


def record(session, ticket: str, covered: bool = True, *, policy: Policy | None = None,
           point: str | None = "SP0001", **kwargs):
    """Dispatch the ticket to `point` and record its appliance, in one transaction (as the call centre would)."""
    body = appliance_body(covered, serial=kwargs.pop("serial", None) or f"SN-{ticket}", **kwargs)
    body["purchased_on"] = date.fromisoformat(body["purchased_on"]) if body["purchased_on"] else None
    with transaction(session):
        if point is not None:
            record_ticket_event(session, ticket, "dispatched_point", policy=policy or Policy(), service_point=point)
        return record_appliance(session, ticket, actor="call_center", policy=policy or Policy(), **body)


def put(client, headers, ticket: str, covered: bool = True, *, point: str | None = "SP0001", **kwargs):
    """Dispatch the ticket to `point` (`POST .../events`) and `PUT /api/v1/tickets/{ticket}/appliance`;
    check both were taken."""
    if point is not None:
        r = client.post(f"/api/v1/tickets/{ticket}/events", headers=headers,
                        json={"type": "dispatched_point", "service_point": point})
        assert r.status_code == 201, r.json
    body = appliance_body(covered, serial=kwargs.pop("serial", None) or f"SN-{ticket}", **kwargs)
    r = client.put(f"/api/v1/tickets/{ticket}/appliance", headers=headers, json=body)
    assert r.status_code == 200, r.json
    return r
