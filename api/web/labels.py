"""Words for codes the domain stores (statuses, movement kinds), in the page's language."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

STATUS = {
    # transfers
    "draft": _l("draft"), "shipped": _l("shipped"), "partially_received": _l("partially received"),
    "received": _l("received"), "closed_with_discrepancy": _l("closed short"), "cancelled": _l("cancelled"),
    "rejected": _l("rejected"),
    # requisitions
    "allocated": _l("allocated"), "partially_backordered": _l("partially backordered"),
    "backordered": _l("backordered"), "delivered": _l("delivered"),
    # a requisition line's allocation
    "reserved": _l("reserved"), "released": _l("released"),
    # purchase orders
    "proposed": _l("proposed"), "open": _l("open"), "closed_short": _l("closed short"),
    # returns
    "expected": _l("expected"), "inspected": _l("inspected"), "closed": _l("closed"), "overdue": _l("overdue"),
    # cycle counts (a count: counting, submitted, closed; a line: to_count, posted, awaiting_approval, approved,
    # rejected)
    "counting": _l("counting"), "to_count": _l("to count"), "submitted": _l("submitted"), "posted": _l("posted"),
    "awaiting_approval": _l("awaiting approval"), "approved": _l("approved"),
    # stock plan runs
    "queued": _l("queued"), "running": _l("running"), "done": _l("done"), "failed": _l("failed"),
}

PLAN_TRIGGER = {"api": _l("API"), "web": _l("web page"), "weekly": _l("weekly job")}

# a kind and its code, as the domain names parties and actors ('center:GD', 'clerk:alice', 'service_point:SP0001')
KIND = {"center": _l("centre %(code)s"), "service_point": _l("service point %(code)s"),
        "warehouse": _l("warehouse %(code)s"), "clerk": _l("clerk %(code)s"), "hq": _l("HQ %(code)s"),
        "dealer": _l("dealer %(code)s")}

# who did it, when not a kind and its code ('system:optimizer' is a name of its own)
ACTOR = {"system:beat": _l("weekly job"), "cli": _l("command line"), "system": _l("system"),
         "system:world-load": _l("system (master data load)"), "system:optimizer": _l("system (optimizer)"),
         "call_center": _l("call centre"), "hq": _l("HQ"), "world": _l("system (master data load)")}

QUOTA_KIND = {  # a dealer's quota movement (inventory.quotas)
    "reserve": _l("reserved for an order"), "release": _l("released (order cancelled)"),
    "consume": _l("used (order shipped)"), "reopen": _l("reserved again (wrong part replaced)"),
    "credit": _l("credited (defective part returned)"), "limit_raise": _l("limit raised"),
    "extension": _l("temporary extension"),
}

WAREHOUSE_KIND = {"hq": _l("HQ"), "regional": _l("regional")}

MOVEMENT = {
    "receipt": _l("receipt"), "transfer_out": _l("transfer out"), "transfer_in": _l("transfer in"),
    "reservation": _l("reservation"), "release": _l("release"), "issue": _l("issue"),
    "return_in": _l("return in"), "adjustment": _l("adjustment"), "scrap": _l("scrap"),
    "mis_shipment": _l("mis-shipment correction"),
}

PURCHASE_NOTE = {  # the words the domain writes on purchase orders by itself
    "order up to the stock plan": _l("order up to the stock plan"),
    "superseded by a newer proposal": _l("superseded by a newer proposal"),
}

RETURN_KIND = {"old_part": _l("old part"), "unused": _l("unused part")}

OUTCOME = {  # what an inspected return turned out to be
    "defective_confirmed": _l("Defective (confirmed)"),
    "no_fault_found": _l("No fault found"),
    "wrong_part": _l("Wrong part"),
}


def status_label(code: str) -> str:
    return str(STATUS.get(code, code))


def purchase_note(text: str | None) -> str:
    return str(PURCHASE_NOTE.get(text, text)) if text else ""


def plan_trigger_label(code: str) -> str:
    return str(PLAN_TRIGGER.get(code, code))


def _named(text: str, names: dict) -> str:
    """'kind:code' in the page's words by `KIND` ('网点 SP0001'), else by `names`, else as written."""
    kind, _sep, code = text.partition(":")
    if code and kind in KIND:
        return str(KIND[kind]) % {"code": code}
    return str(names.get(text, text))


def actor_label(actor: str | None) -> str:
    """Who did it, in the page's words ('仓管员 alice'); a kind the tables do not know as written."""
    return _named(actor, ACTOR) if actor else ""


def quota_kind_label(code: str) -> str:
    return str(QUOTA_KIND.get(code, code))


def warehouse_kind_label(code: str) -> str:
    return str(WAREHOUSE_KIND.get(code, code))


def movement_label(code: str, movement=None) -> str:
    """A movement kind in the page's words; given the row, the destination's half of a transfer
    (the ledger books it under the sender's `transfer_out`, in transit here) reads as arriving."""
    if code == "transfer_out" and movement is not None and not movement.on_hand_delta and movement.in_transit_delta > 0:
        return str(_l("transfer on its way here"))
    return str(MOVEMENT.get(code, code))


def return_kind_label(code: str) -> str:
    return str(RETURN_KIND.get(code, code))


def outcome_label(code: str) -> str:
    return str(OUTCOME.get(code, code))

# the warranty engine's basis for a requisition line (inventory.requisitions.warranty.BASES)
WARRANTY_BASIS = {
    "unit": _l("whole unit"), "key_component": _l("key component"), "fitted_part": _l("part fitted at a repair"),
    "lifetime": _l("parts free for life"), "expired": _l("warranty expired"), "no_proof": _l("no proof of purchase"),
    "no_appliance": _l("appliance not recorded"), "no_ticket": _l("no repair ticket"),
    "not_dispatched": _l("ticket not dispatched to this point"),
    "invalid_case": _l("appliance record contradicts the ticket"),
}

# 三包 rights of a ticket (inventory.tickets.sanbao.FLAGS) and its outcome
SANBAO_FLAG = {
    "return_or_exchange_7_days": _l("fault within 7 days: return or exchange"),
    "exchange_15_days": _l("fault within 15 days: exchange"),
    "repeat_fault": _l("same fault repaired 3 times: exchange"),
    "unresolved_15_days": _l("not resolved 15 days after the report: exchange"),
    "parts_wait_90_days": _l("over 90 days waiting for parts: exchange"),
}
SANBAO_OUTCOME = {"return_or_exchange": _l("return or exchange"), "exchange": _l("exchange")}
SANBAO_NONE = {"no_appliance": _l("appliance not recorded"), "no_proof": _l("no proof of purchase"),
               "not_reported": _l("no report yet")}

# the appliance on a ticket (inventory.tickets.appliance)
PRODUCT_LINE = {"washer": _l("washing machine"), "ac": _l("air conditioner")}
USE = {"household": _l("household"), "commercial": _l("commercial")}
PROOF = {"invoice": _l("invoice"), "warranty_card": _l("warranty card")}


# who a fine or a late ticket is charged to: a named party, or a kind and its code ('center:C-GD')
PARTY = {"hq_dispatch": _l("HQ order-taker"), "hq_parts_planning": _l("HQ parts planning"),
         "hq_parts_group": _l("HQ parts group")}


def party_label(party: str) -> str:
    """A party in the page's words ('网点 SP0001'), shared by the center pages, HQ's reports and exports."""
    return _named(party, PARTY)
