"""Web sign-in (WORLD.md "Web sign-in") and who may open which page.

Every view of the blueprint declares its access with one of the decorators below; the
blueprint's `before_request` refuses any view that declares none, so a new page is closed
until someone says who may see it.
"""
from __future__ import annotations

import functools
import hashlib
from dataclasses import dataclass

from flask import abort, g, redirect, request, session, url_for

from inventory.access import CENTER, WEB_ROLES, User
from inventory.network import Warehouse

from ..extensions import db


@dataclass(frozen=True)
class Access:
    """Who may open a view: `roles`; `warehouse` views also bind a clerk to their warehouse
    and let HQ read (GET) but not write."""

    roles: tuple[str, ...] = ()
    public: bool = False
    warehouse: bool = False


PUBLIC = Access(public=True)


def _fingerprint(user: User) -> str:
    """Changes when the password or the session epoch does (a new password, a logout), so
    either signs out the cookies issued before."""
    return hashlib.sha256(f"{user.password_hash}:{user.session_epoch or 0}".encode()).hexdigest()[:16]


def sign_in(user: User) -> None:
    lang = session.get("lang")
    session.clear()
    session.permanent = True
    session["user"] = user.username
    session["auth"] = _fingerprint(user)
    if lang:
        session["lang"] = lang


def sign_out() -> None:
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang


def load_user() -> User | None:
    """The signed-in user of this request, or None (no session, or a stale one)."""
    if "web_user" not in g:
        user = None
        username = session.get("user")
        if username:
            user = db.session.get(User, username)
            if user is None or session.get("auth") != _fingerprint(user):
                user = None
                sign_out()
        g.web_user = user
    return g.web_user


def current_user() -> User:
    user = load_user()
    if user is None:  # the blueprint redirects first; this is the backstop
        abort(401)
    return user


def actor_name(user: User) -> str:
    """How the ledger and histories name a web user: `clerk:alice`, `hq:bob`."""
    return f"{user.role}:{user.username}"


def start_page(user: User) -> str:
    if user.role == "clerk":
        return url_for("web.warehouse_home", wh=user.warehouse_code)
    if user.role == CENTER:
        return url_for("web.center_home", center=user.center_code)
    return url_for("web.dashboard")


def login_redirect():
    target = request.full_path if request.method == "GET" else None
    if target and target.endswith("?"):
        target = target[:-1]
    return redirect(url_for("web.login", next=target) if target and target != "/" else url_for("web.login"))


def public(view):
    view.web_access = PUBLIC
    return view


def login_required(role: str | tuple[str, ...] | None = None):
    """Signed-in users of `role` (one or several; default any web role); others get 403."""
    roles = (role,) if isinstance(role, str) else tuple(role or WEB_ROLES)

    def decorate(view):
        @functools.wraps(view)
        def wrapper(*args, **kwargs):
            if current_user().role not in roles:
                abort(403)
            return view(*args, **kwargs)

        wrapper.web_access = Access(roles=roles)
        return wrapper

    return decorate


def warehouse_page(view):
    """A page of one warehouse (`<wh>` in the URL): its clerks may do everything there,
    HQ may look (GET) but not act, clerks of other warehouses get 403."""

    @functools.wraps(view)
    def wrapper(wh: str, *args, **kwargs):
        user = current_user()
        if user.role == "clerk" and user.warehouse_code != wh:
            abort(403)
        if user.role == "hq" and request.method not in ("GET", "HEAD"):
            abort(403)
        if user.role not in WEB_ROLES:
            abort(403)
        warehouse = db.session.get(Warehouse, wh)
        if warehouse is None:
            abort(404)
        g.warehouse = warehouse
        return view(warehouse, *args, **kwargs)

    wrapper.web_access = Access(roles=WEB_ROLES, warehouse=True)
    return wrapper


def may_act_in(user: User, warehouse_code: str) -> bool:
    return user.role == "clerk" and user.warehouse_code == warehouse_code
