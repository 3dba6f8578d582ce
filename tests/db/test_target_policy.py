"""The nightly base-stock targets read their constants from the policy table (one home: HQ's
override takes effect, the defaults are the policy's)."""
from __future__ import annotations

from datetime import timedelta

from inventory.access import Principal
from inventory.db import transaction, utcnow
from inventory.policy import DEFAULTS, Policy
from inventory.requisitions import service as requisitions
from inventory.requisitions.service import LineRequest
from optimizer import targets


def demand(session, now):
    """A week of pumps at SP0001 (GD1's point): something for the targets to cover."""
    with transaction(session):
        for day in range(1, 8):
            requisitions.submit(session, Principal("service_point", "SP0001"), ship_to="SP0001", ticket="T1", policy=Policy(),
                                lines=[LineRequest("WM-PUMP-01", 1)], now=now - timedelta(days=day))


def test_the_targets_constants_are_the_policys_defaults():
    assert (targets.HISTORY_DAYS, targets.PRIOR_DAYS, targets.SERVICE_Z, targets.MIN_MEAN, targets.HQ_KEEP_DAYS) == (
        DEFAULTS["target_history_days"].default, DEFAULTS["target_prior_days"].default,
        float(DEFAULTS["target_service_z"].default), float(DEFAULTS["regional_min_mean"].default),
        DEFAULTS["hq_keep_days"].default)


def test_an_override_of_the_safety_factor_changes_the_targets(session, world):
    now = utcnow()
    demand(session, now)
    usual = targets.base_stock_targets(session, now, min_mean=0.0, policy=Policy())
    safer = targets.base_stock_targets(session, now, min_mean=0.0, policy=Policy({"target_service_z": 4}))
    assert usual and set(usual) <= set(safer)
    assert all(safer[key] >= target for key, target in usual.items())
    assert sum(safer.values()) > sum(usual.values())


def test_the_history_and_prior_days_come_from_the_policy(session, world):
    now = utcnow()
    demand(session, now)
    seen = targets.daily_rates(session, now, Policy({"target_prior_days": 0})).per_day.sum()
    assert seen == 7 / 28  # 7 pumps in 28 days of history, nothing else
    assert targets.daily_rates(session, now, Policy({"target_prior_days": 0, "target_history_days": 7})).per_day.sum() == 1
