"""The web blueprint: sign-in, the start page, language, health, and the shared hooks.

Clerk pages live in `clerk.py` and `returns.py`, HQ pages in `hq.py`, spreadsheet imports
(HQ's and a clerk's stock counts) in `imports.py`; they add their routes to this blueprint.
Views parse, authorise, call the domain inside `transaction()` (`actions.py`), render.
"""
from __future__ import annotations

from decimal import Decimal
from urllib.parse import urlsplit

from flask import (abort, current_app, flash, g, redirect, render_template, request,
                   url_for)
from flask_babel import format_datetime, format_decimal, get_locale
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from sqlalchemy import select
from werkzeug.exceptions import HTTPException

from inventory.access import USER_ROLES, end_sessions
from inventory.db import database_unavailable, transaction, utcnow
from inventory.errors import DomainError

from ..errors import DATABASE_RETRY_SECONDS, status_of
from ..extensions import db
from . import labels
from .reasons import reason_label
from . import signin as signin_guard  # the sign-in guard: attempts, locks
from .auth import (PUBLIC, actor_name, load_user, login_redirect, login_required, public, sign_in,
                   sign_out, start_page)
from .forms import ActionForm, LoginForm
from .blueprint import bp
from .refusals import refusal



# -- hooks -------------------------------------------------------------------------------------

@bp.before_request
def guard():
    """Refuse views that declare no access, send visitors without a session to /login, then
    check the CSRF token of every state-changing request."""
    if request.endpoint == "web.static":
        return None
    view = current_app.view_functions.get(request.endpoint)
    access = getattr(view, "web_access", None)
    if access is None:
        abort(403)
    if access is not PUBLIC and load_user() is None:
        return login_redirect()
    if current_app.config.get("WTF_CSRF_ENABLED", True):
        current_app.extensions["csrf"].protect()
    return None


@bp.after_request
def no_store(response):
    """Signed-in pages hold stock and money figures: keep them out of shared caches."""
    if request.endpoint != "web.static" and g.get("web_user") is not None:
        response.headers.setdefault("Cache-Control", "no-store")
    return response


@bp.app_context_processor
def page_globals():
    user = g.get("web_user")
    return {"current_user": user, "lang_url": lang_url, "page_url": page_url, "actor_name": actor_name,
            "logout_form": ActionForm(prefix="logout") if user else None,
            "get_locale_name": lambda: get_locale().language, "status_label": labels.status_label,
            "purchase_note": labels.purchase_note, "hq_code": _hq_code,
            "movement_label": labels.movement_label, "return_kind_label": labels.return_kind_label, "now": utcnow,
            "plan_trigger_label": labels.plan_trigger_label, "actor_label": labels.actor_label,
            "reason_label": reason_label, "quota_kind_label": labels.quota_kind_label,
            "warehouse_kind_label": labels.warehouse_kind_label}


def page_url(page: int, endpoint: str | None = None) -> str:
    """This page's address at another page number; `endpoint`: the list's own page, when this one
    was drawn by a form's POST (a refused approval re-renders the list under the form's address)."""
    args = request.args.to_dict()
    args["page"] = page
    return url_for(endpoint or request.endpoint, **(request.view_args or {}), **args)


def lang_url(lang: str) -> str:
    args = request.args.to_dict()
    args["lang"] = lang
    if request.endpoint and request.method == "GET":
        return url_for(request.endpoint, **(request.view_args or {}), **args)
    return url_for("web.index", lang=lang)


def _hq_code() -> str | None:
    """The HQ warehouse's code (its clerk receives the suppliers' deliveries), once per request."""
    if "hq_code" not in g:
        from inventory.network import hq_code

        g.hq_code = hq_code(db.session)
    return g.hq_code


@bp.app_template_filter("money")
def money(value) -> str:
    if value is None:
        return ""
    return format_decimal(Decimal(value), format="#,##0.00")


@bp.app_template_filter("money0")
def money0(value) -> str:
    return "" if value is None else format_decimal(Decimal(value), format="#,##0")


@bp.app_template_filter("num")
def num(value) -> str:
    return "" if value is None else format_decimal(value, format="#,##0")


@bp.app_template_filter("when")
def when(value, fmt: str = "yyyy-MM-dd HH:mm") -> str:
    return "" if value is None else format_datetime(value, fmt)


@bp.app_template_filter("pct")
def pct(value) -> str:
    return "" if value is None else f"{float(value) * 100:.1f}%"


# -- errors as pages ---------------------------------------------------------------------------

@bp.errorhandler(CSRFError)
def csrf_refused(error: CSRFError):
    db.session.rollback()
    return render_template("error.html", code=400, title=_("The form has expired"),
                           detail=_("The form was sent without a valid security token. Go back, reload the page and try again.")), 400


@bp.errorhandler(HTTPException)
def http_error(error: HTTPException):
    if error.code == 401:
        return login_redirect()
    titles = {403: _("Not allowed"), 404: _("Not found"), 405: _("Not allowed this way"),
              413: _("The file is too large")}
    details = {403: _("Your account may not open this page."),
               404: _("There is no such page or record."),
               413: _("Upload at most %(mb)s MB.", mb=current_app.config["MAX_CONTENT_LENGTH"] // (1024 * 1024))}
    return render_template("error.html", code=error.code, title=titles.get(error.code, error.name),
                           detail=details.get(error.code, error.description)), error.code


@bp.errorhandler(DomainError)
def domain_error(error: DomainError):
    db.session.rollback()
    status = status_of(error)
    return render_template("error.html", code=status, title=_("Refused"), detail=refusal(error)), status


@bp.errorhandler(Exception)
def unexpected(error: Exception):
    db.session.rollback()
    if database_unavailable(error):
        current_app.logger.warning("web page: database unavailable (%s)", error.__class__.__name__)
        # drawn as a signed-out page: the top bar's user (expired by the rollback) would be read
        # back from the database that is not answering, and the error page would fail in turn
        return render_template("error.html", code=503, title=_("The database is not answering"),
                               detail=_("Nothing was saved. Try again in a moment."), current_user=None,
                               logout_form=None), 503, {"Retry-After": str(DATABASE_RETRY_SECONDS)}
    current_app.logger.exception("web page failed")
    return render_template("error.html", code=500, title=_("Something went wrong"),
                           detail=_("The error has been logged. Nothing was saved.")), 500


# -- sign-in -----------------------------------------------------------------------------------

def _safe_next(target: str | None) -> str | None:
    """A local path to go back to after sign-in; anything pointing off-site is ignored."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    parts = urlsplit(target)
    return target if not parts.scheme and not parts.netloc else None


@bp.route("/login", methods=["GET", "POST"])
@public
def login():
    form = LoginForm()
    user = load_user()
    if request.method == "GET" and user is not None:
        return redirect(start_page(user))
    if form.validate_on_submit():
        outcome = signin_guard.attempt(form.username.data.strip(), form.password.data)
        if outcome.user is not None:
            sign_in(outcome.user)
            g.web_user = outcome.user
            return redirect(_safe_next(request.args.get("next")) or start_page(outcome.user))
        if outcome.lock is not None:  # 429 whether or not the username exists
            form.password.errors.append(signin_guard.lock_message(outcome.lock))
            return render_template("login.html", form=form), 429, {"Retry-After": signin_guard.retry_after(outcome.lock)}
        form.password.errors.append(_("Wrong username or password."))
    return render_template("login.html", form=form)


@bp.post("/logout")
@login_required(USER_ROLES)
def logout():
    with transaction(db.session):
        end_sessions(db.session, g.web_user)
    sign_out()
    g.web_user = None
    flash(_("You have signed out."), "info")
    return redirect(url_for("web.login"))


@bp.get("/")
@login_required(USER_ROLES)
def index():
    return redirect(start_page(g.web_user))


@bp.get("/healthz")
@public
def healthz():
    db.session.execute(select(1))
    return {"status": "ok"}
