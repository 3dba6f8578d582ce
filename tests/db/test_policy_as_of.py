"""The policy a closed month is read with: HQ's `policy.set` audit rows are the policy's history."""
from __future__ import annotations

import json
from datetime import datetime, timezone
from decimal import Decimal

from inventory.audit import AuditEntry
from inventory.business_calendar import month_bounds
from inventory.db import transaction
from inventory.policy import Policy, policy_as_of, policy_for_month

OCTOBER_END = month_bounds("2026-10")[1]  # 1 November 00:00 Beijing


def changed(session, key: str, previous: str, value: str, at: datetime) -> None:
    with transaction(session):
        session.add(AuditEntry(at=at, actor="hq:boss", action="policy.set", subject=f"policy:{key}",
                               detail=json.dumps({"previous": previous, "value": value})))


def test_each_key_goes_back_to_what_its_earliest_later_change_replaced(session):
    changed(session, "fine_point_over_72h", "50.00", "60.00", datetime(2026, 11, 5, tzinfo=timezone.utc))
    changed(session, "fine_point_over_72h", "60.00", "80.00", datetime(2026, 11, 20, tzinfo=timezone.utc))
    changed(session, "visit_fee_county", "20.00", "22.00", datetime(2026, 10, 3, tzinfo=timezone.utc))
    now = Policy({"fine_point_over_72h": Decimal("80.00"), "visit_fee_county": Decimal("22.00")})
    october = policy_for_month(session, "2026-10", now, now=datetime(2026, 12, 1, tzinfo=timezone.utc))
    assert (october.fine_point_over_72h, october.visit_fee_county) == (Decimal("50.00"), Decimal("22.00"))
    assert policy_as_of(session, datetime(2026, 11, 10, tzinfo=timezone.utc), now).fine_point_over_72h == Decimal("60.00")
    november = policy_for_month(session, "2026-11", now, now=datetime(2026, 11, 25, tzinfo=timezone.utc))
    assert november is now  # the month still runs


def test_a_change_at_the_months_end_belongs_to_the_next_month(session):
    changed(session, "fine_point_over_72h", "50.00", "80.00", OCTOBER_END)  # the first instant of November
    now = Policy({"fine_point_over_72h": Decimal("80.00")})
    assert policy_for_month(session, "2026-10", now, now=OCTOBER_END).fine_point_over_72h == Decimal("50.00")
