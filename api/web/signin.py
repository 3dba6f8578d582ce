"""The sign-in guard on the web (`inventory.signin`): each attempt through it, its refusal in
the page's language, and HQ's page of the locks in force, where HQ lifts one early."""
from __future__ import annotations

from datetime import datetime

from flask import current_app, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField
from wtforms.validators import DataRequired, Length

from inventory import signin
from inventory.db import transaction, utcnow
from inventory.policy import load_policy

from ..extensions import db
from .actions import carried_out
from .auth import actor_name, login_required
from .exports import Column, Table, download
from .forms import choice
from .blueprint import bp


def now() -> datetime:
    """The guard's clock: `SIGNIN_CLOCK` in the app's config when a test drives time, else UTC now."""
    return (current_app.config.get("SIGNIN_CLOCK") or utcnow)()


def store() -> signin.Store:
    return signin.store_for(db.session, current_app.config.get("SIGNIN_STORAGE_URI"),
                            current_app.config.get("SIGNIN_KEY_PREFIX", "signin:"))


def attempt(username: str, password: str) -> signin.Outcome:
    """One sign-in from this request's address, committed whatever its outcome (the failure
    counts and the audit rows must stay when the answer is no)."""
    with transaction(db.session):
        limits = signin.Limits.from_policy(load_policy(db.session))
        return signin.attempt(db.session, store(), username, password, request.remote_addr or "unknown",
                              now=now(), limits=limits)


def lock_message(lock: signin.Lock) -> str:
    """The same words for a username that exists and one that does not."""
    minutes = lock.minutes_left(now())
    if lock.scope == signin.USER:
        return _("Too many failed sign-ins for this username. Try again in %(minutes)s minutes, "
                 "or ask HQ to unlock it.", minutes=minutes)
    return _("Too many failed sign-ins from this network address. Try again in %(minutes)s minutes.",
             minutes=minutes)


def retry_after(lock: signin.Lock) -> str:
    return str(max(1, int((lock.until - now()).total_seconds())))


# -- HQ: the locks in force ----------------------------------------------------------------------

SCOPES = {signin.USER: _l("Username"), signin.ADDRESS: _l("Network address")}


class UnlockForm(FlaskForm):
    scope = SelectField(_l("Kind"), choices=[choice(k, v) for k, v in SCOPES.items()], default=signin.USER)
    name = StringField(_l("Username or address"), validators=[DataRequired(), Length(max=64)],
                       filters=[lambda v: v.strip() if isinstance(v, str) else v])


def _render_locks(form: UnlockForm | None = None, status: int = 200):
    policy = load_policy(db.session)
    guard, at = store(), now()
    locks = signin.locks(guard, at)
    return render_template("hq/signin_locks.html", locks=locks, refused=signin.refusals(guard, locks, at),
                           scopes=SCOPES, form=form or UnlockForm(formdata=None), policy=policy), status


@bp.get("/hq/sign-in-locks")
@login_required("hq")
def signin_locks():
    return _render_locks()


LOCKS = [Column(_l("Kind")), Column(_l("Username or address")), Column(_l("Locked until"), "datetime"),
         Column(_l("Refused while locked"), "int")]


@bp.get("/hq/sign-in-locks/export.<fmt>")
@login_required("hq")
def signin_locks_export(fmt: str):
    """The locks the page lists, as a file (who is locked out, until when, how often refused)."""
    guard, at = store(), now()
    locks = signin.locks(guard, at)
    refused = signin.refusals(guard, locks, at)
    rows = [(SCOPES[scope], name, until, refused.get((scope, name), 0)) for scope, name, until in locks]
    return download("sign-in-locks", fmt, Table(_l("Sign-in locks"), LOCKS, rows))


@bp.post("/hq/sign-in-locks")
@login_required("hq")
def signin_unlock():
    form = UnlockForm()
    if form.validate() and carried_out(form.name, lambda: signin.unlock(
            db.session, store(), form.scope.data, form.name.data, actor=actor_name(g.web_user), now=now())):
        flash(_("%(name)s can sign in again.", name=form.name.data), "success")
        return redirect(url_for("web.signin_locks"))
    return _render_locks(form, status=422)
