"""The offline ticket JSON of API.md ("The same engine offline") in and the attribution dict out.

`parts attribute --input ticket.json` and the API both go through `attribution_from_json` /
`attribution_to_dict`, so a replayed dispute prints exactly what `GET /tickets/{t}` showed.
Bad input raises `InvalidInput` with one line naming the field (`events[2].at: ...`), and
unknown fields are refused rather than ignored: a misspelt `delivred_at` must not silently
turn a delivered part into an open wait.
"""
from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from .attribution import Attribution, Event, PartsWait, Piece, Ticket, attribute
from .errors import InvalidInput

if TYPE_CHECKING:
    from .policy import Policy

TICKET_FIELDS = {"ticket": True, "service_point": True, "center": True, "distance_class": True,
                 "family": True, "events": True, "parts_waits": False, "as_of": False, "center_warehouses": False}
EVENT_FIELDS = {"type": True, "at": True, "until": False, "note": False}
WAIT_FIELDS = {"requisition": True, "submitted_at": True, "promised_by": True, "delivered_at": False,
               "cause": True, "warehouse": False}
TIMESTAMPS = {"at", "until", "submitted_at", "promised_by", "delivered_at", "as_of"}


def _fail(path: str, message: str, code: str, **values) -> InvalidInput:
    return InvalidInput(f"{path}: {message}", code=code, field=path, **values)


def _fields(data: Any, spec: dict[str, bool], path: str) -> dict[str, Any]:
    """Check the object's keys against spec (name -> required); parse timestamps; return values."""
    where = f"{path}." if path else ""
    if not isinstance(data, dict):
        raise _fail(path or "ticket", "expected an object", "attribution.not_an_object")
    unknown = sorted(set(data) - set(spec))
    if unknown:
        raise _fail(where + unknown[0], "unknown field", "attribution.unknown_field")
    values = {}
    for name, required in spec.items():
        value = data.get(name)
        if value is None:
            if required:
                raise _fail(where + name, "missing", "attribution.missing")
            continue
        if name in TIMESTAMPS:
            value = _timestamp(value, where + name)
        elif name == "center_warehouses":
            if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
                raise _fail(where + name, "expected a list of warehouse codes", "attribution.not_a_code_list")
        elif name not in ("events", "parts_waits") and (not isinstance(value, str) or not value.strip()):
            raise _fail(where + name, "expected a non-empty string", "attribution.blank")
        values[name] = value
    return values


def _timestamp(value: Any, path: str) -> datetime:
    if not isinstance(value, str):
        raise _fail(path, f"{value!r} is not an ISO 8601 timestamp", "attribution.not_a_timestamp", value=value)
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise _fail(path, f"{value!r} is not an ISO 8601 timestamp", "attribution.not_a_timestamp",
                    value=value) from None
    if parsed.utcoffset() is None:
        raise _fail(path, f"timestamp {value!r} has no offset (add one, e.g. +08:00)", "attribution.without_offset",
                    value=value)
    return parsed


def _items(data: dict, name: str) -> list:
    items = data.get(name, [])
    if not isinstance(items, list):
        raise _fail(name, "expected a list", "attribution.not_a_list")
    return items


def _build(cls: type, values: dict[str, Any], path: str) -> Any:
    """Construct a model object; its own checks (until before at, unknown cause) get the path."""
    try:
        return cls(**values)
    except InvalidInput as error:
        raise _fail(f"{path}.{error.details.get('field', '')}".rstrip("."),
                    error.message.split(": ", 1)[-1], error.code, **error.values) from None


def parse_ticket(data: Any) -> Ticket:
    """The offline JSON (API.md) as a Ticket; raises InvalidInput naming the first bad field."""
    top = _fields(data, TICKET_FIELDS, "")
    events = tuple(_build(Event, _fields(item, EVENT_FIELDS, f"events[{i}]"), f"events[{i}]")
                   for i, item in enumerate(_items(data, "events")))
    waits = tuple(_build(PartsWait, _fields(item, WAIT_FIELDS, f"parts_waits[{i}]"), f"parts_waits[{i}]")
                  for i, item in enumerate(_items(data, "parts_waits")))
    try:
        return Ticket(code=top["ticket"], service_point=top["service_point"], center=top["center"],
                      distance_class=top["distance_class"], family=top["family"], events=events,
                      parts_waits=waits, center_warehouses=tuple(top.get("center_warehouses", ())))
    except InvalidInput as error:
        raise _fail(error.details.get("field", "ticket"), error.message.split(": ", 1)[-1], error.code,
                    **error.values) from None


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _piece(piece: Piece) -> dict[str, Any]:
    row = {"segment": piece.segment, "reason": piece.reason, "party": piece.party,
           "start": _iso(piece.start), "end": _iso(piece.end),
           "hours": round(piece.duration.total_seconds() / 3600, 2), "charged": piece.charged}
    if piece.requisitions:
        row["requisitions"] = list(piece.requisitions)
    return row


def attribution_to_dict(result: Attribution) -> dict[str, Any]:
    """The API.md shape (`late`, `late_hours`, `attribution`) plus HQ's extras; money as strings."""
    return {
        "ticket": result.ticket,
        "late": result.late,
        "late_hours": result.late_hours,
        "attribution": [{"party": c.party, "reason": c.reason, "hours": c.hours, "fine": str(c.fine),
                         **({"requisitions": list(c.requisitions)} if c.requisitions else {}),
                         **({"role": c.role} if c.role else {})}
                        for c in result.attribution],
        "fine_total": str(result.fine_total),
        "visit_bonus": str(result.visit_bonus),
        "completed_at": _iso(result.completed_at),
        "elapsed_hours": result.elapsed_hours,
        "excused_hours": result.excused_hours,
        "point_hours": result.point_hours,
        "parts_wait_hours": result.parts_wait_hours,
        "unexplained_parts_hours": result.unexplained_parts_hours,
        "within_3_days": result.within_3_days,
        "within_7_days": result.within_7_days,
        "over_7_days": result.over_7_days,
        "late_excluding_hq": result.late_excluding_hq,
        "over_7_days_excluding_hq": result.over_7_days_excluding_hq,
        "center_hours": result.center_hours,
        "over_7_days_center_cause": result.over_7_days_center_cause,
        "exchange_flag": result.exchange_flag,
        "segments": [_piece(p) for p in result.segments],
    }


def attribution_from_json(data: Any, policy: Policy, now: datetime | None = None) -> dict[str, Any]:
    """Parse, attribute, render. An open ticket is attributed up to `now`, else the file's
    optional `as_of`, else the current time; pass one of the first two to replay a dispute."""
    ticket = parse_ticket(data)
    as_of = now or (_timestamp(data["as_of"], "as_of") if data.get("as_of") is not None else None)
    return attribution_to_dict(attribute(ticket, policy, now=as_of))
