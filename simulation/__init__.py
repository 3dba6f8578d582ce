"""A year of national operations, simulated through the real service code (issue 9).

`simulate(SimConfig(...), out)` loads the demo network into a database of its own, drives
requisitions, shipments, deliveries, repair tickets, old-part returns, purchases, nightly
re-plans and transfers day by day on a simulated clock, and writes a report with plots.
"""
from .engine import SimConfig
from .run import DEFAULT_SKU_SHARE, Results, simulate

__all__ = ["DEFAULT_SKU_SHARE", "Results", "SimConfig", "simulate"]
