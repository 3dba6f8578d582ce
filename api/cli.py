"""The `parts` command. Every command honours DATABASE_URL; errors are one line on stderr."""
from __future__ import annotations

import json
import os
import sys
from contextlib import contextmanager

import click
from sqlalchemy.exc import SQLAlchemyError

from inventory.errors import DomainError

from . import config


class CommandError(click.ClickException):
    exit_code = 2

    def show(self, file=None):
        click.echo(f"error: {self.message}", err=True)


@contextmanager
def session_scope():
    """A session on DATABASE_URL whose work is committed only if the block succeeds."""
    from inventory.db import make_engine, make_session_factory, transaction

    engine = make_engine(config.database_url())
    try:
        with make_session_factory(engine)() as session, transaction(session):
            yield session
    finally:
        engine.dispose()


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def cli():
    """Spare-parts inventory and logistics (配件库存与物流)."""


@cli.command("init-db")
def init_db():
    """Create or upgrade the database schema (Alembic migrations)."""
    from inventory import migrate

    migrate.upgrade(config.database_url())
    click.echo("database is at the latest schema")


@cli.command("db-revision")
@click.option("-m", "--message", required=True)
def db_revision(message):
    """Write a new migration from model changes (developers)."""
    from inventory import migrate

    migrate.revision(config.database_url(), message)


def _load(data: dict, label: str) -> None:
    from tqdm import tqdm

    from inventory.world import load_world

    total = sum(len(v) for v in data.values() if isinstance(v, list))
    with tqdm(total=total, desc=label, unit="rows", file=sys.stderr, disable=None) as bar, \
            session_scope() as session:
        report = load_world(session, data, progress=lambda section, n: (bar.set_postfix_str(section), bar.update(n)))
    for line in report.lines():
        click.echo(line)
    click.echo("nothing changed" if not report.changed else f"{report.changed} rows written")


@cli.command()
@click.option("--file", "path", required=True, type=click.Path(dir_okay=False))
def load(path):
    """Upsert master data and opening stock from a world JSON file (WORLD.md)."""
    from inventory.world import read_world_file

    _load(read_world_file(path), "loading")


@cli.command("demo-data")
@click.option("--scale", type=click.Choice(["small", "national"]), default="national", show_default=True)
@click.option("--seed", type=int, default=1, show_default=True)
@click.option("--out", type=click.Path(dir_okay=False), help="also write the world file here")
@click.option("--if-empty", is_flag=True, help="do nothing when the database already has warehouses")
def demo_data(scale, seed, out, if_empty):
    """Generate the demo network (deterministic per seed) and load it."""
    from sqlalchemy import func, select

    from inventory.demo import generate_world
    from inventory.network import Warehouse

    if if_empty:
        with session_scope() as session:
            if session.scalar(select(func.count()).select_from(Warehouse)):
                click.echo("demo data already loaded", err=True)
                return

    click.echo(f"generating the {scale} network (seed {seed})", err=True)
    world = generate_world(scale=scale, seed=seed)
    if out:
        with open(out, "w", encoding="utf-8") as fh:
            json.dump(world, fh, ensure_ascii=False)
    _load(world, "loading")


@cli.group()
def keys():
    """API keys."""


@keys.command("create")
@click.option("--dealer", metavar="CODE")
@click.option("--service-point", metavar="CODE")
@click.option("--call-center", is_flag=True)
@click.option("--hq", is_flag=True)
@click.option("--center", metavar="CODE", help="a provincial centre's key: reads its own month")
@click.option("--clerk", metavar="WAREHOUSE", help="a warehouse clerk's key: keeps that warehouse's bins")
def keys_create(dealer, service_point, call_center, hq, center, clerk):
    """Print a new API key once (the last token on stdout)."""
    from inventory.access import create_key

    chosen = [(r, c) for r, c, on in (("dealer", dealer, dealer), ("service_point", service_point, service_point),
                                      ("call_center", None, call_center), ("hq", None, hq),
                                      ("center", center, center), ("clerk", clerk, clerk)) if on]
    if len(chosen) != 1:
        raise click.UsageError("give exactly one of --dealer, --service-point, --call-center, --hq, --center, --clerk")
    role, code = chosen[0]
    with session_scope() as session:
        key = create_key(session, role, code)
    click.echo(f"{role}{':' + code if code else ''} key (shown once): {key}")


@keys.command("revoke")
@click.argument("key")
def keys_revoke(key):
    """Revoke a key: it answers 401 from then on."""
    from inventory.access import revoke_key

    with session_scope() as session:
        revoke_key(session, key)
    click.echo("revoked")


@cli.group()
def users():
    """Web users."""


@users.command("create")
@click.option("--username", required=True)
@click.option("--clerk", "warehouse", metavar="WAREHOUSE")
@click.option("--hq", is_flag=True)
@click.option("--center", metavar="CENTRE", help="a provincial service centre's user: its own tickets, fines, rates")
@click.option("--password-stdin", is_flag=True, required=True, help="read the password from stdin")
def users_create(username, warehouse, hq, center, password_stdin):
    """Create a clerk (bound to a warehouse), an HQ or a centre (bound to its centre) web user."""
    from inventory.access import CENTER, create_user

    if sum(map(bool, (warehouse, hq, center))) != 1:
        raise click.UsageError("give exactly one of --clerk WAREHOUSE, --hq or --center CENTRE")
    role = "clerk" if warehouse else "hq" if hq else CENTER
    password = sys.stdin.readline().rstrip("\r\n")
    with session_scope() as session:
        create_user(session, username, password, role, warehouse, center)
    click.echo(f"user {username} created")


def _signin_store(session):
    from inventory.signin import store_for

    return store_for(session, config.signin_storage_uri(), os.environ.get("SIGNIN_KEY_PREFIX", "signin:"))


@users.command("locks")
def users_locks():
    """List the sign-in locks in force (usernames and network addresses)."""
    from inventory.db import utcnow
    from inventory.signin import locks, refusals

    now = utcnow()
    with session_scope() as session:
        store = _signin_store(session)
        found = locks(store, now)
        refused = refusals(store, found, now)
    for scope, name, until in found:
        times = refused.get((scope, name), 0)
        tail = f"  (refused {times} times while locked)" if times else ""
        click.echo(f"{scope}  {name}  until {until.isoformat(timespec='seconds')}{tail}")
    if not found:
        click.echo("nothing is locked")


@users.command("unlock")
@click.option("--username", help="a username locked after too many failed sign-ins")
@click.option("--address", help="a network address locked after too many failed sign-ins")
def users_unlock(username, address):
    """Lift a sign-in lock before it ends (audited as the command line)."""
    from inventory.db import utcnow
    from inventory.signin import ADDRESS, USER, unlock

    if bool(username) == bool(address):
        raise click.UsageError("give exactly one of --username U or --address A")
    scope, name = (USER, username) if username else (ADDRESS, address)
    with session_scope() as session:
        unlock(session, _signin_store(session), scope, name, actor="cli", now=utcnow())
    click.echo(f"{scope} {name.strip()} unlocked")


@cli.group()
def webhooks():
    """Webhook deliveries (what Celery beat's `webhooks-dispatch` does every 15 s)."""


def _dispatch_round(session, settings) -> dict:
    from inventory.db import transaction, utcnow
    from inventory.webhooks import outbox, sender

    with transaction(session):
        events = outbox.collect(session, utcnow())
    return {"events": events, **sender.send_due(session, settings)}


@webhooks.command("dispatch")
@click.option("--loop", "every", type=click.FloatRange(min=1.0), default=None, metavar="SECONDS",
              help="keep going: a round every SECONDS until interrupted (embedded mode has no beat)")
def webhooks_dispatch(every):
    """One round: record new events, claim the due deliveries and send them; print the counts.
    WEBHOOKS_ALLOW_PRIVATE, WEBHOOKS_TIMEOUT and WEBHOOKS_MAX_ATTEMPTS apply as in the server."""
    import signal
    import threading
    import time

    from inventory.db import make_engine, make_session_factory
    from inventory.webhooks.sender import Settings

    try:
        settings = Settings(timeout=float(os.environ.get("WEBHOOKS_TIMEOUT", "10")),
                            allow_private=os.environ.get("WEBHOOKS_ALLOW_PRIVATE", "0") == "1",
                            max_attempts=int(os.environ.get("WEBHOOKS_MAX_ATTEMPTS", "10")))
    except ValueError as exc:
        raise CommandError(f"bad WEBHOOKS_TIMEOUT or WEBHOOKS_MAX_ATTEMPTS: {exc}") from None
    engine = make_engine(config.database_url())
    stop = threading.Event()
    if every is not None:
        # Ctrl-C or a service manager's TERM ends the loop after the round in flight: a delivery
        # is never cut off half-sent, and the stop does not depend on where the signal lands
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, lambda *_: stop.set())
    try:
        sessions = make_session_factory(engine)
        while not stop.is_set():
            started = time.monotonic()
            with sessions() as session:
                counts = _dispatch_round(session, settings)
            click.echo("events {events}  delivered {delivered}  retrying {retrying}  failed {failed}"
                       .format(**counts))
            sys.stdout.flush()   # a round's line reaches a pipe or a log at once, not at exit
            if every is None:
                return
            stop.wait(max(0.0, every - (time.monotonic() - started)))
    except KeyboardInterrupt:
        return
    finally:
        engine.dispose()


@cli.command()
@click.option("--port", type=int, default=None, help="else $PORT, else 8000")
def serve(port):
    """Serve the web UI and API on 127.0.0.1."""
    from .app import create_app

    port = port or int(os.environ.get("PORT") or 8000)
    app = create_app()
    click.echo(f"serving on http://127.0.0.1:{port}/", err=True)
    app.run(host="127.0.0.1", port=port, threaded=True, use_reloader=False)


@cli.command("check-ledger")
def check_ledger():
    """Recompute every balance from the ledger; exit 1 and list differences if any."""
    from inventory.warehouses.ledger import ledger_differences

    with session_scope() as session:
        diffs = ledger_differences(session)
    if not diffs:
        click.echo("ledger clean: every balance equals its movements")
        return
    for d in diffs:
        click.echo(f"{d['warehouse']}/{d['sku']}: balance {d['balance']} != ledger {d['ledger']}")
    sys.exit(1)


def _policy_or_defaults():
    """HQ's policy from the database when one is configured and reachable, else the seed defaults."""
    from pathlib import Path

    from inventory.policy import Policy, load_policy

    if not os.environ.get("DATABASE_URL") and not (Path.cwd() / "instance" / "parts.db").exists():
        return Policy()
    try:
        with session_scope() as session:
            return load_policy(session)
    except (SQLAlchemyError, OSError) as exc:
        click.echo(f"note: policy defaults used; database unreachable ({type(exc).__name__})", err=True)
        return Policy()


@cli.command()
@click.option("--input", "path", required=True, type=click.Path(dir_okay=False),
              help="the ticket JSON of API.md ('The same engine offline')")
@click.option("--now", "now", default=None, help="attribute an open ticket up to this ISO 8601 time")
def attribute(path, now):
    """Print who pays for one ticket's time (the attribution of GET /api/v1/tickets/{t})."""
    from datetime import datetime

    from inventory.attribution_io import attribution_from_json

    as_of = None
    if now:
        try:
            as_of = datetime.fromisoformat(now)
        except ValueError:
            as_of = None
        if as_of is None or as_of.utcoffset() is None:
            raise CommandError(f"--now: {now!r} is not an ISO 8601 time with offset")
    try:
        with open(path, encoding="utf-8") as fh:
            data = json.load(fh)
    except OSError as exc:
        raise CommandError(f"{path}: {exc.strerror or exc}") from None
    except ValueError as exc:  # not JSON, or not UTF-8
        raise CommandError(f"{path}: not valid JSON ({str(exc).splitlines()[0]})") from None
    try:
        result = attribution_from_json(data, _policy_or_defaults(), now=as_of)
    except DomainError as exc:
        raise CommandError(exc.message) from None
    click.echo(json.dumps(result, ensure_ascii=False, indent=2))


@cli.command()
@click.option("--input", "path", required=True, type=click.Path(dir_okay=False),
              help="the case JSON of DOMAIN.md ('Warranty and 三包')")
def warranty(path):
    """Print whether the case's part is free, on which basis, until when, and the 三包 outcome."""
    from inventory.warranty_io import read_case_file, warranty_from_json

    try:
        result = warranty_from_json(read_case_file(path), _policy_or_defaults())
    except DomainError as exc:
        raise CommandError(f"{path}: {exc.message}") from None
    click.echo(json.dumps(result, ensure_ascii=False))


@cli.command("tickets-report")
@click.option("--month", required=True, help="YYYY-MM, Beijing calendar")
def tickets_report(month):
    """Print the month's penalty report (GET /api/v1/reports/penalties) as JSON."""
    from inventory.policy import load_policy
    from inventory.tickets import penalties_for_month

    try:
        with session_scope() as session:
            report = penalties_for_month(session, month, load_policy(session))
    except DomainError as exc:
        raise CommandError(exc.message) from None
    click.echo(json.dumps(report, ensure_ascii=False, indent=2))


@cli.command()
@click.option("--instance", type=click.Path(dir_okay=False), help="solve this instance file (OPTIMIZER.md) offline")
@click.option("--out", type=click.Path(dir_okay=False), help="where the plan file goes (with --instance)")
@click.option("--no-transfers", is_flag=True, help="database run: re-plan lines only, propose no transfers")
def optimize(instance, out, no_transfers):
    """Re-plan every open line: offline on a file, or on the database as a recorded run."""
    if instance or out:
        if not (instance and out):
            raise click.UsageError("--instance and --out go together")
        from optimizer.offline import main as offline_main

        sys.exit(offline_main(instance, out))
    from tqdm import tqdm

    from inventory.db import make_engine, make_session_factory
    from optimizer.runs import run_now

    engine = make_engine(config.database_url())
    with tqdm(total=100, desc="optimizer", unit="%", file=sys.stderr, disable=None) as bar:
        def progress(stage: str, fraction: float) -> None:
            bar.set_postfix_str(stage)
            bar.update(round(fraction * 100) - bar.n)

        summary = run_now(make_session_factory(engine), trigger="cli", propose=not no_transfers, progress=progress)
    engine.dispose()
    click.echo(json.dumps(summary, ensure_ascii=False, indent=2))


@cli.command()
@click.option("--budget", type=float, default=None,
              help="RMB of stock on hand at cost to place (default the policy's stock_budget)")
def plan(budget):
    """Make the stock plan (forecast, placement under the budget), keep it, propose HQ's purchases."""
    if budget is not None and not 0 < budget < 1e12:
        raise click.BadParameter("a positive amount of RMB", param_hint="--budget")
    from inventory.db import make_engine, make_session_factory, transaction, utcnow
    from inventory.policy import load_policy
    from optimizer.stock_plan import plan_and_propose

    engine = make_engine(config.database_url())
    with make_session_factory(engine)() as session, transaction(session):
        click.echo("forecasting and placing stock ...", err=True)
        record, orders = plan_and_propose(session, utcnow(), load_policy(session), actor="cli", budget=budget)
        summary = {"plan": record.code, "budget": str(record.budget), "placed_budget": str(record.placed_budget),
                   "stock_value": str(record.stock_value),
                   "expected_on_time_rate": round(record.expected_on_time_rate, 5),
                   "upper_bound_rate": round(record.upper_bound_rate, 5), "gap": round(record.gap, 6),
                   "seconds": round(record.seconds, 1), "purchase_orders_proposed": [o.code for o in orders]}
    engine.dispose()
    click.echo(json.dumps(summary, ensure_ascii=False, indent=2))


def main() -> None:
    """Console entry point: domain and database errors become one line, never a traceback."""
    try:
        cli.main(standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("aborted", err=True)
        sys.exit(1)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except DomainError as exc:
        click.echo(f"error: {exc.message}", err=True)
        sys.exit(2)
    except SQLAlchemyError as exc:
        click.echo(f"error: database: {str(exc.orig if hasattr(exc, 'orig') and exc.orig else exc).splitlines()[0]}", err=True)
        sys.exit(2)
    except OSError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(2)
    except SystemExit:
        raise
    except Exception as exc:  # last resort: still one line, with the kind of failure
        click.echo(f"error: {type(exc).__name__}: {exc}", err=True)
        sys.exit(3)


# -- audit log, backup and restore ----------------------------------------------------------------

def _since(text: str | None):
    """An ISO 8601 date or time; without an offset it is read as UTC."""
    from datetime import datetime, timezone

    if not text:
        return None
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        raise CommandError(f"--since: {text!r} is not an ISO 8601 date or time") from None
    return when if when.utcoffset() is not None else when.replace(tzinfo=timezone.utc)


@cli.command()
@click.option("--since", help="only changes at or after this ISO 8601 date or time (UTC unless it has an offset)")
@click.option("--action", help="one action (quota.raise_limit) or a family ending in '.' (quota.)")
@click.option("--json", "as_json", is_flag=True, help="one JSON object per line")
def audit(since, action, as_json):
    """Print the audit log: who changed quotas, policy, transfer approvals and stock counts."""
    from inventory.audit import ACTIONS, entries

    if action and not action.endswith(".") and action not in ACTIONS:
        raise CommandError(f"--action: unknown action {action!r}; one of {', '.join(ACTIONS)}")
    with session_scope() as session:
        rows = entries(session, since=_since(since), action=action)
    for row in rows:
        if as_json:
            click.echo(json.dumps({"at": row.at.isoformat(), "actor": row.actor, "action": row.action,
                                   "subject": row.subject, "detail": row.details}, ensure_ascii=False))
        else:
            click.echo(f"{row.at.isoformat(timespec='seconds')}  {row.actor}  {row.action}  {row.subject}  {row.detail}")
    if not rows and not as_json:
        click.echo("no audited changes", err=True)


def _sqlite_file(url: str):
    """The file of an embedded database URL, or None for PostgreSQL."""
    from pathlib import Path

    from sqlalchemy.engine import make_url

    from inventory.db import normalise_url

    parsed = make_url(normalise_url(url))
    if parsed.get_backend_name() != "sqlite":
        return None
    if not parsed.database or parsed.database == ":memory:" or parsed.database.startswith("file:"):
        raise CommandError("only a SQLite database in a file can be backed up or restored")
    return Path(parsed.database)


def _pg_recipe(url: str, path: str, restoring: bool) -> str:
    from sqlalchemy.engine import make_url

    parsed = make_url(url).set(drivername="postgresql")
    shown = parsed.render_as_string(hide_password=True)
    name = f"{parsed.database}_restored"
    target = parsed.set(database=name).render_as_string(hide_password=True)
    where = " ".join(f"{flag} {value}" for flag, value in (("-h", parsed.host), ("-p", parsed.port),
                                                           ("-U", parsed.username)) if value)
    dump = f"pg_dump --format=custom --no-owner --file={path} '{shown}'"
    restore = (f"createdb {where} {name}   # a new, empty database\n"
               f"  pg_restore --no-owner --exit-on-error --dbname='{target}' {path}")
    return ("PostgreSQL is backed up and restored with its own tools (see docs/operations.md):\n"
            + (f"  {restore}" if restoring else f"  {dump}\nand to restore it:\n  {restore}"))


def _sqlite_copy(source, target, *, self_contained: bool = True) -> None:
    """Copy one SQLite file onto another with the online backup API: a consistent snapshot
    even while the service writes (WAL readers see one transaction's state)."""
    import sqlite3

    src = sqlite3.connect(source, timeout=30)
    dst = sqlite3.connect(target, timeout=30)
    try:
        src.backup(dst)
        if self_contained:
            dst.execute("PRAGMA journal_mode=DELETE")  # one file to keep, no -wal beside it
        if dst.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
            raise CommandError(f"{target}: the copy failed its integrity check")
    finally:
        dst.close()
        src.close()


def _check_backup_file(path) -> None:
    import sqlite3

    try:
        with open(path, "rb") as fh:
            if fh.read(16) != b"SQLite format 3\x00":
                raise CommandError(f"{path}: not a SQLite database file")
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            ok = conn.execute("PRAGMA quick_check").fetchone()[0] == "ok"
            migrated = conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'alembic_version'").fetchone()
        finally:
            conn.close()
    except sqlite3.Error as exc:
        raise CommandError(f"{path}: unreadable SQLite file ({exc})") from None
    if not ok:
        raise CommandError(f"{path}: the file fails SQLite's integrity check")
    if not migrated:
        raise CommandError(f"{path}: not a parts database (no schema version)")


def _ledger_line(url: str) -> str:
    from inventory.db import make_engine, make_session_factory
    from inventory.warehouses.ledger import ledger_differences

    engine = make_engine(url)
    try:
        with make_session_factory(engine)() as session:
            diffs = ledger_differences(session)
    finally:
        engine.dispose()
    return "ledger clean" if not diffs else f"LEDGER DIFFERS on {len(diffs)} balances (parts check-ledger)"


@cli.command()
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False), help="the backup file to write")
def backup(out):
    """Back up the embedded database to a file while it is in use (PostgreSQL: prints the pg_dump recipe)."""
    import os
    from pathlib import Path

    url = config.database_url()
    source = _sqlite_file(url)
    if source is None:
        click.echo(_pg_recipe(url, out, restoring=False))
        sys.exit(1)  # nothing was written: say so to scripts
    if not source.exists():
        raise CommandError(f"{source}: no database to back up")
    target = Path(out)
    if target.resolve() == source.resolve():
        raise CommandError("--out is the live database itself")
    partial = target.with_name(f".{target.name}.partial")
    partial.unlink(missing_ok=True)
    try:
        _sqlite_copy(str(source), str(partial))
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)
    click.echo(f"backed up {source} to {target} ({target.stat().st_size} bytes, integrity ok, "
               f"{_ledger_line(f'sqlite:///{target}')})")


@cli.command()
@click.option("--from", "path", required=True, type=click.Path(dir_okay=False, exists=True),
              help="a file written by `parts backup`")
@click.option("--force", is_flag=True, help="replace a database that already has tables")
def restore(path, force):
    """Restore the embedded database from a backup file (PostgreSQL: prints the pg_restore recipe)."""
    import sqlite3
    from pathlib import Path

    url = config.database_url()
    target = _sqlite_file(url)
    if target is None:
        click.echo(_pg_recipe(url, path, restoring=True))
        sys.exit(1)
    _check_backup_file(path)
    if target.exists() and target.resolve() == Path(path).resolve():
        raise CommandError("--from is the live database itself")
    if target.exists() and not force:
        conn = sqlite3.connect(target)
        try:
            tables = conn.execute("SELECT count(*) FROM sqlite_master WHERE type = 'table'").fetchone()[0]
        finally:
            conn.close()
        if tables:
            raise CommandError(f"{target} already has {tables} tables; pass --force to replace them")
    target.parent.mkdir(parents=True, exist_ok=True)
    _sqlite_copy(path, str(target), self_contained=False)
    click.echo(f"restored {target} from {path} ({_ledger_line(url)}); run `parts init-db` if the "
               "backup predates the current schema")


@cli.command()
@click.option("--days", type=int, default=None, help="[default: 365; 105 with --tradeoff]")
@click.option("--seed", type=int, default=1, show_default=True)
@click.option("--scale", type=click.Choice(["small", "national"]), default=None,
              help="[default: national; small with --tradeoff]")
@click.option("--policy", type=click.Choice(["none", "greedy", "greedy_transfers", "optimizer", "planned"]),
              default="optimizer", show_default=True,
              help="greedy_transfers: greedy re-planning plus the optimizer's base-stock transfers; planned: the "
                   "stock plan (forecast, placement under --budget, HQ buying)")
@click.option("--out", "out", required=True, type=click.Path(file_okay=False), help="directory for report.md, plots, summary.json")
@click.option("--sku-share", type=float, default=None,
              help="simulate this stratified share of the skus (default: all on small, 0.02 on national)")
@click.option("--cover", type=float, default=1.0, show_default=True, help="scale of the base-stock targets")
@click.option("--budget", type=float, default=None,
              help="policy planned: RMB of stock on hand at cost to place (default the policy's stock_budget)")
@click.option("--shards", type=click.IntRange(1, 64), default=1, show_default=True,
              help="split the sampled skus over this many processes and merge their results")
@click.option("--waves", default=None,
              help="the warehouses' pick waves, Beijing hours separated by commas (default 9,13,17; e.g. 9,13,17,21)")
@click.option("--tradeoff", is_flag=True, help="instead: the on-time vs stock curve over several covers")
@click.option("--quiet", is_flag=True, help="no progress lines on stderr")
def simulate(days, seed, scale, policy, out, sku_share, cover, budget, shards, waves, tradeoff, quiet):
    """Simulate a period of operations through the real services; write a report (WORLD.md)."""
    from simulation.cli import simulate_command

    try:
        simulate_command(days=days, seed=seed, scale=scale, policy=policy, out=out, sku_share=sku_share,
                         cover=cover, budget=budget, shards=shards, waves=waves, tradeoff=tradeoff, quiet=quiet)
    except DomainError as exc:
        raise CommandError(exc.message) from None


if __name__ == "__main__":
    main()
