"""What HQ does every night, per policy: `none`, `greedy` or `optimizer`.

- `none`: nothing; lines keep what submit reserved (backorders wait for good).
- `greedy`: the hand planner's baseline: every open unshipped line re-planned with
  `optimizer.greedy` (heaviest first, nearest holder), applied through the optimizer's own
  apply path (`optimizer.runs.apply_plan`) when it beats what is reserved. No transfer model.
- `optimizer`: the nightly re-plan `optimizer.runs.run_now` (min-cost flow, applied and recorded
  as a run), then the base-stock transfers of `optimizer.targets.propose_transfers`, all approved.
- `planned`: the same nights, but the targets come from the stock plan (`optimizer.stock_plan`:
  forecast and placement under the stock budget, made again every Monday night), which also
  sets HQ's order-up-to levels for the purchase review.
`SimConfig.transfers` can give any policy the transfers (or take them away), to tell the
allocation engine's share of a difference from the transfer model's; `greedy_transfers` names
the variant that matters most: greedy re-planning with the optimizer's transfers.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from inventory.db import transaction
from inventory.errors import InsufficientStock
from inventory.network import Warehouse
from inventory.policy import Policy
from inventory.warehouses import transfers
from inventory.warehouses.models import Transfer

POLICIES = ("none", "greedy", "optimizer", "planned")
# what a command line may ask for: the night's policy and whether base-stock transfers run (None: its default)
VARIANTS: dict[str, tuple[str, bool | None]] = {"none": ("none", None), "greedy": ("greedy", None),
                                               "greedy_transfers": ("greedy", True),
                                               "optimizer": ("optimizer", None), "planned": ("planned", None)}
ACTOR = "system:simulation"


@dataclass
class Night:
    """One night's work: lines re-planned and the transfers shipped."""

    lines_changed: int = 0
    run: str | None = None
    shipped: list[Transfer] = field(default_factory=list)
    refused: int = 0


def replan(policy_name: str, sessions: sessionmaker, *, now: datetime, policy: Policy, day: int) -> Night:
    """The night's re-plan of open unshipped lines in its own transactions (none: nothing)."""
    if policy_name == "none":
        return Night()
    if policy_name in ("optimizer", "planned"):
        from optimizer import runs

        result = runs.run_now(sessions, now=now, trigger="simulation", actor=ACTOR, propose=False)
        return Night(lines_changed=int(result.get("lines_changed") or 0), run=result.get("id"))
    return _greedy(sessions, now=now, policy=policy, day=day)


def _greedy(sessions: sessionmaker, *, now: datetime, policy: Policy, day: int) -> Night:
    from optimizer import runs
    from optimizer.greedy import greedy_plan

    with sessions() as session, transaction(session):
        document = runs.snapshot(session, now, policy)
    if not document["lines"]:
        return Night(run=f"GREEDY{day:04d}")
    instance = runs.instance_of(document)
    allocations = greedy_plan(instance).allocations()
    before = Decimal(runs.kpis(instance, runs.current_allocations(document))["objective"])
    after = Decimal(runs.kpis(instance, allocations)["objective"])
    night = Night(run=f"GREEDY{day:04d}")
    if after > before:
        with sessions() as session, transaction(session):
            night.lines_changed = runs.apply_plan(session, document, allocations, now=now, run_code=night.run).changed
    return night


def ship_transfers(session: Session, night: Night, *, now: datetime, policy: Policy, cover: float,
                   min_mean: float, plan=None) -> None:
    """Propose the base-stock transfers (to a stock plan's targets when there is one) and approve
    every draft at once (HQ's parts team). Drafts are keyed by the night's run (`GREEDY...` or
    the optimizer run's code, or none)."""
    from optimizer.targets import propose_transfers

    drafts = propose_transfers(session, now=now, policy=policy, run_id=night.run, cover_factor=cover,
                               min_mean=min_mean, targets=None if plan is None else plan.regional_targets(),
                               hq_keep=None if plan is None else plan.hq_keep())
    for draft in drafts:
        try:
            with session.begin_nested():
                night.shipped.append(transfers.approve_and_ship(session, draft.id, actor=ACTOR, now=now))
        except InsufficientStock:
            night.refused += 1


def plan_stock(session: Session, now: datetime, policy: Policy, budget: float | None,
               weights: dict[str, float], stock_weights: dict[str, float]):
    """The stock plan of the night (`optimizer.stock_plan.make_plan`), kept as the weekly job keeps
    it (the next plan corrects itself against it); with a sample of skus each counts for its
    stratum, so the budget is the whole catalogue's."""
    from optimizer.stock_plan import make_plan, save

    plan = make_plan(session, now, policy, budget=budget, weights=weights, stock_weights=stock_weights)
    save(session, plan, actor=ACTOR, now=now)
    return plan


def forecast(session: Session, now: datetime, days: int, skus: list[str], regions: list[str],
             plan=None) -> np.ndarray:
    """Units per (sku, centre) over the next `days` as the policy forecasts them: the stock plan's
    forecast when there is one, else the base-stock targets' (`optimizer.targets.daily_rates`,
    per regional warehouse, summed over each centre's), read from the database like everything
    the policies know."""
    from optimizer.targets import daily_rates

    if plan is not None:
        units = plan.forecast.units(days)
        row = {sku: j for j, sku in enumerate(plan.inputs.skus)}
        col = {c: r for r, c in enumerate(plan.inputs.regions)}
        out = np.zeros((len(skus), len(regions)))
        known = [r for r, c in enumerate(regions) if c in col]
        out[:, known] = units[np.array([row[s] for s in skus])][:, [col[regions[r]] for r in known]]
        return out

    rates = daily_rates(session, now)
    center = dict(session.execute(select(Warehouse.code, Warehouse.center_code)).all())
    column = {sku: j for j, sku in enumerate(rates.skus)}
    cols = np.array([column[s] for s in skus], dtype=np.int64)
    region = {c: r for r, c in enumerate(regions)}
    out = np.zeros((len(skus), len(regions)))
    for i, warehouse in enumerate(rates.warehouses):
        if center.get(warehouse) in region:
            out[:, region[center[warehouse]]] += rates.per_day[i, cols] * days
    return out
