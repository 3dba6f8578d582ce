"""The appliance behind a simulated repair ticket: what the call centre records (机器信息).

The warranty engine (`inventory.warranty`), not the simulation, then decides each requisition
line: the appliance only has to look like the ones a national network repairs. Every draw comes
from the line's own appliance uniforms (a stream of its own, see `demand.APPLIANCE_STREAM`), so
the same ticket gets the same appliance whatever policy runs and the other streams are unchanged.

- Product line from the part's family; use: commercial air conditioners are light commercial
  units, and a few washers work in laundries (商用).
- Age at the report: a few faults within 7 and within 15 days of purchase (三包 return or
  exchange); most units within their first year; the rest spread over the years after it, so a
  share of washers is past 12 months (ordinary parts paid, key components free to 36) and some
  air conditioners past their six years.
- Proof: mostly the invoice, some the warranty card, a few none (no warranty at all).
- Repeat faults: some tickets are the same appliance again (same serial, purchase date and
  fault), found among the latest of the same product line in the point's centre (the centre may
  dispatch the second call to another of its points; a national run samples 2 % of the skus, so
  one point sees too few tickets to meet its own again); a unit that came back tends to come back
  again, so some reach a fourth visit: the fault repaired three times before.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

APPLIANCE_COLUMNS = 6
FIRST_WEEK_SHARE = 0.015       # reported within 7 days of purchase
FIRST_FORTNIGHT_SHARE = 0.015  # reported 8-15 days after purchase
FIRST_YEAR_SHARE = 0.62        # reported 16-365 days after purchase (the rest: older units)
OLDEST_DAYS = {"washer": 365 * 6, "ac": 365 * 9}
COMMERCIAL_WASHER_SHARE = 0.05
NO_PROOF_SHARE = 0.03
WARRANTY_CARD_SHARE = 0.30     # of those with proof; the rest keep the invoice
REPEAT_SHARE = 0.08            # of tickets: the same appliance again, same fault
REPEAT_SAME_UNIT = 0.9         # of repeats: the unit already back again (while it has had < 4 visits)
MAX_VISITS = 4
FAULTS = {"washer": ("E1", "E2", "E3", "E4", "F1", "F2"), "ac": ("E1", "E2", "E4", "E5", "F1", "P4")}


@dataclass(frozen=True)
class Appliance:
    product_line: str
    use: str
    model: str
    serial: str
    purchased_on: date | None
    proof: str | None
    fault: str
    visits: int = 1


def product_line(family: str) -> str:
    return "ac" if family.endswith("_ac") else "washer"


def _age_days(u: float, line: str) -> int:
    if u < FIRST_WEEK_SHARE:
        return int(u / FIRST_WEEK_SHARE * 8)                                   # 0-7
    u -= FIRST_WEEK_SHARE
    if u < FIRST_FORTNIGHT_SHARE:
        return 8 + int(u / FIRST_FORTNIGHT_SHARE * 8)                          # 8-15
    u -= FIRST_FORTNIGHT_SHARE
    if u < FIRST_YEAR_SHARE:
        return 16 + int(u / FIRST_YEAR_SHARE * 350)                            # 16-365
    u = (u - FIRST_YEAR_SHARE) / (1 - FIRST_WEEK_SHARE - FIRST_FORTNIGHT_SHARE - FIRST_YEAR_SHARE)
    return 366 + int(min(u, 0.999999) * (OLDEST_DAYS[line] - 366))             # older units


def new_appliance(ticket: str, family: str, reported_on: date, u) -> Appliance:
    """A first visit: the appliance drawn from the line's uniforms u[1:6]."""
    line = product_line(family)
    use = "commercial" if family == "commercial_ac" or (line == "washer" and u[1] < COMMERCIAL_WASHER_SHARE) \
        else "household"
    proof = None if u[2] < NO_PROOF_SHARE else "warranty_card" if u[2] < NO_PROOF_SHARE + WARRANTY_CARD_SHARE \
        else "invoice"
    # without an invoice or card the call centre records no purchase date (the customer's word is no proof)
    purchased_on = reported_on - timedelta(days=_age_days(float(u[3]), line)) if proof else None
    faults = FAULTS[line]
    return Appliance(line, use, family[:64], f"SN{ticket}", purchased_on, proof,
                     faults[min(int(u[4] * len(faults)), len(faults) - 1)])


class ApplianceBook:
    """What the simulated call centre remembers per (centre, product line): the latest appliance
    it recorded and the unit that keeps coming back, so a repeat fault finds its serial."""

    def __init__(self) -> None:
        self.latest: dict[tuple[str, str], Appliance] = {}
        self.returning: dict[tuple[str, str], Appliance] = {}

    def appliance(self, ticket: str, center: str, family: str, reported_on: date, u) -> Appliance:
        key = (center, product_line(family))
        again = None
        if u[0] < REPEAT_SHARE and key in self.latest:
            again = self.returning.get(key)
            if again is None or again.visits >= MAX_VISITS or u[5] >= REPEAT_SAME_UNIT:
                again = self.latest[key]
            if again.purchased_on is not None and again.purchased_on > reported_on:
                again = None  # tickets are reported out of order: this one came first, another unit
        if again is not None:
            unit = Appliance(again.product_line, again.use, again.model, again.serial, again.purchased_on,
                             again.proof, again.fault, again.visits + 1)
            self.returning[key] = unit
        else:
            unit = new_appliance(ticket, family, reported_on, u)
        self.latest[key] = unit
        return unit
