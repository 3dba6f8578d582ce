"""Report endpoints answer CSV as well as JSON: `Accept: text/csv` or `?format=csv`.

The CSV is made from the very JSON the endpoint would send, so the two cannot disagree: one row
per record of the report's list, a column per field (nested objects as `outer.inner`, lists
joined with "; "), JSON's own text for each value. A report with several lists picks one with
`?rows=` (the penalty report: `parties` or `centers`). Errors stay problem+json.
"""
from __future__ import annotations

import csv
import functools
import io

from flask import Response, request
from werkzeug.datastructures import ImmutableMultiDict

from ..errors import problem
from ..web.exports import defused

CSV = "text/csv"
OWN_ARGS = ("format", "rows")  # read here and hidden from the endpoint's strict query schema


def wants_csv() -> bool:
    """`?format=csv` decides; else the Accept header, JSON unless CSV is preferred."""
    fmt = request.args.get("format")
    if fmt is not None:
        return fmt == "csv"
    accept = request.accept_mimetypes
    return accept.best_match(["application/json", CSV]) == CSV


def _flat(record: dict, prefix: str = "") -> dict:
    out = {}
    for key, value in record.items():
        if isinstance(value, dict):
            out.update(_flat(value, f"{prefix}{key}."))
        else:
            out[prefix + key] = value
    return out


def _text(value) -> str:
    if value is None:
        return ""
    if value is True or value is False:
        return "true" if value else "false"
    if isinstance(value, list):
        return "; ".join(_text(v) for v in value)
    return defused(str(value))


def rows_to_csv(records: list[dict]) -> str:
    """A header of every field seen, in order of first appearance, then one line per record."""
    flat = [_flat(r) for r in records]
    header: list[str] = []
    for record in flat:
        header.extend(key for key in record if key not in header)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    for record in flat:
        writer.writerow([_text(record.get(key)) for key in header])
    return buffer.getvalue()


def csv_report(tables: dict[str, str | None] | None = None, name: str = "report"):
    """Let a JSON GET answer CSV too. `tables` maps `?rows=` values to the key of the body's list
    (the first is the default; None: the body is the list)."""
    tables = tables or {"": None}

    def decorate(view):
        @functools.wraps(view)
        def wrapper(*args, **kwargs):
            fmt, which = request.args.get("format"), request.args.get("rows")
            if fmt is not None and fmt not in ("csv", "json"):
                return problem(422, "Unprocessable Entity", "format must be csv or json",
                               errors={"format": ["must be csv or json"]})
            if which is not None and which not in tables:
                return problem(422, "Unprocessable Entity", f"rows must be one of {', '.join(tables)}",
                               errors={"rows": [f"must be one of {', '.join(tables)}"]})
            as_csv = wants_csv()
            request.args = ImmutableMultiDict([(k, v) for k, v in request.args.items(multi=True)
                                               if k not in OWN_ARGS])
            response = view(*args, **kwargs)
            if not as_csv or response.status_code != 200 or not response.is_json:
                return response
            body = response.get_json()
            key = tables[which if which is not None else next(iter(tables))]
            records = body if key is None else body[key]
            out = Response(rows_to_csv(records), mimetype=CSV, headers={
                "Content-Disposition": f'attachment; filename="{name}{"-" + which if which else ""}.csv"',
                "Vary": "Accept"})
            out.headers["Content-Type"] = "text/csv; charset=utf-8; header=present"
            if "X-Total-Count" in response.headers:
                out.headers["X-Total-Count"] = response.headers["X-Total-Count"]
            return out

        _document(wrapper, tables)
        return wrapper

    return decorate


def _document(view, tables: dict[str, str | None]) -> None:
    """Say it in the OpenAPI document: a text/csv answer beside the JSON, and how to ask for it."""
    choose = (f" `?rows=` picks the list: {', '.join(f'`{t}`' for t in tables)} (default `{next(iter(tables))}`)."
              if len(tables) > 1 else "")
    view._apidoc = dict(getattr(view, "_apidoc", {}))
    manual = dict(view._apidoc.get("manual_doc", {}))
    manual["description"] = ("Also CSV: `Accept: text/csv` or `?format=csv` (`?format=json` forces JSON): one line per "
                             "record, a column per field (nested objects as `outer.inner`)." + choose)
    manual["responses"] = {200: {"content": {CSV: {"schema": {"type": "string"}}}}}
    view._apidoc["manual_doc"] = manual
