"""Spreadsheet import: upload, preview every problem, then confirm (or nothing is written).

Three desks take the same steps: HQ's (`/hq/import`: parts, service points, stock counts and
bins of any warehouse) and a warehouse's two (`/w/<wh>/import`: its clerk's stock counts of that
warehouse only; `/w/<wh>/bins/import`: its bins). Between preview and confirm the parsed rows wait in a file under the instance folder,
named by a random token and bound to the user who uploaded them and to the desk; confirming
checks them again against the database as it is then, and writes them in one transaction.
"""
from __future__ import annotations

import json
import os
import re
import secrets
import time
from dataclasses import dataclass, replace
from pathlib import Path

from flask import abort, current_app, flash, g, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_wtf import FlaskForm

from inventory.db import transaction
from inventory.errors import DomainError
from inventory.network import Warehouse

from ..extensions import db
from . import spreadsheet
from .auth import actor_name, login_required, warehouse_page
from .forms import IMPORT_KINDS, ActionForm, BinImportForm, CountImportForm, ImportForm
from .refusals import refusal
from .blueprint import bp


@bp.app_template_global()
def column_label(name: str) -> str:
    """A spreadsheet column as the page's language calls it (its first Chinese header on a Chinese
    page; the file's own key otherwise)."""
    from flask_babel import get_locale

    locale = get_locale()
    return spreadsheet.HEADER_ZH.get(name, name) if locale is not None and locale.language == "zh" else name

PENDING_SECONDS = 3600
TOKEN = re.compile(r"^[A-Za-z0-9_-]{20,64}$")


@dataclass(frozen=True)
class Desk:
    """Where an import is made. Its views are the endpoints `<views>_start`, `_upload`, `_confirm`
    and `_discard`; `kind` fixes what a file holds (else the form asks) and `warehouse` limits
    every row to that warehouse."""

    views: str
    template: str
    form: type[FlaskForm]
    kind: str | None = None
    warehouse: Warehouse | None = None

    @property
    def warehouse_code(self) -> str | None:
        return self.warehouse.code if self.warehouse is not None else None

    def url(self, view: str, **values) -> str:
        if self.warehouse is not None:
            values["wh"] = self.warehouse.code
        return url_for(f"web.{self.views}_{view}", **values)

    def at(self, warehouse: Warehouse | None = None) -> Desk:
        """This desk at `warehouse` (a warehouse page's), or as it is (HQ's)."""
        return self if warehouse is None else replace(self, warehouse=warehouse)


HQ_DESK = Desk("import", "hq/import.html", ImportForm)
COUNT_DESK = Desk("count_import", "clerk/import.html", CountImportForm, kind="stock_counts")  # at a warehouse
BIN_DESK = Desk("bin_import", "clerk/import.html", BinImportForm, kind="bins")  # at a warehouse


# -- rows waiting between preview and confirm ----------------------------------------------------

def _folder() -> Path:
    folder = Path(current_app.config.get("WEB_IMPORT_FOLDER") or Path(current_app.instance_path) / "web-imports")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _sweep(folder: Path) -> None:
    cutoff = time.time() - PENDING_SECONDS
    for path in folder.glob("*.json"):
        if path.stat().st_mtime < cutoff:
            path.unlink(missing_ok=True)


def _save(desk: Desk, kind: str, filename: str, rows: list[dict]) -> str:
    folder = _folder()
    _sweep(folder)
    token = secrets.token_urlsafe(24)
    path = folder / f"{token}.json"
    with open(path, "w", encoding="utf-8") as fh:
        json.dump({"user": g.web_user.username, "warehouse": desk.warehouse_code, "kind": kind,
                   "filename": filename, "rows": rows}, fh, ensure_ascii=False)
    os.chmod(path, 0o600)
    return token


def _pending(desk: Desk, token: str) -> tuple[Path, dict]:
    """The rows waiting under `token` for this user at this desk; anyone else's are not found."""
    if not TOKEN.match(token):
        abort(404)
    path = _folder() / f"{token}.json"
    if not path.exists() or path.stat().st_mtime < time.time() - PENDING_SECONDS:
        abort(404)
    with open(path, encoding="utf-8") as fh:
        pending = json.load(fh)
    if pending.get("user") != g.web_user.username or pending.get("warehouse") != desk.warehouse_code:
        abort(404)
    return path, pending


# -- the steps, the same at every desk -----------------------------------------------------------

def _page(desk: Desk, form, checked=None, token=None, filename=None, status=200):
    return render_template(desk.template, desk=desk, warehouse=desk.warehouse, form=form, checked=checked,
                           token=token, filename=filename, columns=spreadsheet.COLUMNS, kind_labels=IMPORT_KINDS,
                           action=ActionForm(prefix="confirm")), status


def _upload(desk: Desk):
    form = desk.form()
    if not form.validate_on_submit():
        return _page(desk, form, status=422)
    upload, kind = form.file.data, desk.kind or form.kind.data
    try:
        rows = spreadsheet.read_table(upload.filename, upload.read(), current_app.config["WEB_IMPORT_MAX_ROWS"])
    except spreadsheet.TableError as error:
        form.file.errors.append(str(error))
        return _page(desk, form, status=422)
    checked = spreadsheet.check(db.session, kind, rows, warehouse=desk.warehouse_code)
    db.session.rollback()  # the check only read
    token = _save(desk, kind, upload.filename, rows) if checked.ok else None
    return _page(desk, form, checked, token, upload.filename, 200 if checked.ok else 422)


def _confirm(desk: Desk, token: str):
    path, pending = _pending(desk, token)
    try:
        with transaction(db.session):
            checked = spreadsheet.check(db.session, pending["kind"], pending["rows"], warehouse=desk.warehouse_code)
            if not checked.ok:
                raise _StillBad(checked)
            written = spreadsheet.apply(db.session, checked, actor=actor_name(g.web_user),
                                        hq=desk.warehouse is None and g.web_user.role == "hq")
    except _StillBad as bad:
        path.unlink(missing_ok=True)
        form = desk.form(formdata=None, kind=pending["kind"])
        return _page(desk, form, bad.checked, None, pending["filename"], 409)
    except DomainError as error:
        flash(_("Nothing was imported: %(error)s", error=refusal(error)), "error")
        return redirect(desk.url("start"))
    path.unlink(missing_ok=True)
    flash(_("Imported %(file)s: %(rows)s rows, %(written)s changes written.", file=pending["filename"],
            rows=len(checked.rows), written=written), "success")
    if checked.waiting:
        flash(_("%(n)s counts beyond the cycle count tolerance were not posted: they wait for HQ's approval.",
                n=checked.waiting), "info")
    return redirect(desk.url("start"))


def _discard(desk: Desk, token: str):
    path, _pending_rows = _pending(desk, token)
    path.unlink(missing_ok=True)
    flash(_("Import discarded; nothing was written."), "info")
    return redirect(desk.url("start"))


class _StillBad(Exception):
    """The rows no longer pass against the database as it is now: roll back, show why."""

    def __init__(self, checked):
        super().__init__("import no longer valid")
        self.checked = checked


# -- the desks' routes: HQ's (every kind), a warehouse's stock counts (HQ may look), its bins (库位) --

def _desk_routes(path: str, guard, desk: Desk) -> None:
    """A desk's four steps as routes under `path`, endpoints `<views>_start`, `_upload`, `_confirm`
    and `_discard`; `guard` decides who may and, on a warehouse page, names the warehouse."""

    def start(warehouse=None):
        return _page(desk.at(warehouse), desk.form())

    def upload(warehouse=None):
        return _upload(desk.at(warehouse))

    def confirm(warehouse=None, *, token: str):
        return _confirm(desk.at(warehouse), token)

    def discard(warehouse=None, *, token: str):
        return _discard(desk.at(warehouse), token)

    views = desk.views
    bp.add_url_rule(path, f"{views}_start", guard(start), methods=["GET"])
    bp.add_url_rule(path, f"{views}_upload", guard(upload), methods=["POST"])
    bp.add_url_rule(f"{path}/<token>/confirm", f"{views}_confirm", guard(confirm), methods=["POST"])
    bp.add_url_rule(f"{path}/<token>/discard", f"{views}_discard", guard(discard), methods=["POST"])


_desk_routes("/hq/import", login_required("hq"), HQ_DESK)
_desk_routes("/w/<wh>/import", warehouse_page, COUNT_DESK)
_desk_routes("/w/<wh>/bins/import", warehouse_page, BIN_DESK)
