"""Benchmark: the monthly penalty report over a generated month of 100,000 repair tickets.

Creates a throwaway PostgreSQL database (on BENCH_DATABASE_URL's server, else
postgresql://postgres@127.0.0.1:5432/test), migrates it, loads the demo national network
(centres, warehouses, 3,000 service points, a slice of the catalogue), bulk-inserts with COPY
a Beijing month of completed tickets with their events and linked parts waits, plus old
tickets still open and waiting, then times `inventory.tickets.penalties_for_month`.
Prints counts and seconds; the acceptance bar is 60 s. Drops the database unless --keep.

    .venv/bin/python bench/penalties.py [--tickets 100000] [--seed 1] [--keep]
"""
from __future__ import annotations

import argparse
import random
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.throwaway import postgres_db  # noqa: E402
from inventory.attribution import Event  # noqa: E402
from inventory.db import make_engine, make_session_factory, transaction  # noqa: E402
from inventory.demo import generate_world  # noqa: E402
from inventory.policy import Policy  # noqa: E402
from inventory.tickets import penalties_for_month  # noqa: E402
from inventory.tickets.events import dedupe_key  # noqa: E402
from inventory.world import load_world  # noqa: E402

BEIJING = timezone(timedelta(hours=8))
MONTH = "2026-10"
MONTH_START = datetime(2026, 10, 1, tzinfo=BEIJING)
MONTH_SECONDS = 31 * 24 * 3600 - 1
PROMISE = timedelta(hours=48)
STOCK_SEEN = ("regional",) * 14 + ("hq",) * 3 + ("other_warehouse", "late_only", "nowhere")
PARTS = 400
OPEN_TICKETS = 2_000


class Rows:
    """Rows per table, written with COPY."""

    def __init__(self):
        self.ticket, self.event, self.requisition, self.line, self.allocation = [], [], [], [], []
        self.next_req = self.next_line = self.next_alloc = 1


def _hours(h: float) -> timedelta:
    return timedelta(hours=h)


def _add_event(rows: Rows, code: str, kind: str, at: datetime, until=None, point=None, family=None) -> None:
    at = at.astimezone(timezone.utc)
    until = until.astimezone(timezone.utc) if until else None
    key = dedupe_key(code, Event(kind, at, until), point, family)
    rows.event.append((code, kind, at, until, None, point, family, key, at, "call_center"))


def _add_wait(rows: Rows, rng: random.Random, code: str, point: str, sku: tuple, hq: str, regional: str,
              submitted: datetime, end: datetime | None, seen: str | None = None) -> None:
    """One requisition of one line for the ticket, with what happened to it."""
    req_id, line_id = rows.next_req, rows.next_line
    rows.next_req += 1
    rows.next_line += 1
    seen = seen or rng.choice(STOCK_SEEN)
    promised = submitted + PROMISE
    from_hq = seen in ("hq", "late_only", "nowhere") or rng.random() < 0.1
    lane = rng.choice((20, 30, 40)) if from_hq else rng.choice((6, 12, 24))
    shipped = submitted + _hours(rng.choice((1, 2, 4, 8, 30)))  # 30 h: HQ may ship after its last ship time
    delivered = shipped + _hours(lane + rng.choice((0, 0, 2, 30)))
    backordered = 1 if seen == "nowhere" and end is None else 0
    if end is not None and delivered > end:
        delivered = end
    status = "partially_backordered" if backordered else "delivered"
    sku_code, price = sku
    rows.requisition.append((req_id, "service_point", None, point, code, True, status, price * 2, None,
                             submitted, f"service_point:{point}", None))
    rows.line.append((line_id, req_id, 1, sku_code, 2, price, backordered, promised, seen, True))
    rows.allocation.append((rows.next_alloc, line_id, hq if from_hq else regional, sku_code, 2 - backordered,
                            "delivered", promised, submitted + _hours(lane), lane, 350, submitted, shipped, delivered,
                            delivered <= promised))
    rows.next_alloc += 1


def _completed_ticket(rows: Rows, rng: random.Random, n: int, point: tuple, skus: list, hq: str,
                      regional: dict) -> None:
    """A ticket completed at a uniformly random moment of the month, its stages laid out before."""
    code, center, family = f"T202610-{n:06d}", point[1], point[3]
    t = datetime(2000, 1, 1, tzinfo=timezone.utc)
    stages = [("created", t)]
    for kind, typical in (("dispatched_center", 0.2), ("dispatched_point", 0.2), ("contacted", 0.8),
                          ("visited", 8 if point[2] == "urban" else 24)):
        t = t + _hours(rng.expovariate(1 / typical))
        stages.append((kind, t))
    needs_parts = rng.random() < 0.25
    repair = rng.expovariate(1 / 4) + (rng.uniform(12, 48) if needs_parts else 0)
    if rng.random() < 0.03:
        repair += rng.uniform(100, 300)
    stages.append(("completed", t + _hours(repair)))
    shift = MONTH_START + timedelta(seconds=rng.uniform(0, MONTH_SECONDS)) - stages[-1][1]
    stages = [(kind, at + shift) for kind, at in stages]
    created, completed = stages[0][1], stages[-1][1]
    for kind, at in stages:
        _add_event(rows, code, kind, at, point=point[0] if kind == "dispatched_point" else None,
                   family=family if kind == "created" else None)
    if rng.random() < 0.1:
        start = stages[3][1] + _hours(1)
        _add_event(rows, code, "rescheduled_by_customer", start, start + _hours(rng.uniform(4, 48)))
    if needs_parts:
        for _ in range(1 if rng.random() < 0.8 else 2):
            _add_wait(rows, rng, code, point[0], rng.choice(skus), hq, regional[center],
                      stages[4][1] + _hours(rng.uniform(0, 2)), completed)
    rows.ticket.append((code, point[0], family, created, completed, created))


def _open_ticket(rows: Rows, rng: random.Random, n: int, point: tuple, skus: list, hq: str, regional: dict) -> None:
    """A ticket created months ago, still waiting for a part nobody has (三包 exchange candidates)."""
    code = f"T2026OPEN-{n:06d}"
    created = MONTH_START - timedelta(days=rng.uniform(60, 150))
    t = created
    for kind, gap in (("created", 0), ("dispatched_center", 0.1), ("dispatched_point", 0.1), ("contacted", 0.5),
                      ("visited", 10)):
        t = t + _hours(gap)
        _add_event(rows, code, kind, t, point=point[0] if kind == "dispatched_point" else None)
    seen = "nowhere" if rng.random() < 0.7 else None
    _add_wait(rows, rng, code, point[0], rng.choice(skus), hq, regional[point[1]], t + _hours(1), None, seen)
    rows.ticket.append((code, point[0], point[3], created, None, created))


COLUMNS = {
    "ticket": "code, service_point_code, family, created_at, completed_at, first_received_at",
    "ticket_event": "ticket_code, type, at, until, note, service_point_code, family, dedupe_key, received_at, "
                    "received_by",
    "requisition": "id, requester_role, dealer_code, service_point_code, ticket, in_warranty, status, value, "
                   "quota_period, created_at, created_by, cancelled_at",
    "requisition_line": "id, requisition_id, line_no, sku, qty, unit_price, backordered_qty, promised_by, stock_seen, in_warranty",
    "allocation": "id, line_id, warehouse_code, sku, qty, status, promised_by, eta, lane_hours, unit_cost, created_at, "
                  "shipped_at, delivered_at, on_time",
}


def _copy(engine, rows: Rows) -> None:
    raw = engine.raw_connection()
    try:
        cursor = raw.driver_connection.cursor()
        for table, data in (("ticket", rows.ticket), ("ticket_event", rows.event), ("requisition", rows.requisition),
                            ("requisition_line", rows.line), ("allocation", rows.allocation)):
            with cursor.copy(f"COPY {table} ({COLUMNS[table]}) FROM STDIN") as copy:
                for row in data:
                    copy.write_row(row)
        for table in ("requisition", "requisition_line", "allocation"):
            cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
        raw.driver_connection.commit()
        cursor.execute("ANALYZE")
        raw.driver_connection.commit()
    finally:
        raw.close()


def _network(url: str) -> tuple[list[tuple], list[tuple], str, dict]:
    world = generate_world("national", seed=1)
    parts = world["parts"][:PARTS]
    kept = {p["sku"] for p in parts}
    small = {**world, "parts": parts, "lanes": [], "stock": [], "dealers": [],
             "supplier_parts": [sp for sp in world.get("supplier_parts", []) if sp["sku"] in kept]}
    engine = make_engine(url)
    with make_session_factory(engine)() as session, transaction(session):
        load_world(session, small)
    engine.dispose()
    points = [(p["code"], p["center"], p["distance_class"], parts[i % PARTS]["family"])
              for i, p in enumerate(world["service_points"])]
    skus = [(p["sku"], int(float(p["unit_price"]) * 100)) for p in parts]
    hq = next(w["code"] for w in world["warehouses"] if w["kind"] == "hq")
    regional = {}
    for w in world["warehouses"]:
        if w["kind"] == "regional":
            regional.setdefault(w["center"], w["code"])
    return points, skus, hq, regional


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep", action="store_true", help="keep the database (its URL is printed)")
    args = parser.parse_args()

    with postgres_db(keep=args.keep) as url:
        started = time.perf_counter()
        points, skus, hq, regional = _network(url)
        rng = random.Random(args.seed)
        rows = Rows()
        for n in range(args.tickets):
            _completed_ticket(rows, rng, n, rng.choice(points), skus, hq, regional)
        for n in range(OPEN_TICKETS):
            _open_ticket(rows, rng, n, rng.choice(points), skus, hq, regional)
        engine = make_engine(url)
        _copy(engine, rows)
        print(f"generated {len(rows.ticket):,} tickets, {len(rows.event):,} events, {len(rows.requisition):,} "
              f"requisitions, {len(rows.allocation):,} allocations in {time.perf_counter() - started:.1f} s")

        with make_session_factory(engine)() as session:
            started = time.perf_counter()
            report = penalties_for_month(session, MONTH, Policy(), now=MONTH_START + timedelta(days=45))
            seconds = time.perf_counter() - started
        engine.dispose()
        cancelled = sum(c["bonus_cancelled"] for c in report["centers"])
        print(f"penalties_for_month({MONTH}): {report['tickets']:,} tickets attributed "
              f"({report['unattributed']['count']} unattributed), {len(report['parties']):,} parties, "
              f"{len(report['centers'])} centres ({cancelled} lose the bonus), "
              f"{len(report['exchange_flagged'])} + {len(report['exchange_flagged_open'])} exchange flags")
        print(f"seconds: {seconds:.1f} (bar: 60) -> {'PASS' if seconds < 60 else 'FAIL'}")
        if args.keep:
            print(f"kept: {url}")


if __name__ == "__main__":
    main()
