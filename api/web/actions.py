"""One domain action per request, as every page runs it: in one transaction, a refusal turned
into words for the page (`refusals.refusal`) and a record that cannot be found into a 404."""
from __future__ import annotations

from collections.abc import Callable, Mapping

from flask import abort, flash, redirect
from wtforms import Field

from inventory.db import transaction
from inventory.errors import DomainError, NotFound

from ..extensions import db
from .refusals import refusal


def refused(action: Callable[[], object], table: Mapping[str, str] | None = None) -> str | None:
    """Run `action` in one transaction: None when it is done, else why the domain refused it
    (worded from `table` when a page has its own, see `refusals.refusal`)."""
    try:
        with transaction(db.session):
            action()
    except NotFound:
        abort(404)
    except DomainError as error:
        return refusal(error, table)
    return None


def row_action(action: Callable[[], object], row, shown: Callable[..., object], done: str, back: str, *,
               category: str = "success", table: Mapping[str, str] | None = None):
    """A page's button on one of its rows (ship, approve, receive...): `action` run as `refused`
    does; done, `done` is flashed and the browser goes `back`; refused, the page shows again
    (`shown(errors=..., status=409)`) with why beside `row`."""
    why = refused(action, table)
    if why:
        return shown(errors={row: why}, status=409)
    flash(done, category)
    return redirect(back)


def carried_out(field: Field, action: Callable[[], object]) -> bool:
    """Run `action` as `refused` does; a refusal is shown under `field` (the form shows again)."""
    why = refused(action)
    if why is not None:
        field.errors.append(why)
    return why is None
