"""HQ spreadsheet import: upload, preview every problem, then confirm (or nothing is written).

Between preview and confirm the parsed rows wait in a file under the instance folder, named
by a random token and bound to the user who uploaded them; confirming checks them again
against the database as it is then, and writes them in one transaction.
"""
from __future__ import annotations

import json
import os
import re
import secrets
import time
from pathlib import Path

from flask import abort, current_app, flash, g, redirect, render_template, url_for
from flask_babel import gettext as _

from inventory.db import transaction
from inventory.errors import DomainError

from ..extensions import db
from . import spreadsheet
from .auth import actor_name, login_required
from .forms import IMPORT_KINDS, ActionForm, ImportForm
from .views import bp

PENDING_SECONDS = 3600
TOKEN = re.compile(r"^[A-Za-z0-9_-]{20,64}$")


def _folder() -> Path:
    folder = Path(current_app.config.get("WEB_IMPORT_FOLDER") or Path(current_app.instance_path) / "web-imports")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _sweep(folder: Path) -> None:
    cutoff = time.time() - PENDING_SECONDS
    for path in folder.glob("*.json"):
        if path.stat().st_mtime < cutoff:
            path.unlink(missing_ok=True)


def _save(kind: str, filename: str, rows: list[dict]) -> str:
    folder = _folder()
    _sweep(folder)
    token = secrets.token_urlsafe(24)
    path = folder / f"{token}.json"
    with open(path, "w", encoding="utf-8") as fh:
        json.dump({"user": g.web_user.username, "kind": kind, "filename": filename, "rows": rows}, fh,
                  ensure_ascii=False)
    os.chmod(path, 0o600)
    return token


def _pending(token: str) -> tuple[Path, dict]:
    if not TOKEN.match(token):
        abort(404)
    path = _folder() / f"{token}.json"
    if not path.exists() or path.stat().st_mtime < time.time() - PENDING_SECONDS:
        abort(404)
    with open(path, encoding="utf-8") as fh:
        pending = json.load(fh)
    if pending.get("user") != g.web_user.username:
        abort(404)
    return path, pending


def _preview(form, checked, token, filename, status):
    return render_template("hq/import.html", form=form, checked=checked, token=token, filename=filename,
                           columns=spreadsheet.COLUMNS, kind_labels=IMPORT_KINDS, action=ActionForm(prefix="confirm")), status


@bp.get("/hq/import")
@login_required("hq")
def import_start():
    return _preview(ImportForm(), None, None, None, 200)


@bp.post("/hq/import")
@login_required("hq")
def import_upload():
    form = ImportForm()
    if not form.validate_on_submit():
        return _preview(form, None, None, None, 422)
    upload = form.file.data
    try:
        rows = spreadsheet.read_table(upload.filename, upload.read(), current_app.config["WEB_IMPORT_MAX_ROWS"])
    except spreadsheet.TableError as error:
        form.file.errors.append(str(error))
        return _preview(form, None, None, None, 422)
    checked = spreadsheet.check(db.session, form.kind.data, rows)
    db.session.rollback()  # the check only read
    token = _save(form.kind.data, upload.filename, rows) if checked.ok else None
    return _preview(form, checked, token, upload.filename, 200 if checked.ok else 422)


@bp.post("/hq/import/<token>/confirm")
@login_required("hq")
def import_confirm(token: str):
    path, pending = _pending(token)
    try:
        with transaction(db.session):
            checked = spreadsheet.check(db.session, pending["kind"], pending["rows"])
            if not checked.ok:
                raise _StillBad(checked)
            written = spreadsheet.apply(db.session, checked, actor=actor_name(g.web_user))
    except _StillBad as bad:
        path.unlink(missing_ok=True)
        return _preview(ImportForm(formdata=None, kind=pending["kind"]), bad.checked, None, pending["filename"], 409)
    except DomainError as error:
        flash(_("Nothing was imported: %(error)s", error=error.message), "error")
        return redirect(url_for("web.import_start"))
    path.unlink(missing_ok=True)
    flash(_("Imported %(file)s: %(rows)s rows, %(written)s changes written.", file=pending["filename"],
            rows=len(checked.rows), written=written), "success")
    return redirect(url_for("web.import_start"))


@bp.post("/hq/import/<token>/discard")
@login_required("hq")
def import_discard(token: str):
    path, _pending_rows = _pending(token)
    path.unlink(missing_ok=True)
    flash(_("Import discarded; nothing was written."), "info")
    return redirect(url_for("web.import_start"))


class _StillBad(Exception):
    """The rows no longer pass against the database as it is now: roll back, show why."""

    def __init__(self, checked):
        super().__init__("import no longer valid")
        self.checked = checked
