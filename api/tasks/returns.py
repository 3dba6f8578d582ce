"""The daily overdue sweep of old-part returns (beat: `returns-overdue-sweep`)."""
from __future__ import annotations

from celery import shared_task

from inventory.db import transaction, utcnow
from inventory.returns import settlement

from ..extensions import db


@shared_task(name="returns.sweep_overdue")
def sweep_overdue() -> dict:
    """Mark past-due expected returns overdue and charge them; a re-run charges nothing twice."""
    with transaction(db.session):
        rows = settlement.sweep_overdue(db.session, utcnow())
        return {"overdue": len(rows), "charged": sum(len(row.charges) for row in rows)}
