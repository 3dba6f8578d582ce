"""三包 flags of a live ticket (seed 000 二.六, seed 003 七/八): what the customer may claim today.

The warranty engine's outcome (`warranty.sanbao`) is the appliance's at the report; a live
ticket adds what happened since. Each flag names one right; the outcome is the strongest:
- `return_or_exchange_7_days`: the fault reported at most 7 days after the purchase;
- `exchange_15_days`: at most 15 days (and more than 7);
- `repeat_fault`: this fault already visited 3 times at earlier repairs of the serial;
- `unresolved_15_days`: not completed 15 days after the report, counting only the maker's time
  (the customer's reschedules and recorded force majeure are not the maker's fault);
- `parts_wait_90_days`: waiting more than `exchange_wait_days` (*policy*, 90) for parts the
  maker did not supply (the attribution's `exchange_flag`), when the report lies in the 三包使用期
  (the whole unit's period, extended by the days in repair: seed 003 八.4 在三包使用期内). The
  maker's own promises above (seed 000 二.六) name no period, so they keep none.
None without proof of purchase (no invoice or warranty card): 三包 is for the proven buyer. The
attribution's `exchange_flag` stays as it was (the fact of the wait, proof or not); the report
lists it as before and counts 三包 rights here.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from ..policy import Policy
from ..warranty import EXCHANGE, EXCHANGE_DAYS, REPEAT_VISITS, RETURN_DAYS, RETURN_OR_EXCHANGE, in_sanbao_period, terms_for
from .appliance import ApplianceFacts

FLAGS = ("return_or_exchange_7_days", "exchange_15_days", "repeat_fault", "unresolved_15_days",
         "parts_wait_90_days")
UNRESOLVED_DAYS = 15  # the law's days (seed 003 八: 修理期限超过15日), not HQ's choice


def live_flags(appliance: ApplianceFacts | None, reported_at: datetime | None, maker_hours: float,
               waited_for_parts: bool, policy: Policy) -> dict[str, Any]:
    """{outcome, flags, why_none}: the 三包 rights of a ticket reported at `reported_at` whose
    maker's time so far (report to completion or now, less excused time) is `maker_hours`."""
    if appliance is None:
        return {"outcome": None, "flags": [], "why_none": "no_appliance"}
    if appliance.proof is None or appliance.purchased_on is None:
        return {"outcome": None, "flags": [], "why_none": "no_proof"}
    if reported_at is None:
        return {"outcome": None, "flags": [], "why_none": "not_reported"}
    case = appliance.case(reported_at)
    flags = []
    age = (case.reported_on - case.purchased_on).days
    if age <= RETURN_DAYS:
        flags.append("return_or_exchange_7_days")
    elif age <= EXCHANGE_DAYS:
        flags.append("exchange_15_days")
    fault = case.fault.strip().casefold()
    if sum(1 for r in case.repairs if r.visited and r.fault.strip().casefold() == fault) >= REPEAT_VISITS:
        flags.append("repeat_fault")
    if maker_hours > UNRESOLVED_DAYS * 24:
        flags.append("unresolved_15_days")
    if waited_for_parts and in_sanbao_period(case, terms_for(policy, appliance.product_line, appliance.use)):
        flags.append("parts_wait_90_days")
    outcome = RETURN_OR_EXCHANGE if "return_or_exchange_7_days" in flags else EXCHANGE if flags else None
    return {"outcome": outcome, "flags": flags, "why_none": None}
