"""The requisition's `customer_charge` (what the point collects out of warranty), read once per
request for all the requisitions a response shows."""
from __future__ import annotations

from collections.abc import Sequence

from flask import g

from inventory.customer_charges import charge_to_dict, requisition_charges
from inventory.policy import Policy, policy_of_transaction

from ..extensions import db

DESCRIPTION = ("what the service point must collect from the customer (seed 003, 10 保修期外收费标准): each "
               "out-of-warranty line at the part's list price (`price_basis` list, or markup: unit cost x the "
               "policy's list_price_markup when the part has none), and the ticket's visit fee by the point's city "
               "tier once per ticket (`visit_fee` on the ticket's first requisition with a line out of warranty "
               "or whose unit was not covered, `kind` visit or in_shop; another of its requisitions names that "
               "one in `visit_fee_on`); prices and fees as fixed when the requisition was submitted (later "
               "catalogue or policy changes do not alter them); money as decimal strings; a cancelled "
               "requisition collects nothing")


def _policy() -> Policy:
    return policy_of_transaction(db.session())  # the one a submit in this transaction used


def warm(reqs: Sequence) -> None:
    """Read the charges of every requisition a page shows in a few queries."""
    cache = g.setdefault("customer_charges", {})
    todo = [req for req in reqs if req.id not in cache]
    if todo:
        cache.update({rid: charge_to_dict(c) for rid, c in requisition_charges(db.session, todo, _policy()).items()})


def charge_of(req) -> dict:
    warm([req])
    return g.customer_charges[req.id]
