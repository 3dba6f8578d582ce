"""The offline warranty case of DOMAIN.md in, the engine's answer out (`parts warranty --input`).

Shape and per-field rules are a marshmallow schema; dates that cannot have happened (a report
before the purchase, a repair completed before it was reported) are the engine's `Case` checks.
Either way a bad case raises `InvalidInput` with one line naming the field
(`repairs[0].completed_on: ...`). Unknown fields are refused, not ignored: a misspelt
`key_componet` must not silently turn a three-year part into a one-year one. `purchased_on`
must be present (null: no proof of purchase), so a forgotten date is not read as no proof.
"""
from __future__ import annotations

import json
import re
from datetime import date
from typing import TYPE_CHECKING, Any

from marshmallow import ValidationError, fields, validate

from .errors import InvalidInput
from .warranty import PRODUCT_LINES, PROOFS, USES, Case, Decision, Repair, decide
from .world_schema import SKU, Strict, plain_text

if TYPE_CHECKING:
    from .policy import Policy

ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
MESSAGES = {"required": "missing", "null": "must not be null"}


class CaseStrict(Strict):
    """Refuses unknown fields, in the same words as the ticket file (`attribution_io`)."""

    error_messages = {"unknown": "unknown field", "type": "expected a JSON object"}


class IsoDate(fields.Field):
    """A calendar date written YYYY-MM-DD, and nothing looser (no 20260301, no time of day)."""

    default_error_messages = MESSAGES

    def _deserialize(self, value, attr, data, **kwargs) -> date:
        if isinstance(value, str) and ISO_DATE.fullmatch(value):
            try:
                return date.fromisoformat(value)
            except ValueError:
                raise ValidationError(f"{value!r} is not a date on the calendar") from None
        raise ValidationError(f"{value!r} is not a date written YYYY-MM-DD")


class StrictBool(fields.Field):
    """JSON true or false: "yes" or 1 for a key component is a mistake to report, not to guess."""

    default_error_messages = MESSAGES

    def _deserialize(self, value, attr, data, **kwargs) -> bool:
        if isinstance(value, bool):
            return value
        raise ValidationError(f"{value!r} is not true or false")


def Text(**kwargs) -> fields.String:
    return fields.String(validate=[validate.Length(min=1, max=100), plain_text], error_messages=MESSAGES, **kwargs)


def Choice(choices: tuple[str, ...], what: str, **kwargs) -> fields.String:
    return fields.String(validate=validate.OneOf(choices, error=f"unknown {what} {{input!r}} (one of {{choices}})"),
                         error_messages=MESSAGES, **kwargs)


class PartSchema(CaseStrict):
    sku = fields.String(required=True, validate=SKU, error_messages=MESSAGES)
    key_component = StrictBool(required=True)
    fitted_on = IsoDate(load_default=None, allow_none=True)


class RepairSchema(CaseStrict):
    reported_on = IsoDate(required=True)
    completed_on = IsoDate(required=True, allow_none=True)
    fault = Text(required=True)
    visited = StrictBool(required=True)


class CaseSchema(CaseStrict):
    product_line = Choice(PRODUCT_LINES, "product line", required=True)
    use = Choice(USES, "use", required=True)
    purchased_on = IsoDate(required=True, allow_none=True)
    proof = Choice(PROOFS, "proof of purchase", load_default=None, allow_none=True)
    reported_on = IsoDate(required=True)
    fault = Text(required=True)
    part = fields.Nested(PartSchema, required=True, error_messages=MESSAGES)
    repairs = fields.List(fields.Nested(RepairSchema), load_default=list,
                          error_messages={**MESSAGES, "invalid": "expected a list"})


def _first_error(messages: Any, path: str = "") -> str:
    """Marshmallow's nested errors as 'repairs[0].fault: message' for the first problem."""
    if isinstance(messages, dict):
        key = next(iter(messages))
        if key == "_schema":
            sub = path
        elif isinstance(key, int):
            sub = f"{path}[{key}]"
        else:
            sub = f"{path}.{key}" if path else str(key)
        return _first_error(messages[key], sub)
    text = messages[0] if isinstance(messages, list) else str(messages)
    if isinstance(text, (dict, list)):
        return _first_error(text, path)
    return f"{path}: {text}" if path else text


def parse_case(data: Any) -> Case:
    """The case JSON as a `Case`; raises InvalidInput naming the first bad field."""
    if not isinstance(data, dict):
        raise InvalidInput("case: expected a JSON object", code="warranty.case_not_an_object")
    try:
        values = CaseSchema().load(data)
    except ValidationError as exc:
        raise InvalidInput(_first_error(exc.messages), code="warranty.invalid_case") from None
    part = values["part"]
    repairs = tuple(Repair(**r) for r in values["repairs"])
    return Case(product_line=values["product_line"], use=values["use"], purchased_on=values["purchased_on"],
                reported_on=values["reported_on"], fault=values["fault"], key_component=part["key_component"],
                fitted_on=part["fitted_on"], repairs=repairs, proof=values["proof"], sku=part["sku"])


def decision_to_dict(decision: Decision) -> dict[str, Any]:
    """DOMAIN.md's shape, in its order: in_warranty, basis, until, sanbao."""
    return {"in_warranty": decision.in_warranty, "basis": decision.basis,
            "until": decision.until.isoformat() if decision.until else None, "sanbao": decision.sanbao}


def warranty_from_json(data: Any, policy: Policy) -> dict[str, Any]:
    return decision_to_dict(decide(parse_case(data), policy))


def read_case_file(path: str) -> Any:
    """The file's JSON; unreadable or malformed files raise InvalidInput in one line."""
    try:
        with open(path, encoding="utf-8") as fh:
            return json.load(fh)
    except FileNotFoundError:
        raise InvalidInput("no such file", code="warranty.no_file", path=path) from None
    except IsADirectoryError:
        raise InvalidInput("is a directory, not a case file", code="warranty.file_is_directory", path=path) from None
    except PermissionError:
        raise InvalidInput("not readable (permission denied)", code="warranty.file_not_readable", path=path) from None
    except UnicodeDecodeError as exc:
        raise InvalidInput(f"not UTF-8 ({exc.reason} at byte {exc.start})", code="warranty.file_not_utf8",
                           reason=exc.reason, byte=exc.start) from None
    except json.JSONDecodeError as exc:
        raise InvalidInput(f"malformed JSON at line {exc.lineno} column {exc.colno}: {exc.msg}",
                           code="warranty.malformed_json", line=exc.lineno, column=exc.colno, error=exc.msg) from None
    except RecursionError:
        raise InvalidInput("JSON nested too deeply", code="warranty.nested_too_deeply") from None
