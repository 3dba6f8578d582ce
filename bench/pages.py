"""Page timings on the national demo (SQLite): every main web page must render in < 300 ms.

Loads `generate_world("national")` into a temporary SQLite file, adds two weeks of
requisitions (delivered, shipped and still to pick), transfers and returns, signs in a clerk
and an HQ user through the real login form, then times each page with Flask's test client:
the median of several requests, the dashboard's figure cache switched off so every request
pays the full price. Prints the pages slowest first; exits 1 when one is over budget.

    .venv/bin/python bench/pages.py [--requisitions N] [--repeat N]
"""
from __future__ import annotations

import argparse
import random
import re
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

BUDGET_MS = 300.0
PASSWORD = "bench password 1"
TOKEN = re.compile(r'name="(?:[\w-]*-)?csrf_token" type="hidden" value="([^"]+)"')


def build(url: str, requisitions: int, seed: int = 7) -> dict:
    from sqlalchemy import select

    from inventory import migrate
    from inventory.access import Principal, create_user
    from inventory.db import make_engine, make_session_factory, transaction, utcnow
    from inventory.demo import generate_world
    from inventory.errors import DomainError
    from inventory.network import ServicePoint, Warehouse
    from inventory.policy import load_policy
    from inventory.requisitions import service as reqs
    from inventory.warehouses import transfers
    from inventory.warehouses.models import StockBalance
    from inventory.world import load_world

    t0 = time.perf_counter()
    migrate.upgrade(url)
    engine = make_engine(url)
    rng = random.Random(seed)
    now = utcnow()
    with make_session_factory(engine)() as s:
        with transaction(s):
            load_world(s, generate_world("national", seed=1))
        print(f"national demo loaded in {time.perf_counter() - t0:.1f} s", file=sys.stderr)
        points = s.execute(select(ServicePoint.code, ServicePoint.center_code)).all()
        home = {c: w for w, c in s.execute(select(Warehouse.code, Warehouse.center_code)) if c}
        stocked: dict[str, list[str]] = {}
        for wh, sku in s.execute(select(StockBalance.warehouse_code, StockBalance.sku).where(StockBalance.on_hand > 2)):
            stocked.setdefault(wh, []).append(sku)
        policy = load_policy(s)
        t1, made = time.perf_counter(), 0
        for n in range(requisitions):
            point, centre = rng.choice(points)
            skus = stocked.get(home.get(centre), []) or stocked["HQ"]
            lines = [reqs.LineRequest(sku, 1) for sku in rng.sample(skus, k=min(len(skus), rng.choice((1, 1, 2, 3))))]
            age = timedelta(hours=rng.uniform(0, 14 * 24))
            try:
                with transaction(s):
                    req = reqs.submit(s, Principal("service_point", point), ship_to=point, lines=lines,
                                      ticket=f"B{n:06d}", policy=policy, now=now - age)
                    stage = rng.random()
                    if stage < 0.85 and age > timedelta(hours=2) and req.status != "backordered":
                        reqs.ship(s, "bench", req.code, at=now - age + timedelta(hours=1), now=now)
                        if stage < 0.75 and age > timedelta(hours=30):
                            arrive = now - age + timedelta(hours=rng.choice((18, 24, 30, 40, 60)))
                            reqs.receive(s, Principal("service_point", point), req.code, at=min(arrive, now), now=now)
                made += 1
            except DomainError:
                continue
        print(f"{made} requisitions in {time.perf_counter() - t1:.1f} s", file=sys.stderr)
        from api.web.queries import warehouse_summary
        regional = s.scalars(select(Warehouse.code).where(Warehouse.kind == "regional")).all()
        busiest = max(regional, key=lambda w: warehouse_summary(s, w).pick_lines)
        with transaction(s):
            for i, sku in enumerate(stocked[busiest][:40]):
                t = transfers.create_draft(s, "HQ" if i % 2 else busiest, busiest if i % 2 else "HQ", sku, 1,
                                           actor="bench", proposal_run_id="bench-run" if i % 4 == 0 else None)
                if i % 3 == 0 and sku in stocked.get(t.from_warehouse, []):
                    transfers.approve_and_ship(s, t.id, actor="bench")
            create_user(s, "clerk", PASSWORD, "clerk", busiest)
            create_user(s, "hq", PASSWORD, "hq")
        sku = stocked[busiest][0]
    engine.dispose()
    return {"warehouse": busiest, "sku": sku}


class Browser:
    def __init__(self, app, username):
        self.client = app.test_client()
        page = self.client.get("/login").get_data(as_text=True)
        response = self.client.post("/login", data={"username": username, "password": PASSWORD,
                                                    "csrf_token": TOKEN.search(page).group(1)})
        assert response.status_code == 302, response.status_code

    def time(self, url: str, repeat: int) -> tuple[float, int]:
        response = self.client.get(url)  # warm: templates compiled, caches of SQLAlchemy filled
        assert response.status_code == 200, (url, response.status_code)
        samples = []
        for _ in range(repeat):
            t = time.perf_counter()
            response = self.client.get(url)
            samples.append((time.perf_counter() - t) * 1000)
        return statistics.median(samples), len(response.data)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requisitions", type=int, default=3000)
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()

    from api.app import create_app

    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/national.db"
        facts = build(url, args.requisitions)
        app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench", "WEB_CHART_CACHE_SECONDS": 0,
                          "RATELIMIT_DEFAULT": "1000000 per minute", "WEB_IMPORT_FOLDER": f"{tmp}/imports"})
        wh, sku = facts["warehouse"], facts["sku"]
        clerk, hq = Browser(app, "clerk"), Browser(app, "hq")
        pages = [
            (clerk, f"/w/{wh}/"), (clerk, f"/w/{wh}/picks"), (clerk, f"/w/{wh}/receive"), (clerk, f"/w/{wh}/count"),
            (clerk, f"/w/{wh}/movements"), (clerk, f"/w/{wh}/movements?kind=issue&page=3"),
            (clerk, f"/w/{wh}/transfers"), (clerk, f"/w/{wh}/returns"), (clerk, "/stock"),
            (clerk, "/stock?q=泵&warehouse="), (clerk, "/stock?warehouse=&available=1&page=40"),
            (clerk, f"/stock/{sku}"), (clerk, f"/w/{wh}/balance.json?sku={sku}"),
            (hq, "/hq/"), (hq, "/hq/warehouses"), (hq, "/hq/transfers"), (hq, "/hq/optimizer"),
            (hq, "/hq/quotas"), (hq, "/hq/quotas/D0001"), (hq, "/hq/policy"), (hq, "/hq/import"),
            (hq, f"/w/{wh}/picks"),
        ]
        results = []
        for who, page in pages:
            if page == "/hq/quotas/D0001":
                page = re.search(r'href="(/hq/quotas/[^"?]+)"', hq.client.get("/hq/quotas").get_data(as_text=True)).group(1)
            median, size = who.time(page, args.repeat)
            results.append((median, page, "clerk" if who is clerk else "hq", size))
        with app.app_context():
            from api.extensions import db

            db.engine.dispose()
    results.sort(reverse=True)
    print(f"\nnational demo on SQLite, median of {args.repeat} requests per page (budget {BUDGET_MS:.0f} ms)")
    print(f"{'ms':>8}  {'KiB':>6}  {'user':5}  page")
    for median, page, who, size in results:
        flag = "  OVER BUDGET" if median > BUDGET_MS else ""
        print(f"{median:8.1f}  {size / 1024:6.1f}  {who:5}  {page}{flag}")
    over = [r for r in results if r[0] > BUDGET_MS]
    print(f"\nslowest: {results[0][1]} at {results[0][0]:.1f} ms; "
          + ("every page within budget" if not over else f"{len(over)} pages over budget"))
    return 1 if over else 0


if __name__ == "__main__":
    sys.exit(main())
