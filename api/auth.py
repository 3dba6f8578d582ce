"""API keys on the wire: `Authorization: Bearer <key>` -> a Principal; role checks."""
from __future__ import annotations

import functools

from flask import g, request
from flask_smorest import abort

from inventory.access import Principal, authenticate

from .extensions import db


def current_principal() -> Principal:
    """The caller of this request; 401 when the key is missing, malformed, unknown or revoked."""
    if "principal" not in g:
        header = request.headers.get("Authorization", "")
        scheme, _, key = header.partition(" ")
        principal = authenticate(db.session, key.strip()) if scheme.lower() == "bearer" else None
        if principal is None:
            abort(401, message="a valid API key is required (Authorization: Bearer <key>)")
        if db.session.dirty:
            db.session.commit()  # the key's last-used time (at most once a minute); nothing else is pending
        g.principal = principal
    return g.principal


def rate_limit_key() -> str:
    """Limit per API key (its public prefix), else per client address."""
    header = request.headers.get("Authorization", "")
    parts = header.partition(" ")[2].strip().split("_", 2)
    return f"key:{parts[1]}" if len(parts) == 3 else f"ip:{request.remote_addr}"


def roles(*allowed: str):
    """Only these roles may call the view; others get 403 (the resource's existence is not at stake)."""

    def decorate(view):
        @functools.wraps(view)
        def wrapper(*args, **kwargs):
            principal = current_principal()
            if principal.role not in allowed:
                abort(403, message=f"a {principal.role.replace('_', ' ')} key may not do this")
            return view(*args, **kwargs)

        return wrapper

    return decorate
