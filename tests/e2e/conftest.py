"""End-to-end fixtures: the real app served on 127.0.0.1 (werkzeug, in a thread) over a SQLite
file with the tiny world and two weeks of activity, and Debian's Chromium driven by Playwright.

Skipped, with the reason, when /usr/bin/chromium or the playwright package is missing.
Screenshots go to build/screenshots/, so a test run leaves the tree as it was; `make screenshots`
(SCREENSHOTS_DIR=docs/screenshots) refreshes the ones the README shows.
"""
from __future__ import annotations

import os
import threading
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-dev-shm-usage"]
ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / os.environ.get("SCREENSHOTS_DIR", "build/screenshots")
PASSWORD = "correct horse 1"


def _skip_reason() -> str | None:
    if not os.path.exists(CHROMIUM):
        return f"{CHROMIUM} is missing: install Debian's Chromium with `apt-get install -y chromium`"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the playwright package is not installed (pip install -e '.[dev]')"
    return None


pytestmark = pytest.mark.skipif(_skip_reason() is not None, reason=_skip_reason() or "")


def _seed(url: str) -> dict:
    """The tiny world, web users, two weeks of delivered requisitions, and today's work."""
    from inventory.access import Principal, create_user
    from inventory.db import make_engine, make_session_factory, transaction, utcnow
    from inventory.policy import load_policy
    from inventory.requisitions import service as requisitions
    from inventory.warehouses import transfers
    from inventory.world import load_world

    from inventory.requisitions.warranty import record_appliance, record_ticket_event

    from ..appliances import bought
    from ..factories import tiny_world

    def free_appliance(ticket, at):
        return {"product_line": "washer", "use": "household", "model": "XQB60", "serial": f"SN-{ticket}",
                "purchased_on": bought(at), "proof": "invoice", "fault": "E21", "actor": "call_center",
                "policy": policy}

    engine = make_engine(url)
    point, other_point = Principal("service_point", "SP0001"), Principal("service_point", "SP0003")
    dealer = Principal("dealer", "D001")
    now = utcnow()
    with make_session_factory(engine)() as s:
        world = tiny_world()
        for row in world["stock"]:
            row["qty"] *= 20
        with transaction(s):
            load_world(s, world)
            create_user(s, "gd_clerk", PASSWORD, "clerk", "GD1")
            create_user(s, "hb_clerk", PASSWORD, "clerk", "HB1")
            create_user(s, "boss", PASSWORD, "hq")
            create_user(s, "gd_center", PASSWORD, "center", center="GD")
        policy = load_policy(s)
        for day in range(14, 0, -1):
            wuhan_sku = "WM-MOTOR-01" if day % 3 == 0 else "WM-PUMP-01"  # HB1 holds no motors: a shortage
            for i, (who, ship_to, sku) in enumerate(((point, "SP0001", "WM-PUMP-01"), (other_point, "SP0003", wuhan_sku),
                                                     (dealer, "SP0002", "AC-REMOTE-01"))):
                start = now - timedelta(days=day, hours=3 * i)
                ticket = f"T{day:02d}{i}" if who.role == "service_point" else None
                with transaction(s):
                    if ticket:  # the call centre's record: a washer bought 100 days before, its parts free
                        record_ticket_event(s, ticket, "dispatched_point", at=start, policy=policy,
                                            service_point=ship_to, now=start)
                        record_appliance(s, ticket, **free_appliance(ticket, start), now=start)
                    req = requisitions.submit(s, who, ship_to=ship_to, lines=[requisitions.LineRequest(sku, 1 + i)],
                                      ticket=ticket, policy=policy, now=start)
                    requisitions.ship(s, "system:e2e", req.code, at=start + timedelta(hours=2), now=now)
                    late = (day + i) % 5 == 0 and day >= 3
                    requisitions.receive(s, who, req.code, at=start + timedelta(hours=60 if late else 20), now=now)
        with transaction(s):
            for n in range(3):
                record_ticket_event(s, f"T-NOW-{n}", "dispatched_point", at=now - timedelta(hours=6), policy=policy,
                                    service_point="SP0001", now=now - timedelta(hours=6))
                record_appliance(s, f"T-NOW-{n}", **free_appliance(f"T-NOW-{n}", now - timedelta(hours=6)),
                                 now=now - timedelta(hours=6))
            todays = [requisitions.submit(s, point, ship_to="SP0001", ticket=f"T-NOW-{n}", policy=policy,
                                  lines=[requisitions.LineRequest("WM-PUMP-01", n + 1)] +
                                        ([requisitions.LineRequest("AC-REMOTE-01", 2)] if n == 1 else []),
                                  now=now - timedelta(hours=5 - n)).code for n in range(3)]
            draft = transfers.create_draft(s, "HQ", "GD1", "WM-MOTOR-01", 2, actor="hq:boss",
                                           reason="restock for the season")
            outgoing = transfers.create_draft(s, "GD1", "HB1", "AC-REMOTE-01", 5, actor="hq:boss",
                                              reason="HB1 has none")
            transfers.create_draft(s, "HQ", "HB1", "WM-PUMP-01", 10, actor="optimizer", reason="base stock",
                                   proposal_run_id="run-demo-1")
            arriving = transfers.create_draft(s, "HQ", "GD1", "WM-PUMP-01", 6, actor="hq:boss", reason="top up")
            transfers.approve_and_ship(s, arriving.id, actor="hq:boss")
        with transaction(s):
            from inventory.purchasing import service as purchasing

            load_world(s, {"suppliers": [{"code": "SUP01", "name": "佛山市顺德区恒达电机有限公司", "lead_days": 12}],
                           "supplier_parts": [{"supplier": "SUP01", "sku": "WM-PUMP-01", "unit_price": "80.00",
                                               "min_order": 20, "pack_size": 10},
                                              {"supplier": "SUP01", "sku": "WM-MOTOR-01", "unit_price": "310.00"}]})
            order = purchasing.propose(s, {"WM-PUMP-01": 1400, "WM-MOTOR-01": 110}, actor="system:stock-plan")[0]
        ids = {"requisitions": todays, "draft": draft.id, "outgoing": outgoing.id, "arriving": arriving.id,
               "purchase": order.code, **_warranty_month(s, policy, now)}
    from optimizer.runs import run_now

    ids["run"] = run_now(make_session_factory(engine), propose=False)["id"]  # a real run for the HQ page
    ids["plans"] = _plans(make_session_factory(engine), now)
    engine.dispose()
    return ids


# Last month's repair tickets: (ticket, point, day of the month (< 0: days before now), [(sku, qty)],
# appliance). Ages are
# days from purchase to the report; each is decided by the warranty engine, never asserted here.
WASHER = {"product_line": "washer", "use": "household", "model": "XQB70-BQ3", "proof": "invoice", "fault": "E21"}
WARRANTY_TICKETS = [
    ("W01", "SP0001", 1, [("WM-PUMP-01", 1)], {**WASHER, "age": 100}),                     # 12 months: free
    ("W02", "SP0001", 2, [("WM-MOTOR-01", 1), ("WM-PUMP-01", 1)], {**WASHER, "age": 700}),  # motor free to 36, pump paid
    ("W03", "SP0001", 3, [("WM-PUMP-01", 2)], {**WASHER, "age": 2000, "proof": "warranty_card",  # expired: paid
                                               "hq_dispatch_hours": 2}),  # HQ dispatched after 2 h: fined
    ("W04", "SP0001", 4, [("AC-REMOTE-01", 1)], {**WASHER, "product_line": "ac", "model": "KFR-35GW/BPA3",
                                                 "fault": "E5", "age": 2000}),  # household AC: parts for life
    ("W05", "SP0001", 5, [("WM-PUMP-01", 1)], {**WASHER, "proof": None, "age": None}),       # no proof: paid
    ("W06", "SP0001", 6, [("WM-PUMP-01", 1)], {**WASHER, "age": 4}),                      # 7 days: return or exchange
    ("W07", "SP0002", 7, [("WM-PUMP-01", 1)], {**WASHER, "age": 12}),                     # 15 days: exchange
    ("W08", "SP0001", 8, [("WM-PUMP-01", 1)], {**WASHER, "use": "commercial", "age": 200}),  # commercial 3 months: paid
] + [(f"W09-{n}", "SP0001", 9 + 4 * n, [("WM-PUMP-01", 1)], {**WASHER, "serial": "SN-W09", "age": 150 + 4 * n})
     for n in range(4)] + [  # the same washer four times for the same fault: the fourth is a 三包 exchange
    ("W10", "SP0001", -4, [("WM-PUMP-01", 1)], {**WASHER, "age": 60, "hq_dispatch_hours": 2}),  # 4 days ago
]


def _warranty_month(s, policy, now) -> dict:
    """Last month's tickets of 广东's points, from report to completion, with the appliances the call
    centre recorded: in and out of warranty, no proof, 7- and 15-day cases, a fault repeated on one
    serial. Their requisitions are delivered, so the month's statement, penalties and centre pages
    have lines, fees and 三包 flags. The codes HQ's requisition page and the statement show."""
    from zoneinfo import ZoneInfo

    from inventory.access import Principal
    from inventory.db import transaction
    from inventory.requisitions import service as requisitions
    from inventory.tickets import record_event
    from inventory.requisitions.warranty import record_appliance
    from inventory.tickets.appliance import business_date

    beijing = ZoneInfo("Asia/Shanghai")
    first = business_date(now).replace(day=1)
    month = (first - timedelta(days=1)).replace(day=1)
    call_center = Principal("call_center")
    codes = {}
    for ticket, point, day, lines, unit in WARRANTY_TICKETS:
        reported = datetime(month.year, month.month, day, 9, tzinfo=beijing).astimezone(timezone.utc) if day > 0 \
            else now + timedelta(days=day)
        who = Principal("service_point", point)
        with transaction(s):
            late = unit.get("hq_dispatch_hours", 0.1) - 0.1
            for kind, hours in (("created", 0), ("dispatched_center", 0.1 + late), ("dispatched_point", 0.2 + late),
                                ("contacted", 0.5 + late), ("visited", 5 + late)):
                record_event(s, ticket, kind, at=reported + timedelta(hours=hours), principal=call_center,
                             now=reported + timedelta(hours=hours), service_point=point if kind == "created" else None)
            age = unit["age"]
            record_appliance(s, ticket, product_line=unit["product_line"], use=unit["use"], model=unit["model"],
                             serial=unit.get("serial", f"SN-{ticket}"), proof=unit["proof"], fault=unit["fault"],
                             purchased_on=None if age is None else business_date(reported) - timedelta(days=age),
                             actor="call_center", policy=policy, now=reported + timedelta(hours=5 + late))
            submitted = reported + timedelta(hours=6 + late)
            req = requisitions.submit(s, who, ship_to=point, ticket=ticket, policy=policy, now=submitted,
                              lines=[requisitions.LineRequest(sku, qty) for sku, qty in lines])
            requisitions.ship(s, "system:e2e", req.code, at=submitted + timedelta(hours=2), now=submitted + timedelta(hours=2))
            requisitions.receive(s, who, req.code, at=submitted + timedelta(hours=20), now=submitted + timedelta(hours=20))
            record_event(s, ticket, "completed", at=submitted + timedelta(hours=26), principal=call_center,
                         now=submitted + timedelta(hours=26))
        codes[ticket] = req.code
    return {"warranty_month": month.strftime("%Y-%m"), "warranty_requisitions": codes}


def _plans(sessions, now) -> list[str]:
    """Eight real stock plans over the last two weeks, the budget raised as they go (kept as the
    weekly job keeps them, without its purchase proposals); their codes, oldest first."""
    from inventory.db import transaction
    from inventory.policy import load_policy
    from optimizer.stock_plan import make_plan, save

    codes = []
    for n, budget in enumerate((6000, 6000, 8000, 8000, 10000, 12000, 12000, 15000)):
        at = now - timedelta(days=2 * (7 - n), hours=1)
        with sessions() as s, transaction(s):
            codes.append(save(s, make_plan(s, at, load_policy(s), budget=float(budget)), actor="system:beat",
                              now=at).code)
    return codes


class LiveServer:
    def __init__(self, app):
        from werkzeug.serving import make_server

        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self):
        self.server.shutdown()
        self.thread.join(timeout=10)


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    from api.app import create_app
    from api.config import defaults
    from inventory import migrate

    from ..api.conftest import EAGER_CELERY

    path = tmp_path_factory.mktemp("e2e") / "e2e.db"
    url = f"sqlite:///{path}"
    migrate.upgrade(url)
    ids = _seed(url)
    # tasks (a plan asked for on the page) run in-process on this database, even where CI has a broker
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "e2e", "WEB_CHART_CACHE_SECONDS": 0,
                      "RATELIMIT_DEFAULT": "100000 per minute", "CELERY": {**defaults()["CELERY"], **EAGER_CELERY}})
    server = LiveServer(app)
    server.ids = ids
    yield server
    server.stop()
    with app.app_context():
        from api.extensions import db

        db.engine.dispose()


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1366, "height": 860}, locale="zh-CN")
    context.set_default_timeout(15000)
    page = context.new_page()
    yield page
    context.close()


def sign_in(page, live, username: str) -> None:
    page.goto(f"{live.url}/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state()


def check_sheet(page, path: Path, rows: str) -> None:
    """Write `rows` (CSV) to `path`, choose it on the import page and have it checked."""
    path.write_text(rows, encoding="utf-8")
    page.set_input_files("input[name=file]", str(path))
    page.click("text=检查文件")


def shot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.evaluate("window.scrollTo(0, 0)")  # the sticky top bar belongs at the top of a full-page shot
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
