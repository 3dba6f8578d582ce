"""The pure allocation rules of submit (`inventory.requisitions.allocation`): which warehouse
serves a line, in what order, how a line splits, and where stock stood for the shortage
attribution (缺件原因). No database."""
from __future__ import annotations

from decimal import Decimal

from inventory.requisitions.allocation import Option, preference, split, stock_seen

PROMISE = 48


def option(warehouse: str, available: int = 5, hours: int = 24, cost: str = "5.00", **kw) -> Option:
    return Option(warehouse=warehouse, available=available, hours=hours, unit_cost=Decimal(cost), **kw)


def order(options: list[Option]) -> list[str]:
    return [o.warehouse for o in preference(options, PROMISE)]


# --- preference ----------------------------------------------------------------------------

def test_prefers_the_cheapest_warehouse_that_keeps_the_promise():
    assert order([option("GD1", cost="9.00"), option("HQ", cost="3.00"), option("GX1", cost="5.00")]) == \
        ["HQ", "GX1", "GD1"]


def test_a_cheap_warehouse_that_breaks_the_promise_comes_after_every_one_that_keeps_it():
    assert order([option("FAR", hours=72, cost="0.50"), option("NEAR", hours=30, cost="8.00")]) == ["NEAR", "FAR"]


def test_a_warehouse_arriving_exactly_at_the_promise_keeps_it():
    assert order([option("EDGE", hours=PROMISE, cost="1.00"), option("FAST", hours=10, cost="2.00")]) == \
        ["EDGE", "FAST"]


def test_between_equally_cheap_warehouses_in_time_the_faster_goes_first():
    assert order([option("SLOW", hours=40), option("FAST", hours=12)]) == ["FAST", "SLOW"]


def test_late_options_go_by_speed_not_by_cost():
    late = [option("SLOW_CHEAP", hours=120, cost="1.00"), option("FAST_DEAR", hours=60, cost="20.00"),
            option("MIDDLE", hours=90, cost="5.00")]
    assert order(late) == ["FAST_DEAR", "MIDDLE", "SLOW_CHEAP"]


def test_equally_fast_late_options_go_by_cost():
    assert order([option("DEAR", hours=60, cost="9.00"), option("CHEAP", hours=60, cost="2.00")]) == \
        ["CHEAP", "DEAR"]


def test_a_full_tie_is_broken_by_warehouse_code_so_the_order_is_stable():
    assert order([option("B"), option("A"), option("C")]) == ["A", "B", "C"]


def test_no_options_means_nothing_to_prefer():
    assert preference([], PROMISE) == []


# --- serving rank (替代件) ------------------------------------------------------------------

def test_within_the_promise_the_better_ranked_skus_stock_goes_first_even_when_dearer():
    own = option("GD1", cost="9.00", sku="OLD", rank=0)
    successor = option("GD1", cost="1.00", sku="NEW", rank=1)
    assert [o.sku for o in preference([successor, own], PROMISE)] == ["OLD", "NEW"]


def test_a_successor_keeping_the_promise_beats_the_lines_own_stock_that_would_be_late():
    own_late = option("FAR", hours=80, sku="OLD", rank=0)
    successor_in_time = option("NEAR", hours=20, sku="NEW", rank=1)
    assert [o.sku for o in preference([own_late, successor_in_time], PROMISE)] == ["NEW", "OLD"]


def test_among_late_options_speed_outranks_serving_rank():
    own_slow = option("SLOW", hours=100, sku="OLD", rank=0)
    successor_fast = option("FAST", hours=60, sku="NEW", rank=1)
    assert [o.sku for o in preference([own_slow, successor_fast], PROMISE)] == ["NEW", "OLD"]


def test_among_equally_fast_late_options_the_better_ranked_sku_goes_first():
    own = option("A", hours=60, cost="9.00", sku="OLD", rank=0)
    successor = option("B", hours=60, cost="1.00", sku="NEW", rank=1)
    assert [o.sku for o in preference([successor, own], PROMISE)] == ["OLD", "NEW"]


# --- splitting -------------------------------------------------------------------------------

def test_a_line_one_warehouse_can_cover_takes_everything_from_the_first_choice():
    takes, backordered = split([option("DEAR", cost="9.00"), option("CHEAP", available=10, cost="1.00")], 4, PROMISE)
    assert [(o.warehouse, q) for o, q in takes] == [("CHEAP", 4)] and backordered == 0


def test_a_line_no_single_warehouse_can_cover_is_split_in_preference_order():
    options = [option("DEAR", available=5, cost="9.00"), option("CHEAP", available=2, cost="1.00"),
               option("MIDDLE", available=1, cost="4.00")]
    takes, backordered = split(options, 5, PROMISE)
    assert [(o.warehouse, q) for o, q in takes] == [("CHEAP", 2), ("MIDDLE", 1), ("DEAR", 2)]
    assert backordered == 0


def test_a_split_fills_from_late_stock_only_after_every_warehouse_in_time_is_empty():
    takes, _ = split([option("LATE", available=9, hours=72), option("IN_TIME", available=1)], 3, PROMISE)
    assert [(o.warehouse, q) for o, q in takes] == [("IN_TIME", 1), ("LATE", 2)]


def test_what_no_warehouse_has_is_backordered():
    takes, backordered = split([option("A", available=2), option("B", available=1, hours=90)], 7, PROMISE)
    assert sum(q for _, q in takes) == 3 and backordered == 4


def test_warehouses_with_nothing_available_are_never_taken_from():
    takes, backordered = split([option("EMPTY", available=0, cost="0.10"), option("NEGATIVE", available=-2),
                                option("FULL", available=3, cost="9.00")], 2, PROMISE)
    assert [(o.warehouse, q) for o, q in takes] == [("FULL", 2)] and backordered == 0


def test_a_line_with_no_options_is_backordered_whole():
    assert split([], 3, PROMISE) == ([], 3)


def test_a_split_takes_the_lines_own_stock_before_a_successors_within_the_promise():
    takes, _ = split([option("GD1", available=4, sku="NEW", rank=1), option("GD1", available=1, sku="OLD", rank=0)],
                     3, PROMISE)
    assert [(o.sku, q) for o, q in takes] == [("OLD", 1), ("NEW", 2)]


# --- stock_seen: where stock stood, for the shortage attribution -------------------------------

def test_the_points_own_regional_warehouse_covering_in_time_is_regional():
    assert stock_seen([option("GD1", available=3, is_regional_of_point=True), option("HQ", is_hq=True)],
                      3, PROMISE) == "regional"


def test_two_regional_warehouses_of_the_points_center_together_covering_in_time_are_regional():
    options = [option("SD1", available=2, is_regional_of_point=True), option("SD2", available=1, is_regional_of_point=True)]
    assert stock_seen(options, 3, PROMISE) == "regional"


def test_hq_covering_alone_in_time_when_the_regional_warehouse_is_short_is_hq():
    options = [option("GD1", available=1, is_regional_of_point=True), option("HQ", available=3, is_hq=True)]
    assert stock_seen(options, 3, PROMISE) == "hq"


def test_hq_counts_first_even_when_another_regional_warehouse_could_also_cover():
    options = [option("HQ", available=3, is_hq=True), option("GX1", available=9)]
    assert stock_seen(options, 3, PROMISE) == "hq"


def test_other_warehouses_covering_in_time_together_are_other_warehouse():
    options = [option("GD1", available=1, is_regional_of_point=True), option("GX1", available=1),
               option("HQ", available=1, is_hq=True)]
    assert stock_seen(options, 3, PROMISE) == "other_warehouse"


def test_regional_stock_that_would_arrive_late_does_not_count_as_regional():
    options = [option("GD1", available=5, hours=60, is_regional_of_point=True), option("GX1", available=5)]
    assert stock_seen(options, 3, PROMISE) == "other_warehouse"


def test_enough_stock_only_beyond_the_promise_is_late_only():
    options = [option("GD1", available=1, is_regional_of_point=True), option("XJ1", available=5, hours=96)]
    assert stock_seen(options, 3, PROMISE) == "late_only"


def test_hq_stock_that_would_arrive_late_is_late_only():
    assert stock_seen([option("HQ", available=9, hours=72, is_hq=True)], 3, PROMISE) == "late_only"


def test_not_enough_anywhere_is_nowhere():
    options = [option("GD1", available=1, is_regional_of_point=True), option("XJ1", available=1, hours=96)]
    assert stock_seen(options, 3, PROMISE) == "nowhere"


def test_no_options_at_all_is_nowhere():
    assert stock_seen([], 1, PROMISE) == "nowhere"
