"""Domain refusals in the page's language.

The domain speaks English, and the API and CLI show its messages as they are. Every refusal
carries a stable code and the values it was about (`inventory.errors`); each code a web user
can meet is worded here once, as a template with the values' names (`N_` marks it for the
catalogue, `messages_zh.py` translates it). English pages show the domain's message unchanged,
and so does every page for a code this table does not know.
`tests/web/test_refusals.py` provokes each refusal from the domain and checks its template,
filled with the error's values, gives the domain's own words.
"""
from __future__ import annotations

from typing import Callable, Mapping

from flask_babel import get_locale, gettext
from flask_babel import lazy_gettext as _l

from inventory.errors import DomainError

from . import labels


def N_(msgid: str) -> str:
    """Marks a domain message format for the catalogue; it is translated when shown."""
    return msgid


# code -> the template its refusal is worded with, the error's values filling it in.
MESSAGES: dict[str, str] = {
    # warehouses: ledger
    "stock.insufficient": N_("%(warehouse)s has fewer than %(qty)s of %(sku)s available"),
    "stock.count_below_reserved": N_("counted %(counted)s but %(reserved)s of %(sku)s are reserved at %(warehouse)s; "
       "release or re-plan them first"),
    "stock.adjustment_needs_reason": N_("a stock adjustment needs a reason"),
    # warehouses: a direct count while the sku's last one waits for HQ (cycle_counts.direct_counts)
    "count.waits_for_hq": N_("a count of %(sku)s at %(warehouse)s already waits for HQ (cycle count %(count)s); HQ decides it first"),
    # warehouses: transfers
    "transfer.cannot_ship": N_("cannot ship transfer %(transfer)s: it is %(status)s"),
    "transfer.cannot_receive": N_("cannot receive transfer %(transfer)s: it is %(status)s"),
    "transfer.cannot_close": N_("cannot close transfer %(transfer)s: it is %(status)s"),
    "transfer.cannot_reject": N_("cannot reject transfer %(transfer)s: it is %(status)s"),
    "transfer.proposal_needs_hq": N_("transfer %(transfer)s is an optimizer proposal; it ships once HQ approves it"),
    "transfer.over_outstanding": N_("transfer %(transfer)s has only %(outstanding)s outstanding, cannot receive %(qty)s"),
    # purchasing
    "purchase_order.cannot_approve": N_("cannot approve purchase order %(order)s: it is %(status)s"),
    "purchase_order.cannot_reject": N_("cannot reject purchase order %(order)s: it is %(status)s"),
    "purchase_order.cannot_receive": N_("cannot receive against purchase order %(order)s: it is %(status)s"),
    "purchase_order.cannot_close": N_("cannot close purchase order %(order)s: it is %(status)s"),
    "purchase_order.over_received": N_("%(extra)s more of %(sku)s than ordered: say why to accept it"),
    "transfer.to_itself": N_("a transfer cannot go from %(warehouse)s to itself"),
    # requisitions
    "requisition.nothing_to_ship_from": N_("requisition %(requisition)s has nothing reserved to ship from %(warehouse)s"),
    "requisition.cancelled": N_("requisition %(requisition)s is cancelled"),
    # requisitions: HQ's warranty override (warranty.override)
    "warranty.already_in": N_("line %(line)s of %(requisition)s is already in warranty"),
    "warranty.already_out": N_("line %(line)s of %(requisition)s is already out of warranty"),
    "warranty.old_part_returning": N_("the old part of line %(line)s of %(requisition)s is already %(status)s "
                                      "(%(return_code)s); settle that return before making the line paid"),
    # requisitions: scan to ship (scans.check), 错发 stopped at the shelf
    "scan.wrong_part_from": N_("scanned %(sku)s, which requisition %(requisition)s does not ship from %(warehouse)s; put it back"),
    "scan.count_mismatch": N_("scanned %(scanned)s of %(qty)s × %(sku)s for requisition %(requisition)s; scan each unit once"),
    # returns
    "return.received_again": N_("return %(return_code)s is %(status)s; it cannot be received again"),
    "return.inspected_again": N_("return %(return_code)s was already inspected (%(outcome)s)"),
    "return.not_received": N_("return %(return_code)s is %(status)s; receive it before inspecting"),
    "return.not_inspected": N_("return %(return_code)s is %(status)s; only an inspected return can be closed"),
    # quotas
    "quota.amount_out_of_range": N_("amount must be between 0.00 and %(most)s"),
    "quota.limit_not_raised": N_("new limit %(new)s is not above the current %(current)s"),
    "quota.extension_not_positive": N_("an extension must be more than 0.00"),
    # policy
    "policy.not_valid": N_("policy %(key)s: %(value)s is not a valid %(type)s"),
    "policy.below_least": N_("policy %(key)s: %(value)s is less than %(least)s"),
    "policy.above_most": N_("policy %(key)s: %(value)s is more than %(most)s"),
    "policy.money_too_precise": N_("policy %(key)s: %(value)s has more than two decimal places (RMB to the fen)"),
    "policy.above_other": N_("policy %(key)s: %(value)s is more than %(other)s (%(other_value)s)"),
    "policy.below_other": N_("policy %(key)s: %(value)s is less than %(other)s (%(other_value)s)"),
    # a month asked for (business_calendar.month_bounds); pages read ?period= by the same rule (periods.py)
    "month.invalid": N_("month: %(month)s is not a month (YYYY-MM)"),
    "report.month_not_begun": N_("month: %(month)s has not begun"),
    # sign-in locks
    "signin.not_locked": N_("%(name)s is not locked"),
    # stock plans
    "plan.budget_out_of_range": N_("a budget must be more than 0.00 and at most %(most)s RMB"),
    "plan.run_busy": N_("stock plan run %(run)s is %(status)s; wait for it to finish"),
}

POLICY_TYPES = {"int": _l("whole number"), "Decimal": _l("decimal number"), "dict": _l("JSON object")}

# Placeholders whose values are codes the domain stores: shown in the page's words.
VALUE_WORDS: dict[str, Callable[[str], str]] = {
    "status": labels.status_label,
    "outcome": labels.outcome_label,
    "type": lambda name: str(POLICY_TYPES.get(name, name)),
}

def in_page_language(error: DomainError, table: Mapping[str, str] | None = None) -> str | None:
    """The refusal worded from `table` (code -> template) in the page's language; None for English
    pages and for codes the table does not know."""
    locale = get_locale()
    msgid = (MESSAGES if table is None else table).get(error.code)
    if msgid is None or locale is None or locale.language == "en":
        return None
    return gettext(msgid, **{name: VALUE_WORDS.get(name, str)(value) for name, value in error.values.items()})


def refusal(error: DomainError, table: Mapping[str, str] | None = None) -> str:
    """Why the domain refused, in the page's language (English: the domain's own message)."""
    worded = in_page_language(error, table)
    return error.message if worded is None else worded
