"""The schemas' messages on an import row read in the page's language. Every format
`api/web/schema_messages.py` knows is provoked here from a real sheet, so a marshmallow upgrade
or a schema change that rewords one fails a test instead of showing English in the Chinese UI."""
from __future__ import annotations

import html
import io
import re

import pytest

from api.web import schema_messages, spreadsheet
from api.web.schema_messages import find
from inventory.db import make_session_factory

from .conftest import text

PART = {"sku": "WM-BELT-09", "name": "皮带", "unit_price": "18.00", "unit_cost": "9.50", "family": "twin_tub"}
POINT = {"code": "SP0901", "name": "测试网点", "center": "C-GD", "province": "广东", "distance_class": "urban"}

# msgid -> (kind, the cells of one row that provoke it)
PROVOKE = {
    "Missing data for required field.": ("parts", {**PART, "family": ""}),
    "Not a valid number.": ("parts", {**PART, "unit_price": "abc"}),
    "Special numeric values (nan or infinity) are not permitted.": ("parts", {**PART, "weight_kg": "nan"}),
    "Longer than maximum length %(max)s.": ("parts", {**PART, "season": "x" * 17}),
    "Length must be between %(min)s and %(max)s.": ("parts", {**PART, "family": "x" * 41}),
    "Must be greater than or equal to %(min)s and less than or equal to %(max)s.":
        ("parts", {**PART, "weight_kg": "20000"}),
    "Must be one of: %(choices)s.": ("service_points", {**POINT, "distance_class": "far"}),
    "must be 1-16 letters, digits, '-', '_' or '.'": ("service_points", {**POINT, "code": "网点一"}),
    "must be 1-40 letters, digits, '-', '_' or '.'": ("parts", {**PART, "sku": "WM BELT"}),
    "must not contain NUL or unpaired surrogate characters": ("parts", {**PART, "name": "皮\x00带"}),
    "must be between 0 and %(max)s": ("parts", {**PART, "unit_cost": "-1.00"}),
    "must have at most two decimal places": ("parts", {**PART, "unit_price": "18.005"}),
}


def sheet(kind: str, cells: dict) -> bytes:
    columns = [name for name, _ in spreadsheet.COLUMNS[kind]]
    return (",".join(columns) + "\n" + ",".join(cells.get(c, "") for c in columns) + "\n").encode()


def problems(app, engine, kind: str, cells: dict) -> list[str]:
    """The schema's messages for the row, in English (the words the table must match)."""
    rows = spreadsheet.read_table(f"{kind}.csv", sheet(kind, cells), 100)
    with app.test_request_context("/?lang=en"), make_session_factory(engine)() as session:
        return [str(p.message) for p in spreadsheet.check(session, kind, rows).problems]


def test_every_format_in_the_table_is_provoked_here():
    assert sorted(PROVOKE) == sorted(schema_messages.MESSAGES)


@pytest.mark.parametrize("msgid", schema_messages.MESSAGES)
def test_the_schema_still_words_each_message_as_the_table_expects(app, engine, msgid):
    kind, cells = PROVOKE[msgid]
    said = problems(app, engine, kind, cells)
    matched = [(m, found) for m in said if (found := find(m))]
    assert matched, f"the schema now says {said!r}; update schema_messages.py and messages_zh.py"
    message, (format_, values) = matched[0]
    assert format_ == msgid  # and no other format of the table claims it
    assert msgid % values == message  # English pages show marshmallow's words unchanged


def upload(client, kind: str, data: bytes, lang: str = ""):
    return client.post(f"/hq/import{lang}", {"kind": kind, "file": (io.BytesIO(data), f"{kind}.csv")},
                       token_from="/hq/import", content_type="multipart/form-data")


def cells_shown(response) -> list[str]:
    rows = re.findall(r'<tr><td class="n">\d+</td><td><code>[\w-]+</code></td><td>(.*?)</td></tr>', text(response))
    return [html.unescape(r) for r in rows]


def test_a_bad_sheet_reads_in_chinese_with_its_values(hq):
    response = upload(hq, "parts", sheet("parts", {**PART, "weight_kg": "20000", "family": "", "unit_price": "abc"}))
    assert response.status_code == 422
    shown = cells_shown(response)
    assert "必须大于等于 0 且小于等于 10000。" in shown
    assert "必填项缺少数据。" in shown and "不是有效的数字。" in shown
    assert not [m for m in shown if re.search(r"[A-Za-z]{4,}", m)]  # no English words left


def test_english_pages_keep_marshmallows_words(hq):
    hq.get("/hq/import?lang=en")
    response = upload(hq, "service_points", sheet("service_points", {**POINT, "distance_class": "far"}))
    assert "Must be one of: urban, remote." in cells_shown(response)


def test_a_message_the_table_does_not_know_keeps_its_words(app):
    with app.test_request_context("/?lang=zh"):
        assert str(schema_messages.schema_message("Not a valid mood.")) == "Not a valid mood."
        assert str(schema_messages.schema_message("Not a valid number.")) == "不是有效的数字。"
