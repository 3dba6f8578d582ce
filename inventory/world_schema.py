"""The world JSON of WORLD.md as marshmallow schemas: shape and per-field rules only.

Cross-record rules (references, duplicates) live in `world.py`, which also names the record
and field of the first problem in one line.
"""
from __future__ import annotations

import re
from decimal import Decimal

from marshmallow import RAISE, Schema, ValidationError, fields, validate

from .network import CITY_TIERS

MAX_MONEY = Decimal("1000000000")
MAX_QTY = 10_000_000
CODE = validate.Regexp(r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,15}$", error="must be 1-16 letters, digits, '-', '_' or '.'")
SKU = validate.Regexp(r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,39}$", error="must be 1-40 letters, digits, '-', '_' or '.'")


def plain_text(value: str) -> None:
    """Text a database column can hold: no NUL (PostgreSQL refuses it), no lone surrogates."""
    if "\x00" in value or any(0xD800 <= ord(ch) <= 0xDFFF for ch in value):
        raise ValidationError("must not contain NUL or unpaired surrogate characters")


def money_rule(value: Decimal) -> None:
    if not value.is_finite() or value < 0 or value > MAX_MONEY:
        raise ValidationError(f"must be between 0 and {MAX_MONEY}")
    if value != value.quantize(Decimal("0.01")):
        raise ValidationError("must have at most two decimal places")


DECIMAL_TEXT = re.compile(r"-?[0-9]+(\.[0-9]+)?")  # ASCII digits: Decimal() also reads "１２３", "1_000", " 12"


class Money(fields.Decimal):
    """A decimal string ("125.00") or a JSON number parsed as Decimal; never a float."""

    def __init__(self, **kwargs):
        super().__init__(places=None, allow_nan=False, validate=money_rule, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, (bool, float)):
            raise ValidationError("must be a decimal string such as \"125.00\"")
        if isinstance(value, str) and not DECIMAL_TEXT.fullmatch(value):
            raise self.make_error("invalid")  # "Not a valid number.", as Decimal's own refusal
        return super()._deserialize(value, attr, data, **kwargs)


def Qty(minimum: int = 0, **kwargs):
    return fields.Integer(strict=True, validate=validate.Range(min=minimum, max=MAX_QTY), **kwargs)


def Name(max_length: int = 100, **kwargs):
    return fields.String(validate=[validate.Length(min=1, max=max_length), plain_text], **kwargs)


class Strict(Schema):
    class Meta:
        unknown = RAISE


class CenterSchema(Strict):
    code = fields.String(required=True, validate=CODE)
    name = Name(required=True)
    province = fields.String(required=True, validate=[validate.Length(min=1, max=20), plain_text])


class WarehouseSchema(Strict):
    code = fields.String(required=True, validate=CODE)
    name = Name(required=True)
    kind = fields.String(required=True, validate=validate.OneOf(("hq", "regional")))
    center = fields.String(required=True, allow_none=True)
    lat = fields.Float(required=True, allow_nan=False, validate=validate.Range(-90, 90))
    lon = fields.Float(required=True, allow_nan=False, validate=validate.Range(-180, 180))


class ServicePointSchema(Strict):
    code = fields.String(required=True, validate=CODE)
    name = Name(required=True)
    center = fields.String(required=True)
    province = fields.String(required=True, validate=[validate.Length(min=1, max=20), plain_text])
    distance_class = fields.String(required=True, validate=validate.OneOf(("urban", "remote")))
    lat = fields.Float(allow_nan=False, validate=validate.Range(-90, 90))
    lon = fields.Float(allow_nan=False, validate=validate.Range(-180, 180))
    city_tier = fields.String(validate=validate.OneOf(CITY_TIERS))  # absent: derived (network.derive_city_tier)


class DealerSchema(Strict):
    code = fields.String(required=True, validate=CODE)
    name = Name(required=True)
    ship_to = fields.List(fields.String(), required=True, validate=validate.Length(min=1))
    monthly_quota = Money(required=True)


class PartSchema(Strict):
    sku = fields.String(required=True, validate=SKU)
    name = Name(200, required=True)
    unit_price = Money(required=True)
    unit_cost = Money(required=True)
    weight_kg = fields.Float(load_default=0.0, allow_nan=False, validate=validate.Range(0, 10000))
    key_component = fields.Boolean(load_default=False)
    returnable = fields.Boolean(load_default=False)
    family = fields.String(required=True, validate=[validate.Length(min=1, max=40), plain_text])
    annual_demand = fields.Float(allow_nan=False, validate=validate.Range(0, 1e9))
    season = fields.String(validate=validate.Length(max=16))
    list_price = Money()  # the customer's price out of warranty; absent: the part's list price is left as it is
    replaced_by = fields.String(validate=SKU)  # 替代件: the newer sku that may serve this one's requests
    two_way = fields.Boolean()  # with replaced_by: the two serve each other's requests


class LaneSchema(Strict):
    from_ = fields.String(required=True, data_key="from")
    to = fields.String(required=True)
    hours = Qty(required=True, minimum=0)
    unit_cost = Money(required=True)


class StockSchema(Strict):
    warehouse = fields.String(required=True)
    sku = fields.String(required=True)
    qty = Qty(required=True, minimum=0)


class SupplierSchema(Strict):
    code = fields.String(required=True, validate=CODE)
    name = Name(200, required=True)
    lead_days = Qty(required=True, minimum=0)


class SupplierPartSchema(Strict):
    supplier = fields.String(required=True)
    sku = fields.String(required=True)
    unit_price = Money(required=True)
    min_order = Qty(load_default=1, minimum=1)
    pack_size = Qty(load_default=1, minimum=1)


SECTIONS = {
    "centers": (CenterSchema, "code"),
    "warehouses": (WarehouseSchema, "code"),
    "service_points": (ServicePointSchema, "code"),
    "dealers": (DealerSchema, "code"),
    "parts": (PartSchema, "sku"),
    "lanes": (LaneSchema, None),
    "stock": (StockSchema, None),
    "suppliers": (SupplierSchema, "code"),
    "supplier_parts": (SupplierPartSchema, None),
}
