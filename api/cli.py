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
def keys_create(dealer, service_point, call_center, hq):
    """Print a new API key once (the last token on stdout)."""
    from inventory.access import create_key

    chosen = [(r, c) for r, c, on in (("dealer", dealer, dealer), ("service_point", service_point, service_point),
                                      ("call_center", None, call_center), ("hq", None, hq)) if on]
    if len(chosen) != 1:
        raise click.UsageError("give exactly one of --dealer, --service-point, --call-center, --hq")
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
@click.option("--password-stdin", is_flag=True, required=True, help="read the password from stdin")
def users_create(username, warehouse, hq, password_stdin):
    """Create a clerk (bound to a warehouse) or an HQ web user."""
    from inventory.access import create_user

    if bool(warehouse) == bool(hq):
        raise click.UsageError("give exactly one of --clerk WAREHOUSE or --hq")
    password = sys.stdin.readline().rstrip("\r\n")
    with session_scope() as session:
        create_user(session, username, password, "hq" if hq else "clerk", warehouse)
    click.echo(f"user {username} created")


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
