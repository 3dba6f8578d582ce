"""Downloads of the pages' lists and reports as XLSX (XlsxWriter) or CSV (the csv module).

A page describes its export as tables of typed columns (`Column`) and plain rows; `download`
turns them into either format: headers in the page's language, money as numbers with two
decimals, dates and times as dates (in the pages' Beijing time), CSV in UTF-8 with a BOM so
Excel reads Chinese, and text that a spreadsheet would run as a formula (= + - @) kept as text.
An export holds every row the page's filters select, up to `WEB_EXPORT_MAX_ROWS`; beyond that
it is refused with a request to narrow the filters, never cut short silently.
"""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Callable, Iterable, Sequence

import xlsxwriter
from flask import abort, current_app, make_response, render_template, request, send_file, url_for
from flask_babel import get_timezone
from flask_babel import gettext as _

FORMATS = {"xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
           "csv": "text/csv"}  # Werkzeug adds "; charset=utf-8" to a text type itself
KINDS = ("text", "int", "money", "number", "rate", "date", "datetime", "auto")  # auto: by the value's type
NUMBER_FORMATS = {"int": "#,##0", "money": "#,##0.00", "rate": "0.0%", "date": "yyyy-mm-dd",
                  "datetime": "yyyy-mm-dd hh:mm"}
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")  # OWASP's CSV injection prefixes
CENT = Decimal("0.01")
DEFAULT_MAX_ROWS = 50_000


@dataclass(frozen=True)
class Column:
    header: object  # a (lazy) translated string: read in the page's language when written
    kind: str = "text"

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"unknown column kind {self.kind!r}")


@dataclass
class Table:
    title: object
    columns: Sequence[Column]
    rows: Iterable[Sequence]


# -- values ----------------------------------------------------------------------------------------

def _local(moment: datetime) -> datetime:
    """An aware UTC instant as the pages show it (Beijing time), naive: spreadsheets know no zones."""
    if moment.tzinfo is None:
        raise ValueError("naive datetime in an export")
    return moment.astimezone(get_timezone()).replace(tzinfo=None)


def defused(text: str) -> str:
    """Text a spreadsheet would read as a formula, prefixed with ' so it stays text (CSV injection);
    a plain number such as "-12.50" is no formula and stays as it is."""
    if not text.startswith(FORMULA_START):
        return text
    try:
        if Decimal(text).is_finite():
            return text
    except ArithmeticError:
        pass
    return "'" + text


def _kind_of(value) -> str:
    """A column of mixed values (a summary's label and value): money is Decimal, counts are int."""
    if isinstance(value, bool) or not isinstance(value, (int, float, Decimal, date)):
        return "text"
    if isinstance(value, datetime):
        return "datetime"
    return {int: "int", float: "number", Decimal: "money"}.get(type(value), "date")


def _typed(value, kind: str):
    """The value as the column's kind: Decimal money to the cent, aware times in local time."""
    if kind == "auto":
        kind = _kind_of(value)
    if value is None or value == "":
        return None
    if kind == "money":
        return Decimal(value).quantize(CENT)
    if kind == "int":
        return int(value)
    if kind == "number":
        return value if isinstance(value, (int, Decimal)) else Decimal(str(value))
    if kind == "rate":
        return float(value)
    if kind == "datetime":
        return _local(value)
    if kind == "date":
        return value.date() if isinstance(value, datetime) else value
    return str(value)


def _csv_value(value, kind: str) -> str:
    kind = _kind_of(value) if kind == "auto" else kind
    value = _typed(value, kind)
    if value is None:
        return ""
    if kind == "money":
        return f"{value:.2f}"
    if kind == "rate":
        return f"{value:.4f}"
    if kind == "datetime":
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, (int, Decimal, date)):
        return str(value)
    return defused(value)


# -- the two formats -------------------------------------------------------------------------------

def _sheet_title(title: str, taken: set[str]) -> str:
    """Excel's rules for a sheet name: at most 31 characters, none of []:*?/\\, unique."""
    clean = "".join(" " if c in "[]:*?/\\" else c for c in title).strip()[:31] or "Sheet"
    name, n = clean, 2
    while name in taken:
        suffix = f" ({n})"
        name, n = clean[:31 - len(suffix)] + suffix, n + 1
    taken.add(name)
    return name


def xlsx_bytes(tables: Sequence[Table]) -> bytes:
    """One sheet per table, a bold frozen header row. XlsxWriter in constant-memory mode: rows go
    to a temporary file as they are written, so a large export does not grow the worker."""
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"constant_memory": True, "strings_to_formulas": False,
                                        "strings_to_numbers": False, "strings_to_urls": False})
    formats = {kind: book.add_format({"num_format": code}) for kind, code in NUMBER_FORMATS.items()}
    bold = book.add_format({"bold": True})
    taken: set[str] = set()
    for table in tables:
        sheet = book.add_worksheet(_sheet_title(str(table.title), taken))
        sheet.freeze_panes(1, 0)
        for col, column in enumerate(table.columns):
            sheet.set_column(col, col, max(10, min(40, 2 * len(str(column.header)) + 4)))
            sheet.write_string(0, col, str(column.header), bold)
        for row, values in enumerate(table.rows, start=1):
            for col, (value, column) in enumerate(zip(values, table.columns)):
                _xlsx_write(sheet, row, col, value, column.kind, formats)
    book.close()
    return buffer.getvalue()


def _xlsx_write(sheet, row: int, col: int, value, kind: str, formats: dict) -> None:
    """Text as text (never a formula), numbers as numbers, dates as dates, each in its format."""
    kind = _kind_of(value) if kind == "auto" else kind
    value = _typed(value, kind)
    if value is None:
        return
    if isinstance(value, str):
        sheet.write_string(row, col, value)
    elif isinstance(value, (datetime, date)):
        sheet.write_datetime(row, col, value, formats["datetime" if isinstance(value, datetime) else "date"])
    else:
        sheet.write_number(row, col, value, formats.get(kind))


def csv_bytes(tables: Sequence[Table]) -> bytes:
    """UTF-8 with a BOM; several tables follow one another, each under its title, a blank row between."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    for i, table in enumerate(tables):
        if len(tables) > 1:
            if i:
                writer.writerow([])
            writer.writerow([defused(str(table.title))])
        writer.writerow([defused(str(column.header)) for column in table.columns])
        for row in table.rows:
            writer.writerow([_csv_value(value, column.kind) for value, column in zip(row, table.columns)])
    return buffer.getvalue().encode("utf-8-sig")


# -- the web side ----------------------------------------------------------------------------------

def refuse(detail: str, status: int = 400):
    """Stop the request with the error page in the page's language (bad format, too many rows)."""
    abort(make_response(render_template("error.html", code=status, title=_("Cannot download"), detail=detail),
                        status))


def checked_format(fmt: str) -> str:
    if fmt not in FORMATS:
        refuse(_("Unknown download format %(format)s; use xlsx or csv.", format=fmt))
    return fmt


def max_rows() -> int:
    return int(current_app.config.get("WEB_EXPORT_MAX_ROWS", DEFAULT_MAX_ROWS))


def within_cap(count: int) -> None:
    """Refuse an export of more rows than the cap: the user narrows the filters instead of
    receiving a silently shortened file."""
    most = max_rows()
    if count > most:
        refuse(_("%(n)s rows match; a download holds at most %(most)s. Narrow the filters and try again.",
                 n=f"{count:,}", most=f"{most:,}"), 413)


def every_page(fetch: Callable[[int, int], tuple[list, int]], page_size: int = 500) -> list:
    """All rows of a paginated query `fetch(limit, offset) -> (rows, total)`, refused beyond the cap."""
    rows, total = fetch(page_size, 0)
    within_cap(total)
    rows = list(rows)
    while len(rows) < total:
        more, _total = fetch(page_size, len(rows))
        if not more:
            break
        rows.extend(more)
    return rows


def one_over_cap() -> int:
    """A query limit one beyond the cap: `capped` then tells a full export from one cut short."""
    return max_rows() + 1


def capped(rows: list) -> list:
    within_cap(len(rows))
    return rows


def download(name: str, fmt: str, tables: Table | Sequence[Table]):
    """The file: `<name>_<today>.<fmt>`, today in the pages' time zone."""
    fmt = checked_format(fmt)
    tables = [tables] if isinstance(tables, Table) else list(tables)
    for table in tables:
        table.rows = list(table.rows)
    data = xlsx_bytes(tables) if fmt == "xlsx" else csv_bytes(tables)
    today = datetime.now(get_timezone()).date().isoformat()
    response = send_file(io.BytesIO(data), mimetype=FORMATS[fmt], as_attachment=True,
                         download_name=f"{name}_{today}.{fmt}")
    response.headers["X-Export-Rows"] = str(sum(len(t.rows) for t in tables))
    return response


def export_url(endpoint: str, fmt: str, **view_args) -> str:
    """The export of the current page with its filters (the query string without the page number)."""
    args = {key: value for key, value in request.args.items() if key not in ("page", "lang")}
    return url_for(endpoint, **{**(request.view_args or {}), **view_args}, **args, fmt=fmt)
