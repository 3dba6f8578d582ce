"""Small worlds for tests, in the world-file format of WORLD.md."""
from __future__ import annotations

import copy

TINY_WORLD = {
    "centers": [
        {"code": "GD", "name": "广东服务中心", "province": "广东"},
        {"code": "HB", "name": "湖北服务中心", "province": "湖北"},
    ],
    "warehouses": [
        {"code": "HQ", "name": "总部配件中心", "kind": "hq", "center": None, "lat": 23.0, "lon": 113.1},
        {"code": "GD1", "name": "广州配件仓", "kind": "regional", "center": "GD", "lat": 23.1, "lon": 113.3},
        {"code": "HB1", "name": "武汉配件仓", "kind": "regional", "center": "HB", "lat": 30.6, "lon": 114.3},
    ],
    "service_points": [
        {"code": "SP0001", "name": "广州天河特约维修网点", "center": "GD", "province": "广东", "distance_class": "urban"},
        {"code": "SP0002", "name": "清远特约维修网点", "center": "GD", "province": "广东", "distance_class": "remote"},
        {"code": "SP0003", "name": "武汉江汉特约维修网点", "center": "HB", "province": "湖北", "distance_class": "urban"},
    ],
    "dealers": [
        {"code": "D001", "name": "广州家电配件商行", "ship_to": ["SP0001", "SP0002"], "monthly_quota": "50000.00"},
        {"code": "D002", "name": "武汉家电配件商行", "ship_to": ["SP0003"], "monthly_quota": "20000.00"},
    ],
    "parts": [
        {"sku": "WM-PUMP-01", "name": "排水泵", "unit_price": "125.00", "unit_cost": "80.00", "weight_kg": 0.8,
         "key_component": False, "returnable": True, "family": "fully_automatic"},
        {"sku": "WM-MOTOR-01", "name": "洗涤电机", "unit_price": "460.00", "unit_cost": "310.00", "weight_kg": 4.2,
         "key_component": True, "returnable": True, "family": "twin_tub"},
        {"sku": "AC-REMOTE-01", "name": "遥控器", "unit_price": "45.00", "unit_cost": "20.00", "weight_kg": 0.2,
         "key_component": False, "returnable": False, "family": "split_ac"},
    ],
    "lanes": [
        {"from": "GD1", "to": "SP0001", "hours": 12, "unit_cost": "3.50"},
        {"from": "GD1", "to": "SP0002", "hours": 30, "unit_cost": "5.00"},
        {"from": "GD1", "to": "SP0003", "hours": 60, "unit_cost": "9.00"},
        {"from": "HB1", "to": "SP0001", "hours": 60, "unit_cost": "9.00"},
        {"from": "HB1", "to": "SP0003", "hours": 10, "unit_cost": "3.00"},
        {"from": "HQ", "to": "SP0001", "hours": 20, "unit_cost": "4.00"},
        {"from": "HQ", "to": "SP0002", "hours": 36, "unit_cost": "6.00"},
        {"from": "HQ", "to": "SP0003", "hours": 40, "unit_cost": "7.50"},
        {"from": "HQ", "to": "GD1", "hours": 10, "unit_cost": "1.20"},
        {"from": "HQ", "to": "HB1", "hours": 30, "unit_cost": "2.00"},
        {"from": "GD1", "to": "HB1", "hours": 32, "unit_cost": "2.10"},
        {"from": "HB1", "to": "GD1", "hours": 32, "unit_cost": "2.10"},
    ],
    "stock": [
        {"warehouse": "HQ", "sku": "WM-PUMP-01", "qty": 50},
        {"warehouse": "GD1", "sku": "WM-PUMP-01", "qty": 10},
        {"warehouse": "HB1", "sku": "WM-PUMP-01", "qty": 4},
        {"warehouse": "HQ", "sku": "WM-MOTOR-01", "qty": 5},
        {"warehouse": "GD1", "sku": "AC-REMOTE-01", "qty": 20},
    ],
}


def tiny_world() -> dict:
    """A fresh deep copy, safe to edit in a test."""
    return copy.deepcopy(TINY_WORLD)


def kept_plan(session, levels: dict[tuple[str, str], int], *, budget: float = 5000.0, stock_value: float = 4200.0,
              rate: float = 0.97, upper: float = 0.975, created_at=None, actor: str = "system:beat", keep=None):
    """A stock plan as `optimizer.stock_plan.save` keeps it, written directly (no forecast, no solve):
    its figures and a level per (warehouse, sku); `keep` is what HQ holds back per sku. Not committed."""
    from datetime import datetime, timezone

    from inventory.planning import StockPlanRecord, StockTarget, rmb

    record = StockPlanRecord(created_at=created_at or datetime.now(timezone.utc), created_by=actor,
                             budget=rmb(budget), placed_budget=rmb(budget), stock_value=rmb(stock_value), expected_on_time_rate=rate, upper_bound_rate=upper,
                             gap=(upper - rate) / upper, seconds=1.5, forecast_units_per_day=12.5)
    session.add(record)
    session.flush()
    for (warehouse, sku), level in levels.items():
        session.add(StockTarget(plan_id=record.id, warehouse_code=warehouse, sku=sku, level=level,
                                keep=(keep or {}).get(sku, 0) if warehouse == "HQ" else 0))
    session.flush()
    return record
