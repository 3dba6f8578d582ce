"""Whether a part is free: the warranty engine of DOMAIN.md "Warranty and 三包".

A pure function of one case (the appliance, the part, the fault reported): no database, no
clock. `parts warranty --input` and the requisition both call `decide`, so what a service point
is told offline is what its requisition gets. Sources: seed 000 二.五 保修期限 and 二.六 退调换,
seed 001 1.2 包修承诺, seed 003 七 三包期限 and 八 退货期限.

The rules
---------
1. No proof of purchase (no invoice or warranty card: `purchased_on` is None): not covered,
   basis `no_proof`, no 三包 outcome (seed 003: 没有保修卡或购机有效证实 is not warranty).
2. Terms per product line and use, months from the policy table (`terms_for`):
   - `unit`: any part, months from purchase. A line whose ordinary parts are free for life
     (家用空调 零配件终身免费更换) has basis `lifetime` and no `until`; that promise is for
     零配件, so a key component there keeps its own months (压缩机包修六年).
   - `key_component`: a 主要部件 (compressor, motor, ...), months from purchase.
   - `fitted_part`: a part fitted at an earlier repair, months from its fitting, not
     extended (更换的维修配件的保用期); none where the maker gives none (air conditioners).
3. A period from purchase is extended by the whole days the appliance spent in its earlier
   repairs, report to completion, overlapping repairs counted once (三包使用期扣除修理占用和
   待修时间). until = purchase + months (the month's last day when the day does not exist)
   + those days.
4. Covered when the fault is reported on or before a rule's until. `basis` is the rule with
   the latest until (a tie goes to the most specific: fitted part, key component, unit), else
   `expired` with that latest until.
5. Whether the whole unit (整机) is covered, apart from the part: the `unit` rule's until
   against the report (a household air conditioner's parts free for life leave its unit at 72
   months: 整机包修六年). Seed 003: past the whole-unit term the
   visit fee is charged even when the part itself is free (a key component, 超出十二个月机器上门
   需向用户收取上门服务费). Without proof: not covered.
6. 三包 outcome, with proof only: reported at most 7 days after purchase -> return_or_exchange;
   at most 15 days -> exchange; this fault already visited 3 times before -> exchange; else
   None. The outcomes of a live ticket (not resolved 15 days after the report, 90 days waiting
   for parts) belong to the ticket, not to this case.
"""
from __future__ import annotations

from calendar import monthrange
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from .errors import InvalidInput

if TYPE_CHECKING:
    from .policy import Policy

PRODUCT_LINES = ("washer", "ac")
USES = ("household", "commercial")
PROOFS = ("invoice", "warranty_card")
COVERING = ("unit", "key_component", "fitted_part", "lifetime")
BASES = COVERING + ("expired", "no_proof")
RETURN_OR_EXCHANGE = "return_or_exchange"
EXCHANGE = "exchange"
# The law's days and visits (三包规定, seed 000 二.六, seed 003 八), not HQ's choice: no policy keys.
RETURN_DAYS = 7
EXCHANGE_DAYS = 15
REPEAT_VISITS = 3
# Among rules with the same until, the one that says most about this part names the basis.
SPECIFICITY = {"unit": 0, "key_component": 1, "fitted_part": 2}


@dataclass(frozen=True)
class Terms:
    """One product line and use: months per rule (None fitted = no own term). `parts_for_life`: ordinary
    parts are free for life (家用空调 零配件终身免费更换) while the whole unit keeps its months (整机包修六年),
    which decide its visit fee and its 三包 period."""

    unit_months: int
    key_months: int
    fitted_months: int | None
    parts_for_life: bool = False


def terms_for(policy: Policy, product_line: str, use: str) -> Terms:
    """The policy table's months for a line and use (the washer keys predate the air conditioners)."""
    _one_of("product_line", product_line, PRODUCT_LINES, "product line", "warranty.unknown_product_line")
    _one_of("use", use, USES, "use", "warranty.unknown_use")
    if product_line == "washer":
        return Terms(getattr(policy, f"warranty_{use}_unit_months"), getattr(policy, f"warranty_{use}_key_months"),
                     getattr(policy, f"warranty_{use}_part_months"))
    return Terms(getattr(policy, f"warranty_ac_{use}_unit_months"), getattr(policy, f"warranty_ac_{use}_key_months"),
                 None, parts_for_life=use == "household" and bool(policy.warranty_ac_household_parts_for_life))


@dataclass(frozen=True)
class Repair:
    """An earlier repair of the appliance; `completed_on` None: still open, counted up to the new report."""

    reported_on: date
    completed_on: date | None
    fault: str
    visited: bool = True


@dataclass(frozen=True)
class Case:
    """One fault on one appliance and the part it needs; refuses dates that cannot have happened."""

    product_line: str
    use: str
    purchased_on: date | None
    reported_on: date
    fault: str
    key_component: bool = False
    fitted_on: date | None = None
    repairs: tuple[Repair, ...] = ()
    proof: str | None = None
    sku: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "repairs", tuple(self.repairs))
        _one_of("product_line", self.product_line, PRODUCT_LINES, "product line",
                "warranty.unknown_product_line")
        _one_of("use", self.use, USES, "use", "warranty.unknown_use")
        if self.proof is not None:
            _one_of("proof", self.proof, PROOFS, "proof of purchase", "warranty.unknown_proof")
            if self.purchased_on is None:
                _fail("proof", f"{self.proof} without the purchase date it proves: give purchased_on",
                      "warranty.proof_without_date", proof=self.proof)
        _date("reported_on", self.reported_on)
        _date("purchased_on", self.purchased_on, optional=True)
        _not_before("reported_on", self.reported_on, self.purchased_on, "the purchase")
        _date("part.fitted_on", self.fitted_on, optional=True)
        _not_before("part.fitted_on", self.fitted_on, self.purchased_on, "the purchase")
        _not_after("part.fitted_on", self.fitted_on, self.reported_on, "this report")
        if not self.fault.strip():
            _fail("fault", "must not be blank", "warranty.fault_blank")
        for i, repair in enumerate(self.repairs):
            _check_repair(f"repairs[{i}]", repair, self)


def _fail(field: str, message: str, code: str, **values) -> None:
    raise InvalidInput(f"{field}: {message}", code=code, field=field, **values)


def _one_of(field: str, value: str, choices: tuple[str, ...], what: str, code: str) -> None:
    if value not in choices:
        _fail(field, f"unknown {what} {value!r} (one of {', '.join(choices)})", code, value=value)


def _date(field: str, value: date | None, optional: bool = False) -> None:
    """Calendar dates only: a datetime would carry a clock and a zone the rules do not use."""
    if value is None and optional:
        return
    if not isinstance(value, date) or isinstance(value, datetime):
        _fail(field, f"{value!r} is not a date", "warranty.not_a_date", value=value)


def _not_before(field: str, value: date | None, earliest: date | None, what: str) -> None:
    if value is not None and earliest is not None and value < earliest:
        _fail(field, f"{value.isoformat()} is before {what} ({earliest.isoformat()})", "warranty.date_too_early",
              date=value.isoformat(), earliest=earliest.isoformat())


def _not_after(field: str, value: date | None, latest: date, what: str) -> None:
    if value is not None and value > latest:
        _fail(field, f"{value.isoformat()} is after {what} ({latest.isoformat()})", "warranty.date_too_late",
              date=value.isoformat(), latest=latest.isoformat())


def _check_repair(path: str, repair: Repair, case: Case) -> None:
    _date(f"{path}.reported_on", repair.reported_on)
    _date(f"{path}.completed_on", repair.completed_on, optional=True)
    _not_before(f"{path}.reported_on", repair.reported_on, case.purchased_on, "the purchase")
    _not_before(f"{path}.completed_on", repair.completed_on, repair.reported_on, "its report")
    _not_after(f"{path}.reported_on", repair.reported_on, case.reported_on, "this report")
    _not_after(f"{path}.completed_on", repair.completed_on, case.reported_on, "this report")
    if not repair.fault.strip():
        _fail(f"{path}.fault", "must not be blank", "warranty.fault_blank")


@dataclass(frozen=True)
class Decision:
    """The answer: `until` is the covering (or, expired, the latest) rule's last day; None for life or no proof.
    `unit_covered`: the whole-unit rule (or parts for life) covers this report (rule 5)."""

    in_warranty: bool
    basis: str
    until: date | None
    sanbao: str | None
    unit_covered: bool = False


def add_months(start: date, months: int) -> date:
    """Calendar months; the month's last day when the day does not exist (31 Jan + 1 = 28/29 Feb)."""
    index = start.month - 1 + months
    year, month = start.year + index // 12, index % 12 + 1
    if not date.min.year <= year <= date.max.year:
        return date.max if months > 0 else date.min
    return date(year, month, min(start.day, monthrange(year, month)[1]))


def _plus_days(start: date, days: int) -> date:
    return date.max if (date.max - start).days < days else start + timedelta(days=days)


def repair_days(repairs: tuple[Repair, ...], reported_on: date) -> int:
    """Whole days the appliance spent in repairs (report to completion), each day counted once."""
    days, covered_to = 0, date.min
    for start, stop in sorted((r.reported_on, r.completed_on or reported_on) for r in repairs):
        start = max(start, covered_to)
        if stop > start:
            days += (stop - start).days
        covered_to = max(covered_to, stop)
    return days


def _rules(case: Case, purchased_on: date, terms: Terms) -> list[tuple[str, date | None]]:
    """(basis, until) of every rule that may cover this part; until None = for life."""
    extension = repair_days(case.repairs, case.reported_on)

    def from_purchase(months: int) -> date:
        return _plus_days(add_months(purchased_on, months), extension)

    rules: list[tuple[str, date | None]] = []
    rules.append(("unit", from_purchase(terms.unit_months)))
    if terms.parts_for_life and not case.key_component:
        rules.append(("lifetime", None))
    if case.key_component:
        rules.append(("key_component", from_purchase(terms.key_months)))
    if case.fitted_on is not None and terms.fitted_months is not None:
        rules.append(("fitted_part", add_months(case.fitted_on, terms.fitted_months)))
    return rules


def sanbao_until(case: Case, terms: Terms) -> date | None:
    """The last day of the 三包使用期 (seed 003 七: from the invoice, less the days in repair): the
    whole unit's period, extended as the unit rule is (parts free for life do not stretch it);
    None without proof of purchase."""
    if case.purchased_on is None:
        return None
    return _plus_days(add_months(case.purchased_on, terms.unit_months), repair_days(case.repairs, case.reported_on))


def in_sanbao_period(case: Case, terms: Terms) -> bool:
    """The report lies in the 三包使用期. The law's exchange for a 90-day wait for parts holds only
    there (seed 003 八.4 在三包使用期内); the maker's own promises (seed 000 二.六: three visits for
    one fault, 15 days unresolved through the maker) name no period and keep none."""
    until = sanbao_until(case, terms)
    return until is None or case.reported_on <= until


def sanbao(case: Case) -> str | None:
    """The appliance's 三包 outcome for this report (seed 000 二.六, seed 003 八); None without proof.
    Fault codes match ignoring case and surrounding spaces: "e21 " is the point's spelling of E21."""
    if case.purchased_on is None:
        return None
    age = (case.reported_on - case.purchased_on).days
    if age <= RETURN_DAYS:
        return RETURN_OR_EXCHANGE
    if age <= EXCHANGE_DAYS:
        return EXCHANGE
    fault = case.fault.strip().casefold()
    visits = sum(1 for r in case.repairs if r.visited and r.fault.strip().casefold() == fault)
    return EXCHANGE if visits >= REPEAT_VISITS else None


def decide(case: Case, policy: Policy) -> Decision:
    """Covered or not, on which basis, until when, the 三包 outcome and whether the whole unit is
    covered (rules 1-6 above)."""
    terms = terms_for(policy, case.product_line, case.use)
    if case.purchased_on is None:
        return Decision(False, "no_proof", None, None, unit_covered=False)
    rules = _rules(case, case.purchased_on, terms)
    unit_until = next(until for basis, until in rules if basis == "unit")
    unit_covered = case.reported_on <= unit_until
    if any(until is None for _, until in rules):
        return Decision(True, "lifetime", None, sanbao(case), unit_covered=unit_covered)
    basis, until = max(rules, key=lambda rule: (rule[1], SPECIFICITY[rule[0]]))
    covered = case.reported_on <= until
    return Decision(covered, basis if covered else "expired", until, sanbao(case), unit_covered=unit_covered)
