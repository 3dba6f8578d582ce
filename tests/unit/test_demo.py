"""The demo network of `parts demo-data` (inventory/demo.py): counts, money, demand, lanes, stock."""
from __future__ import annotations

import re
from collections import Counter
from decimal import Decimal

import numpy as np
import pytest

from inventory.demo import CENTER_CODES, PROVINCES, generate_world, great_circle_km, lane_hours
from inventory import world_schema
from inventory.errors import InvalidInput

MONEY = re.compile(r"^\d+\.\d{2}$")


@pytest.fixture(scope="module")
def national() -> dict:
    return generate_world("national", seed=1)


@pytest.fixture(scope="module")
def small() -> dict:
    return generate_world("small", seed=1)


def stock_value(world: dict) -> Decimal:
    cost = {p["sku"]: Decimal(p["unit_cost"]) for p in world["parts"]}
    return sum((cost[s["sku"]] * s["qty"] for s in world["stock"]), Decimal(0))


def test_national_network_has_hq_35_regional_warehouses_and_32_centers(national):
    kinds = Counter(w["kind"] for w in national["warehouses"])
    assert kinds == {"hq": 1, "regional": 35}
    assert len(national["centers"]) == 32
    assert len({c["province"] for c in national["centers"]}) == 31


def test_national_network_has_3000_points_300_dealers_and_20000_skus(national):
    assert len(national["service_points"]) == 3000
    assert len(national["dealers"]) == 300
    assert len(national["parts"]) == 20000


def test_national_lanes_join_every_warehouse_to_every_point_and_other_warehouse(national):
    assert len(national["lanes"]) == 36 * 3000 + 36 * 35
    assert len({(lane["from"], lane["to"]) for lane in national["lanes"]}) == len(national["lanes"])


def test_regional_warehouses_sit_at_real_province_capitals(national):
    by_code = {w["code"]: w for w in national["warehouses"]}
    assert (by_code["GD1"]["name"], by_code["GD1"]["lat"], by_code["GD1"]["lon"]) == ("广州配件仓", 23.13, 113.26)
    assert by_code["SZ1"]["center"] == "SZ" and by_code["SD2"]["center"] == "SD"
    assert by_code["HQ"]["center"] is None
    assert {c["code"] for c in national["centers"]} == set(CENTER_CODES.values())
    assert len({p.cities[0][0] for p in PROVINCES}) == 31


def test_opening_stock_is_worth_about_30_million_rmb(national):
    assert Decimal("27000000") <= stock_value(national) <= Decimal("33000000")


def test_hq_holds_every_sku_and_regional_warehouses_only_popular_ones(national):
    held = Counter(s["warehouse"] for s in national["stock"])
    assert held["HQ"] == 20000
    assert all(0 < n < 20000 * 0.35 for code, n in held.items() if code != "HQ")


def test_stock_rows_are_positive_integers_for_known_warehouses_and_skus(national):
    warehouses = {w["code"] for w in national["warehouses"]}
    skus = {p["sku"] for p in national["parts"]}
    for row in national["stock"]:
        assert type(row["qty"]) is int and row["qty"] > 0
        assert row["warehouse"] in warehouses and row["sku"] in skus


def test_top_fifth_of_skus_carries_most_of_the_demand(national):
    demand = np.sort([p["annual_demand"] for p in national["parts"]])[::-1]
    assert 800_000 <= demand.sum() <= 1_000_000
    assert demand[: len(demand) // 5].sum() >= 0.70 * demand.sum()


def test_air_conditioner_parts_are_seasonal_and_washing_machine_parts_flat(national):
    for part in national["parts"]:
        expected = "summer" if part["family"].endswith("_ac") else "flat"
        assert part["season"] == expected, part["sku"]
    families = {p["family"] for p in national["parts"]}
    assert families == {"twin_tub", "fully_automatic", "split_ac", "cabinet_ac", "commercial_ac"}


def test_parts_cost_60_to_75_percent_of_their_price(national):
    for part in national["parts"]:
        share = Decimal(part["unit_cost"]) / Decimal(part["unit_price"])
        assert Decimal("0.59") <= share <= Decimal("0.76"), part["sku"]


def test_compressors_and_motors_are_key_components(national):
    by_component = {p["sku"].split("-")[1]: p["key_component"] for p in national["parts"]}
    assert by_component["COMP"] and by_component["MOTR"] and by_component["MAIN"]
    assert not by_component["RMTC"]


def test_every_point_belongs_to_a_known_center_of_its_province(national):
    province_of = {c["code"]: c["province"] for c in national["centers"]}
    for point in national["service_points"]:
        assert province_of[point["center"]] == point["province"], point["code"]


def test_about_sixty_percent_of_points_are_urban(national):
    classes = Counter(p["distance_class"] for p in national["service_points"])
    assert set(classes) == {"urban", "remote"}
    assert 0.5 <= classes["urban"] / 3000 <= 0.7


def test_every_dealer_ships_to_1_to_5_known_points_of_one_province(national):
    province_of = {p["code"]: p["province"] for p in national["service_points"]}
    for dealer in national["dealers"]:
        assert 1 <= len(dealer["ship_to"]) <= 5
        assert len({province_of[code] for code in dealer["ship_to"]}) == 1, dealer["code"]


def test_dealer_quotas_are_whole_thousands_between_20000_and_300000(national):
    for dealer in national["dealers"]:
        quota = Decimal(dealer["monthly_quota"])
        assert Decimal(20000) <= quota <= Decimal(300000) and quota % 1000 == 0


def test_all_money_is_a_string_with_two_decimals(national):
    money = [p[k] for p in national["parts"] for k in ("unit_price", "unit_cost")]
    money += [d["monthly_quota"] for d in national["dealers"]]
    money += [lane["unit_cost"] for lane in national["lanes"]]
    assert all(isinstance(m, str) and MONEY.match(m) for m in money)


def test_hours_and_quantities_are_ints_and_coordinates_floats(national):
    assert all(type(lane["hours"]) is int for lane in national["lanes"])
    assert all(type(p[k]) is float for p in national["service_points"] for k in ("lat", "lon"))
    assert all(type(w[k]) is float for w in national["warehouses"] for k in ("lat", "lon"))


def test_lane_hours_never_fall_as_distance_grows():
    km = np.linspace(0, 5000, 2001)
    assert np.all(np.diff(lane_hours(km)) >= 0)
    assert np.all(lane_hours(km, remote=True) > lane_hours(km))


def test_generated_lanes_rise_with_distance_for_each_distance_class(national):
    points = {p["code"]: p for p in national["service_points"]}
    hq = next(w for w in national["warehouses"] if w["code"] == "HQ")
    for distance_class in ("urban", "remote"):
        lanes = [lane for lane in national["lanes"]
                 if lane["from"] == "HQ" and points.get(lane["to"], {}).get("distance_class") == distance_class]
        km = great_circle_km(hq["lat"], hq["lon"], np.array([points[lane["to"]]["lat"] for lane in lanes]),
                             np.array([points[lane["to"]]["lon"] for lane in lanes]))
        hours = np.array([lane["hours"] for lane in lanes])[np.argsort(km, kind="stable")]
        assert np.all(np.diff(hours) >= 0)


def test_most_points_are_within_48_hours_of_their_own_warehouse(national):
    hours = {(lane["from"], lane["to"]): lane["hours"] for lane in national["lanes"]}
    own = {}
    for w in national["warehouses"]:
        if w["center"]:
            own.setdefault(w["center"], []).append(w["code"])
    best = [min(hours[(w, p["code"])] for w in own[p["center"]]) for p in national["service_points"]]
    assert sum(h <= 48 for h in best) >= 0.95 * len(best)


def test_cross_country_transfers_take_two_and_a_half_to_four_days(national):
    hours = {(lane["from"], lane["to"]): lane["hours"] for lane in national["lanes"]}
    assert 60 <= hours[("GD1", "BJ1")] <= 90
    assert 60 <= hours[("GD1", "HL1")] <= 90
    assert hours[("HQ", "GD1")] <= 12


def test_same_seed_gives_the_same_world(small):
    assert generate_world("small", seed=1) == small


def test_different_seeds_give_different_worlds(small):
    other = generate_world("small", seed=2)
    assert other["service_points"] != small["service_points"]
    assert other["parts"] != small["parts"]


def test_small_scale_is_small_but_complete(small):
    assert len(small["warehouses"]) <= 10 and len(small["service_points"]) <= 200
    assert len(small["parts"]) <= 500 and len(small["dealers"]) <= 20
    assert len(small["lanes"]) <= 2000
    centers = {c["code"] for c in small["centers"]}
    assert {w["center"] for w in small["warehouses"] if w["kind"] == "regional"} == centers
    assert {p["center"] for p in small["service_points"]} == centers


def test_small_stock_is_scaled_down_with_the_network(small):
    assert Decimal("1000000") <= stock_value(small) <= Decimal("1500000")


def test_national_world_passes_the_world_file_schemas(national):
    for section, (schema, _) in world_schema.SECTIONS.items():
        schema(many=True).load(national[section])


def test_small_world_passes_the_world_file_schemas(small):
    for section, (schema, _) in world_schema.SECTIONS.items():
        schema(many=True).load(small[section])


def test_an_unknown_scale_is_refused():
    with pytest.raises(InvalidInput, match="scale"):
        generate_world("galactic")
