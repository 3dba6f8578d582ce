"""Replaced part numbers as pure rules: which skus serve a request, in what order, and where
demand history is counted."""
from __future__ import annotations

from decimal import Decimal

from inventory.requisitions.allocation import Option, preference
from inventory.supersession import Chains, Replacement, final_successors, fold_history


def chains(*rows):
    return Chains.of(Replacement(*row) for row in rows)


def test_a_chain_of_three_serves_the_oldest_with_all_its_successors_in_order():
    graph = chains(("A", "B"), ("B", "C"))
    assert graph.serving("A") == ["A", "B", "C"]
    assert graph.serving("B") == ["B", "C"]


def test_a_one_way_successor_is_not_served_by_the_old_part():
    assert chains(("A", "B")).serving("B") == ["B"]


def test_a_two_way_pair_serves_both_ways_with_the_old_stock_first():
    graph = chains(("A", "B", True))
    assert graph.serving("A") == ["A", "B"]
    assert graph.serving("B") == ["A", "B"]


def test_interchangeability_stops_at_a_one_way_link():
    graph = chains(("A", "B"), ("B", "C", True))  # A may not serve B, so not C either
    assert graph.serving("C") == ["B", "C"]
    assert graph.serving("A") == ["A", "B", "C"]


def test_a_sku_in_no_chain_serves_itself_alone():
    assert chains(("A", "B")).serving("X") == ["X"]


def test_a_closing_link_is_found_as_a_cycle():
    graph = chains(("A", "B"), ("B", "C"), ("C", "A"))
    assert graph.cycle_through("C") == ["C", "A", "B", "C"]
    assert chains(("A", "B"), ("B", "C")).cycle_through("A") is None


def test_demand_history_of_replaced_skus_counts_for_the_final_successor():
    finals = final_successors(chains(("A", "B"), ("B", "C"), ("X", "Y", True)))
    assert finals == {"A": "C", "B": "C", "X": "Y"}
    assert fold_history({"A": 3, "B": 2, "C": 1, "Z": 4, "X": 1}, finals) == {"C": 6, "Z": 4, "Y": 1}
    assert fold_history([("A", 1.5), ("C", 1.0), ("A", 0.5)], finals) == {"C": 3.0}


def option(warehouse, hours, cost, sku, rank):
    return Option(warehouse=warehouse, available=5, hours=hours, unit_cost=Decimal(cost), sku=sku, rank=rank)


def test_own_stock_within_the_promise_goes_before_a_cheaper_successor():
    own = option("HQ", 20, "4.00", "A", 0)
    successor = option("GD1", 12, "3.50", "B", 1)
    assert preference([successor, own], 48) == [own, successor]


def test_a_successor_that_keeps_the_promise_goes_before_own_stock_that_would_be_late():
    own_late = option("HB1", 60, "9.00", "A", 0)
    successor = option("HQ", 20, "4.00", "B", 1)
    assert preference([own_late, successor], 48) == [successor, own_late]
