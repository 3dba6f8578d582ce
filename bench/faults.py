"""A seeded fault campaign: mixed load on the production stack, one fault per trial, every
trial's history checked (bench/history.py). A benchmark, not a CI test.

The stack is the README's production one, on servers of the campaign's own (bench/stack.py:
PostgreSQL on 5433, Redis on 6380; the machine's 5432 and 6379 are never touched): gunicorn
serving `api.app:create_app()` (2 workers x 4 threads, `--timeout` 5 s), Redis as Celery
broker, rate-limit and sign-in store, and two Celery workers (`celery -A api.celery_app
worker -c 1`). The database holds the tests' tiny world with stock and dealer quotas raised.

Each trial (its own `random.Random(seed, trial)`): a few client threads drive mixed traffic
for `--load-seconds` - submits by service points and dealers, each with an Idempotency-Key
that is retried with the same body while the answer is lost or a 5xx; HQ ships, owners
receive and cancel, points return unused parts (keyed too), HQ approves draft transfers
(sometimes two at once), HQ grants quota extensions through the web form, HQ starts optimizer
runs (Celery) - and at a seeded moment one fault of the trial's kind:

  gunicorn_kill   SIGKILL of one gunicorn worker
  celery_kill     SIGKILL of the Celery pool process running an optimizer run
  pg_terminate    pg_terminate_backend of every connection to the database
  pg_restart      PostgreSQL stopped (immediate: crash recovery) and started again
  redis_stop      Redis stopped for --redis-outage seconds (default 30) and started again
  pause           SIGSTOP of a gunicorn worker, a Celery pool process or Redis for longer
                  than gunicorn's timeout and the clients' patience, then SIGCONT

After the load the trial settles: it waits until the API answers again (the recovery time,
from the fault's end to the first 200 of a database-reading call), retries every key whose
answer was lost until it gets one, and waits for the runs it started. Then the checker reads
the database (in one snapshot) and reports anomalies: what the trial made or changed, and every
`--full-check-every` trials (default 25) and after the last, everything against the whole
history (bench/history.py). Each trial prints its load, settle and
check seconds; with `--keep-logs DIR` its result is also written to DIR/trials.jsonl as it ends.
SIGINT or SIGTERM stops the campaign after the trial under way, with the report. Prints a table
per fault kind; exits 1 on any anomaly.

    .venv/bin/python bench/faults.py [--seed 21] [--trials-per-kind 50] [--load-seconds 4]
                                     [--redis-outage 30] [--kinds pg_restart,pause] [--clients 3]
"""
from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import os
import random
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.history import Attempt, History, Mark, anomalies, gather, in_scope, snapshot_session  # noqa: E402
from tests.processes import children  # noqa: E402

KINDS = ("gunicorn_kill", "celery_kill", "pg_terminate", "pg_restart", "redis_stop", "pause")
MIX = {"submit": 30, "ship": 14, "receive": 10, "cancel": 5, "return": 6, "approve": 6, "extension": 3,
       "optimize": 2, "read": 12}
GUNICORN_TIMEOUT = 5  # seconds; a pause lasts longer
CLIENT_TIMEOUT = 4.0  # a client's patience for one answer
PAUSE_SECONDS = GUNICORN_TIMEOUT + 3
QUEUE = "parts-faults"
HQ_USER, HQ_PASSWORD = "faults-hq", "campaign-password-21"
SERVER_ERRORS: list[dict] = []  # every 5xx answer: when, which trial, the request and its body (--keep-logs)
CURRENT_TRIAL = [0]


# -- the stack -------------------------------------------------------------------------------

def build(url: str) -> dict:
    """The tiny world with plenty of stock and quota, API keys, an HQ web user."""
    from inventory.access import create_key, create_user
    from inventory.db import make_engine, make_session_factory, transaction
    from inventory.world import load_world
    from tests.factories import tiny_world

    world = tiny_world()
    for row in world["stock"]:
        row["qty"] = row["qty"] * 2000
    world["stock"].append({"warehouse": "HB1", "sku": "AC-REMOTE-01", "qty": 50})  # sells out: late and backorders
    for dealer in world["dealers"]:
        dealer["monthly_quota"] = "100000000.00"
    engine = make_engine(url)
    with make_session_factory(engine)() as session, transaction(session):
        load_world(session, world)
        keys = {code: create_key(session, role, code) for role, code in
                (("service_point", "SP0001"), ("service_point", "SP0002"), ("service_point", "SP0003"),
                 ("dealer", "D001"), ("dealer", "D002"))}
        keys["hq"] = create_key(session, "hq", None)
        create_user(session, HQ_USER, HQ_PASSWORD, "hq")
    engine.dispose()
    return {"keys": keys, "ship_to": {"SP0001": ["SP0001"], "SP0002": ["SP0002"], "SP0003": ["SP0003"],
                                      "D001": ["SP0001", "SP0002"], "D002": ["SP0003"]},
            "skus": [p["sku"] for p in world["parts"]]}


def draft_transfers(url: str, n: int) -> list[str]:
    """HQ's drafts for the trial to approve (as the optimizer's would be)."""
    from inventory.db import make_engine, make_session_factory, transaction
    from inventory.warehouses import transfers

    engine = make_engine(url)
    try:
        with make_session_factory(engine)() as session, transaction(session):
            return [transfers.create_draft(session, "HQ", random.choice(("GD1", "HB1")), "WM-PUMP-01", 1,
                                           actor="faults", reason="campaign draft").id for _ in range(n)]
    finally:
        engine.dispose()


def cpu_ticks(pid: int) -> int:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return int(fields[11]) + int(fields[12])
    except OSError:
        return 0


class Stack:
    """gunicorn and two Celery workers on the private servers; knows their processes."""

    def __init__(self, pg, redis, url: str, workdir: Path):
        self.pg, self.redis, self.url, self.dir = pg, redis, url, workdir
        self.port = 0
        self.gunicorn: subprocess.Popen | None = None
        self.workers: list[subprocess.Popen] = []
        self.env = {**os.environ, "DATABASE_URL": url, "CELERY_BROKER_URL": redis.url, "CELERY_RESULT_BACKEND": redis.url,
                    "CELERY_QUEUE": QUEUE, "RATELIMIT_STORAGE_URI": redis.url.replace("/0", "/1"),
                    "RATELIMIT_DEFAULT": "100000 per minute", "SECRET_KEY": "faults", "PYTHONPATH": str(ROOT),
                    "SIGNIN_KEY_PREFIX": "faults-signin:"}
        self.env.pop("REDIS_URL", None)

    def start(self) -> None:
        from bench.soak import free_port

        self.port = free_port()
        bin_dir = Path(sys.executable).parent
        self.gunicorn = subprocess.Popen(
            [str(bin_dir / "gunicorn"), "-w", "2", "-k", "gthread", "--threads", "4", "-b", f"127.0.0.1:{self.port}",
             "--timeout", str(GUNICORN_TIMEOUT), "--graceful-timeout", "5", "--log-level", "warning",
             "--limit-request-line", "0",
             "api.app:create_app()"], env=self.env, cwd=self.dir,
            stdout=open(self.dir / "gunicorn.log", "a"), stderr=subprocess.STDOUT)
        for i in range(2):
            self.workers.append(subprocess.Popen(
                [sys.executable, "-m", "celery", "-A", "api.celery_app", "worker", "-Q", QUEUE, "-c", "1", "-P",
                 "prefork", "-n", f"faults{i}@%h", "--without-gossip", "--without-mingle", "-l", "warning"],
                env=self.env, cwd=self.dir, stdout=open(self.dir / f"celery{i}.log", "a"), stderr=subprocess.STDOUT))
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if probe(self.port) and all(children(w.pid) for w in self.workers):
                return
            time.sleep(0.2)
        raise SystemExit(f"the stack did not start; see {self.dir}")

    def gunicorn_workers(self) -> list[int]:
        return children(self.gunicorn.pid)

    def pool_processes(self) -> list[int]:
        return [c for w in self.workers for c in children(w.pid)]

    def busiest_pool_process(self) -> int | None:
        """The pool process burning CPU (solving), by its ticks over a tenth of a second."""
        pids = self.pool_processes()
        before = {p: cpu_ticks(p) for p in pids}
        time.sleep(0.1)
        spent = {p: cpu_ticks(p) - before[p] for p in pids}
        return max(spent, key=spent.get) if spent else None

    def alive(self) -> bool:
        return self.gunicorn.poll() is None and all(w.poll() is None for w in self.workers)

    def stop(self) -> None:
        for proc in [self.gunicorn, *self.workers]:
            if proc and proc.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(proc.pid, signal.SIGCONT)
                proc.terminate()
        for proc in [self.gunicorn, *self.workers]:
            if proc:
                try:
                    proc.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    proc.kill()


def probe(port: int, key: str | None = None) -> bool:
    """One database-reading call answered 200 (healthz without a key)."""
    try:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
        conn.request("GET", "/api/v1/quota" if key else "/healthz",
                     headers={"Authorization": f"Bearer {key}"} if key else {})
        ok = conn.getresponse().status == 200
        conn.close()
        return ok
    except (OSError, http.client.HTTPException):
        return False


# -- the load --------------------------------------------------------------------------------

class Client:
    """One keep-alive connection; every call lands in the history (and the status counts)."""

    def __init__(self, port: int, history: History, statuses: Counter):
        self.port, self.history, self.statuses = port, history, statuses
        self.conn = None
        self.cookie = ""

    def raw(self, method: str, path: str, body: bytes | None, headers: dict) -> tuple[int | None, bytes, dict]:
        try:
            if self.conn is None:
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=CLIENT_TIMEOUT)
            self.conn.request(method, path, body=body, headers=headers)
            response = self.conn.getresponse()
            payload = response.read()
            if response.status >= 500:
                SERVER_ERRORS.append({"at": time.strftime("%H:%M:%S"), "trial": CURRENT_TRIAL[0], "method": method,
                                      "path": path, "status": response.status, "key": headers.get("Idempotency-Key"),
                                      "body": payload[:500].decode(errors="replace")})
            if response.getheader("Set-Cookie"):
                self.cookie = response.getheader("Set-Cookie").split(";", 1)[0]
            return response.status, payload, dict(response.getheaders())
        except (OSError, http.client.HTTPException):
            if self.conn is not None:
                self.conn.close()
            self.conn = None
            return None, b"", {}

    def api(self, op: str, target: str, method: str, path: str, key: str, body=None, idem: str | None = None,
            record: dict | None = None) -> Attempt:
        headers = {"Authorization": f"Bearer {key}"}
        if idem:
            headers["Idempotency-Key"] = idem
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        status, payload, _ = self.raw(method, path, data, headers)
        answer = {}
        if status and payload[:1] in (b"{", b"["):
            with contextlib.suppress(ValueError):
                answer = json.loads(payload)
        attempt = Attempt(op, target, status, record if record is not None else (body or {}),
                          answer if isinstance(answer, dict) else {})
        self.statuses[status or 0] += 1
        if op != "read" and op != "probe":
            self.history.add(attempt)
        return attempt

    def signed_in(self) -> str | None:
        """Sign in as HQ on the web; the form's CSRF token, or None when the stack could not answer."""
        status, page, _ = self.raw("GET", "/login", None, {})
        token = re.search(rb'name="csrf_token" type="hidden" value="([^"]+)"', page or b"")
        if status != 200 or not token:
            return None
        form = urlencode({"csrf_token": token.group(1).decode(), "username": HQ_USER, "password": HQ_PASSWORD})
        status, _, _ = self.raw("POST", "/login", form.encode(), {"Content-Type": "application/x-www-form-urlencoded",
                                                                  "Cookie": self.cookie})
        if status != 302:
            return None
        status, page, _ = self.raw("GET", "/hq/quotas/D001", None, {"Cookie": self.cookie})  # a new session's token
        token = re.search(rb'name="ext-csrf_token" type="hidden" value="([^"]+)"', page or b"")
        return token.group(1).decode() if status == 200 and token else None


class Load:
    """The shared state of one trial's clients: requisitions by what can happen to them next."""

    def __init__(self, setup: dict, port: int, trial: int, seed: int, drafts: list[str]):
        self.setup, self.port, self.trial = setup, port, trial
        self.rng = random.Random(f"{seed}-{trial}-load")
        self.history = History()
        self.statuses: Counter = Counter()
        self.lock = threading.Lock()
        self.allocated: list[tuple[str, str]] = []  # (code, owner)
        self.shipped: list[tuple[str, str]] = []
        self.delivered: list[tuple[str, str, str]] = []  # (code, owner, sku)
        self.drafts = list(drafts)
        self.pending: list[tuple[str, str, str, dict, dict]] = []  # lost answers to retry: (op, key, owner, body, record)
        self.counter = 0

    def take(self, pool: list, keep: bool = False):
        with self.lock:
            if not pool:
                return None
            i = self.rng.randrange(len(pool))
            return pool[i] if keep else pool.pop(i)

    def next_tag(self, prefix: str) -> str:
        with self.lock:
            self.counter += 1
            return f"F{self.trial}-{prefix}{self.counter}"

    def submit(self, client: Client, rng: random.Random) -> None:
        owner = rng.choice(("SP0001", "SP0002", "SP0003", "D001", "D002"))
        key = self.next_tag("s")
        body = {"ship_to": rng.choice(self.setup["ship_to"][owner]), "ticket": key,
                "lines": [{"sku": sku, "qty": rng.randint(1, 3)} for sku in rng.sample(self.setup["skus"], rng.randint(1, 2))]}
        self.keyed(client, "submit", key, owner, "/api/v1/requisitions", body)

    def keyed(self, client: Client, op: str, key: str, owner: str, path: str, body: dict, retries: int = 2) -> None:
        """A keyed create, retried with the same key and body while the answer is lost or 5xx."""
        record = {"lines": [[line["sku"], line["qty"]] for line in body["lines"]]} if op == "submit" else body
        for attempt_no in range(retries + 1):
            a = client.api(op, key, "POST", path, self.setup["keys"][owner], body, idem=key, record=record)
            if a.outcome != "unknown":
                break
            time.sleep(0.3 * (attempt_no + 1))
        else:
            with self.lock:
                self.pending.append((op, key, owner, path, body, record))
            return
        if op == "submit" and a.outcome == "ack" and a.answer.get("status") in ("allocated", "partially_backordered"):
            with self.lock:
                self.allocated.append((a.answer["id"], owner))

    def step(self, client: Client, rng: random.Random, op: str, hq_token: list) -> None:
        keys = self.setup["keys"]
        if op == "submit":
            self.submit(client, rng)
        elif op == "ship" and (item := self.take(self.allocated)):
            a = client.api("ship", item[0], "POST", f"/api/v1/requisitions/{item[0]}/ship", keys["hq"], {})
            if a.outcome == "ack":
                with self.lock:
                    self.shipped.append(item)
        elif op == "cancel" and (item := self.take(self.allocated)):
            client.api("cancel", item[0], "POST", f"/api/v1/requisitions/{item[0]}/cancel", keys[item[1]])
        elif op == "receive" and (item := self.take(self.shipped)):
            a = client.api("receive", item[0], "POST", f"/api/v1/requisitions/{item[0]}/receive", keys[item[1]], {})
            if a.outcome == "ack" and a.answer.get("lines"):
                with self.lock:
                    self.delivered.append((item[0], item[1], a.answer["lines"][0]["sku"]))
        elif op == "return" and (item := self.take(self.delivered)):
            key = self.next_tag("r")
            self.keyed(client, "return", key, item[1], "/api/v1/returns",
                       {"requisition": item[0], "sku": item[2], "qty": 1, "kind": "unused", "reason": key})
        elif op == "approve" and (tid := self.take(self.drafts, keep=rng.random() < 0.3)):
            client.api("approve", tid, "POST", f"/api/v1/transfers/{tid}/approve", keys["hq"])
        elif op == "extension":
            self.extension(client, rng, hq_token)
        elif op == "optimize":
            client.api("optimize", self.next_tag("o"), "POST", "/api/v1/optimizer/runs", keys["hq"], {})
        elif op == "read":
            client.api("read", "", "GET", "/api/v1/quota", keys[rng.choice(("D001", "D002"))])

    def extension(self, client: Client, rng: random.Random, hq_token: list) -> None:
        """HQ grants a one-off extension through the web form (signed in, CSRF token and all)."""
        if not hq_token[0]:
            hq_token[0] = client.signed_in()
            if not hq_token[0]:
                return
        dealer, reason = rng.choice(("D001", "D002")), self.next_tag("x")
        form = urlencode({"ext-csrf_token": hq_token[0], "ext-amount": "10.00", "ext-reason": reason})
        status, _, _ = client.raw("POST", f"/hq/quotas/{dealer}/extend", form.encode(),
                                  {"Content-Type": "application/x-www-form-urlencoded", "Cookie": client.cookie})
        client.statuses[status or 0] += 1
        client.history.add(Attempt("extension", reason, status, {"dealer": dealer, "amount": "10.00"}))

    def drive(self, index: int, deadline: float) -> None:
        rng = random.Random(f"{self.trial}-{index}-{self.rng.random()}")
        client = Client(self.port, self.history, self.statuses)
        ops, weights = zip(*MIX.items())
        hq_token = [None]
        while time.monotonic() < deadline:
            self.step(client, rng, rng.choices(ops, weights)[0], hq_token)

    def settle(self, deadline: float) -> int:
        """Retry every lost answer with its key until one comes; how many stayed unanswered."""
        client = Client(self.port, self.history, self.statuses)
        while self.pending and time.monotonic() < deadline:
            op, key, owner, path, body, record = self.pending.pop(0)
            a = client.api(op, key, "POST", path, self.setup["keys"][owner], body, idem=key, record=record)
            if a.outcome == "unknown":
                self.pending.append((op, key, owner, path, body, record))
                time.sleep(0.5)
        return len(self.pending)


# -- faults ----------------------------------------------------------------------------------

def inject(kind: str, stack: Stack, rng: random.Random, args, setup: dict, history: History) -> dict:
    """Carry out one fault; returns what was done and when it ended (monotonic)."""
    if kind == "gunicorn_kill":
        pid = rng.choice(stack.gunicorn_workers())
        os.kill(pid, signal.SIGKILL)
        return {"what": f"SIGKILL gunicorn worker {pid}"}
    if kind == "celery_kill":
        return kill_mid_task(stack, setup, history)
    if kind == "pg_terminate":
        return {"what": f"pg_terminate_backend x{stack.pg.terminate_backends(stack.url.rsplit('/', 1)[1])}"}
    if kind == "pg_restart":
        stack.pg.restart()
        return {"what": "PostgreSQL immediate stop and start"}
    if kind == "redis_stop":
        stack.redis.stop()
        time.sleep(args.redis_outage)
        stack.redis.start()
        return {"what": f"Redis down {args.redis_outage:g} s"}
    if kind == "pause":
        target = rng.choice(("gunicorn", "celery", "redis"))
        pid = {"gunicorn": lambda: rng.choice(stack.gunicorn_workers()),
               "celery": lambda: rng.choice(stack.pool_processes()),
               "redis": lambda: stack.redis.pid}[target]()
        os.kill(pid, signal.SIGSTOP)
        time.sleep(PAUSE_SECONDS)
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGCONT)
        return {"what": f"SIGSTOP {target} {pid} for {PAUSE_SECONDS} s"}
    raise ValueError(kind)


def kill_mid_task(stack: Stack, setup: dict, history: History) -> dict:
    """Start a run, wait until a worker has it (status running), SIGKILL the pool process solving."""
    from inventory import planning
    from inventory.db import make_engine, make_session_factory

    client = Client(stack.port, history, Counter())
    started = client.api("optimize", f"kill-{time.monotonic_ns()}", "POST", "/api/v1/optimizer/runs", setup["keys"]["hq"], {})
    code = started.answer.get("id")
    engine = make_engine(stack.url)
    try:
        deadline = time.monotonic() + 10
        status = None
        while code and time.monotonic() < deadline:
            with make_session_factory(engine)() as session:
                status = planning.get_run(session, code).status
            if status != "queued":
                break
            time.sleep(0.02)
        pid = stack.busiest_pool_process()
        if pid:
            os.kill(pid, signal.SIGKILL)
        return {"what": f"SIGKILL pool process {pid} with run {code} {status}", "mid_task": status == "running",
                "run": code}
    finally:
        engine.dispose()


# -- a trial ---------------------------------------------------------------------------------

def runs_settled(url: str, deadline: float, given_up: set) -> list[str]:
    """Wait for the optimizer runs to finish (all but those an earlier trial gave up on); the
    codes still queued or running at the deadline."""
    from sqlalchemy import select

    from inventory import planning
    from inventory.db import make_engine, make_session_factory

    engine = make_engine(url)
    try:
        while True:
            with contextlib.suppress(Exception), make_session_factory(engine)() as session:
                open_runs = [r.code for r in session.scalars(select(planning.OptimizerRun).where(
                    planning.OptimizerRun.status.in_(("queued", "running"))))]
                if not set(open_runs) - given_up or time.monotonic() > deadline:
                    return open_runs
            time.sleep(0.25)
    finally:
        engine.dispose()


def activity(url: str) -> list[dict]:
    """pg_stat_activity of the campaign's database, for the 5xx log."""
    from sqlalchemy import text

    from inventory.db import make_engine

    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return [dict(row._mapping) for row in conn.execute(text(
                "SELECT pid, application_name, state, wait_event_type, wait_event, "
                "(now() - xact_start)::text AS xact_age, (now() - state_change)::text AS state_age, "
                "left(query, 200) AS query FROM pg_stat_activity WHERE datname = current_database() "
                "AND pid <> pg_backend_pid()"))]
    except Exception as exc:  # noqa: BLE001 - the database away is itself worth a line
        return [{"error": repr(exc)}]
    finally:
        engine.dispose()


def check(url: str, history: History, trial: History | None = None, since: Mark | None = None) -> tuple[list, object]:
    """Anomalies of the whole history, or (`since` the last check's mark) of what `trial` made
    or changed since."""
    from inventory.db import make_engine

    engine = make_engine(url)
    try:
        with snapshot_session(engine) as session:
            facts = gather(session, since, trial)
        return anomalies(history if since is None else in_scope(history, facts, trial), facts), facts
    finally:
        engine.dispose()


def trial(n: int, kind: str, stack: Stack, setup: dict, args, all_history: History, seen: set,
          seen_stuck: set, since: Mark | None) -> dict:
    """One trial under `kind`; checked in scope above `since`, or whole when it is None."""
    rng = random.Random(f"{args.seed}-{n}")
    CURRENT_TRIAL[0] = n
    errors_before = len(SERVER_ERRORS)
    drafts = draft_transfers(stack.url, 6)
    load = Load(setup, stack.port, n, args.seed, drafts)
    at = rng.uniform(0.5, max(0.6, args.load_seconds / 2))
    began = time.monotonic()
    deadline = began + args.load_seconds + (args.redis_outage if kind == "redis_stop" else 0) \
        + (PAUSE_SECONDS if kind == "pause" else 0)
    clients = [threading.Thread(target=load.drive, args=(i, deadline), daemon=True) for i in range(args.clients)]
    for c in clients:
        c.start()
    time.sleep(at)
    fault = inject(kind, stack, rng, args, setup, load.history)
    ended = time.monotonic()
    recovered = None
    while time.monotonic() < ended + 120:
        if probe(stack.port, setup["keys"]["D001"]):
            recovered = time.monotonic() - ended
            break
        time.sleep(0.05)
    for c in clients:
        c.join(deadline - time.monotonic() + 30)
    if len(SERVER_ERRORS) > errors_before:  # what the database's sessions were doing
        SERVER_ERRORS.append({"trial": n, "activity": activity(stack.url)})
    loaded = time.monotonic()
    unanswered = load.settle(time.monotonic() + 60)
    stuck = runs_settled(stack.url, time.monotonic() + 30, seen_stuck)
    seen_stuck.update(stuck)
    all_history.attempts += load.history.attempts
    settled = time.monotonic()
    found, facts = check(stack.url, all_history, load.history, since)
    checked = time.monotonic()
    found = [a for a in found if a not in seen]  # a subject checked again: report what is new
    seen.update(found)
    ops = Counter(a.op for a in load.history.attempts)
    return {"trial": n, "kind": kind, "fault": fault, "recovery": recovered, "ops": sum(ops.values()),
            "by_op": ops, "statuses": load.statuses, "unanswered": unanswered, "stuck_runs": stuck,
            "anomalies": found, "requisitions": facts.mark.requisition, "checked": len(facts.requisitions),
            "mark": facts.mark, "whole": since is None,
            "runs": Counter(run.status for run in facts.runs.values()),
            "seconds": time.monotonic() - began,
            "phases": {"load": loaded - began, "settle": settled - loaded, "check": checked - settled}}


def schedule(seed: int, kinds: list[str], per_kind: int) -> list[str]:
    """Every kind `per_kind` times, in an order drawn from the seed."""
    plan = [k for k in kinds for _ in range(per_kind)]
    random.Random(seed).shuffle(plan)
    return plan


def report(results: list[dict], seconds: float) -> int:
    print(f"\n{len(results)} trials in {seconds / 60:.1f} min")
    print(f"{'fault':<14}{'trials':>7}{'ops':>8}{'5xx':>6}{'no answer':>10}{'unanswered':>11}"
          f"{'anomalies':>10}{'recovery p50 s':>15}{'max s':>7}")
    total_anomalies = 0
    for kind in KINDS:
        rows = [r for r in results if r["kind"] == kind]
        if not rows:
            continue
        rec = [r["recovery"] for r in rows if r["recovery"] is not None]
        fivexx = sum(n for r in rows for code, n in r["statuses"].items() if code >= 500)
        lost = sum(r["statuses"].get(0, 0) for r in rows)
        anomalies_n = sum(len(r["anomalies"]) for r in rows)
        total_anomalies += anomalies_n
        print(f"{kind:<14}{len(rows):>7}{sum(r['ops'] for r in rows):>8}{fivexx:>6}{lost:>10}"
              f"{sum(r['unanswered'] for r in rows):>11}{anomalies_n:>10}"
              f"{statistics.median(rec) if rec else float('nan'):>15.2f}{max(rec) if rec else float('nan'):>7.2f}"
              + ("" if len(rec) == len(rows) else f"  ({len(rows) - len(rec)} never recovered)"))
    kind_of = {r["trial"]: r["kind"] for r in results}
    for kind in KINDS:
        by_request = Counter(f"{e['status']} {e['method']} {re.sub(r'/R[0-9]+|/TR[0-9A-Z]+', '/{id}', e['path'])}"
                             for e in SERVER_ERRORS if "status" in e and kind_of.get(e["trial"]) == kind)
        if by_request:
            print(f"5xx of {kind}: " + ", ".join(f"{what} x{n}" for what, n in by_request.most_common()))
    ops = Counter()
    for r in results:
        ops.update(r["by_op"])
    print("operations: " + ", ".join(f"{op} {n}" for op, n in ops.most_common()))
    statuses = Counter()
    for r in results:
        statuses.update(r["statuses"])
    print("answers: " + ", ".join(f"{code or 'no answer'}: {n}" for code, n in sorted(statuses.items())))
    mid = [r for r in results if r["kind"] == "celery_kill"]
    if mid:
        print(f"celery_kill: {sum(1 for r in mid if r['fault'].get('mid_task'))} of {len(mid)} kills hit a run "
              "while it was running")
    stuck = [code for r in results for code in r["stuck_runs"]]
    runs = results[-1]["runs"]
    print(f"optimizer runs: {sum(runs.values())} ({', '.join(f'{n} {s}' for s, n in runs.most_common())}); "
          "still queued or running after a trial settled: "
          f"{len(set(stuck))} {sorted(set(stuck))[:10]}")
    print(f"requisitions: {results[-1]['requisitions']}; anomalies: {total_anomalies}")
    for r in results:
        for a in r["anomalies"][:10]:
            print(f"  trial {r['trial']} ({r['kind']}): {a.kind} {a.subject}: {a.detail}")
    return total_anomalies


def stop_on_signals() -> threading.Event:
    """SIGINT or SIGTERM ends the campaign after the trial under way, with its report: a trial
    cut in the middle would leave the stack in a fault and the history unchecked."""
    stopping = threading.Event()

    def ask_to_stop(signum, _frame):
        print(f"\n{signal.Signals(signum).name}: stopping after this trial", flush=True)
        stopping.set()

    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, ask_to_stop)
    return stopping


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=21)
    parser.add_argument("--trials-per-kind", type=int, default=50)
    parser.add_argument("--kinds", default=",".join(KINDS))
    parser.add_argument("--load-seconds", type=float, default=4.0)
    parser.add_argument("--redis-outage", type=float, default=30.0, help="seconds Redis stays down")
    parser.add_argument("--clients", type=int, default=3, help="client threads (the machine has 2 cores)")
    parser.add_argument("--full-check-every", type=int, default=25,
                        help="check the whole history after every Nth trial (and after the last)")
    parser.add_argument("--pg-port", type=int, default=5433)
    parser.add_argument("--redis-port", type=int, default=6380)
    parser.add_argument("--keep-logs", default=None,
                        help="copy the servers' logs here at the end (gunicorn, Celery, PostgreSQL, Redis) "
                             "and every 5xx answer with its body (5xx.jsonl; after a trial that had any, "
                             "what pg_stat_activity showed)")
    args = parser.parse_args()
    kinds = [k for k in args.kinds.split(",") if k]
    unknown = set(kinds) - set(KINDS)
    if unknown:
        parser.error(f"unknown fault kinds {sorted(unknown)}; choose from {KINDS}")

    from inventory import migrate
    from bench.stack import private_servers

    plan = schedule(args.seed, kinds, args.trials_per_kind)
    with private_servers(args.pg_port, args.redis_port) as (pg, redis), tempfile.TemporaryDirectory() as tmp:
        pg.create_database("parts_faults")  # the cluster is the campaign's: it goes with it
        url = pg.url("parts_faults")
        migrate.upgrade(url)
        if True:
            setup = build(url)
            stack = Stack(pg, redis, url, Path(tmp))
            stack.start()
            print(f"seed {args.seed}: {len(plan)} trials ({args.trials_per_kind} per kind of {', '.join(kinds)}), "
                  f"{args.load_seconds:g} s of load each from {args.clients} clients, Redis outage "
                  f"{args.redis_outage:g} s, pause {PAUSE_SECONDS} s; PostgreSQL :{pg.port}, Redis :{redis.port}, "
                  f"gunicorn :{stack.port}", flush=True)
            history, results, seen, stuck = History(), [], set(), set()
            started = time.monotonic()
            stopping = stop_on_signals()
            if args.keep_logs:
                Path(args.keep_logs).mkdir(parents=True, exist_ok=True)
            trials_log = open(Path(args.keep_logs) / "trials.jsonl", "w") if args.keep_logs else None
            try:
                mark = None
                for n, kind in enumerate(plan, 1):
                    whole = n == len(plan) or n % args.full_check_every == 0
                    result = trial(n, kind, stack, setup, args, history, seen, stuck, None if whole else mark)
                    mark = result["mark"]
                    results.append(result)
                    phases = " ".join(f"{name} {s:.1f}" for name, s in result["phases"].items())
                    print(f"trial {n:>3} {kind:<13} {result['fault']['what']:<52} ops {result['ops']:>4} "
                          f"recovery {result['recovery'] if result['recovery'] is None else round(result['recovery'], 2)} s "
                          f"anomalies {len(result['anomalies'])} ({result['seconds']:.1f} s: {phases}; "
                          f"{'whole' if result['whole'] else 'checked ' + str(result['checked'])})", flush=True)
                    if trials_log:
                        trials_log.write(json.dumps(result, default=str) + "\n")
                        trials_log.flush()
                    if not stack.alive():
                        print("a stack process died for good; stopping", flush=True)
                        break
                    if stopping.is_set():
                        print(f"stopped by a signal after trial {n}; reporting what ran", flush=True)
                        break
                if results and not results[-1]["whole"]:  # stopped early: the whole history once more
                    found, _ = check(stack.url, history)
                    new = [a for a in found if a not in seen]
                    results[-1]["anomalies"] += new
                    print(f"whole check: {len(new)} anomalies not seen in scope", flush=True)
            finally:
                if trials_log:
                    trials_log.close()
                stack.stop()
                if args.keep_logs:
                    Path(args.keep_logs).mkdir(parents=True, exist_ok=True)
                    for log in Path(tmp).glob("*.log"):
                        (Path(args.keep_logs) / log.name).write_bytes(log.read_bytes())
                    for log in (pg.dir / "log", redis.dir / "log"):
                        if log.exists():
                            (Path(args.keep_logs) / f"{log.parent.name.split('-')[1]}.log").write_bytes(log.read_bytes())
                    with open(Path(args.keep_logs) / "5xx.jsonl", "w") as out:
                        out.writelines(json.dumps(e, default=str) + "\n" for e in SERVER_ERRORS)
            return 1 if report(results, time.monotonic() - started) else 0


if __name__ == "__main__":
    sys.exit(main())
