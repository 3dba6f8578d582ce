"""Label sheets: A4 pages of 3 x 8 labels of 70 x 37 mm (the common 24-up sheet).

A sku or bin label carries a Code 128 of its code; a parcel or return label a QR code of its
id. Each label prints the code's text under or beside the symbol as well, so a person can read
what a scanner reads.
"""
from __future__ import annotations

import io
from dataclasses import dataclass, field

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from .pdf import LATIN_BOLD, Fonts, draw_code128, draw_qr, draw_text, fonts

COLUMNS, ROWS = 3, 8
WIDTH, HEIGHT = 70 * mm, 37 * mm
PAD = 3 * mm
MAX_LABELS = 2400  # 100 sheets


@dataclass(frozen=True)
class Label:
    """One label: `code` is what the symbol carries (`code128` or `qr`); `title` is printed
    large, `lines` small beside or under it."""

    symbol: str  # "code128" or "qr"
    code: str
    title: str
    lines: tuple[str, ...] = field(default_factory=tuple)


def _barcode_label(c: Canvas, f: Fonts, label: Label, x: float, y: float) -> None:
    inner = WIDTH - 2 * PAD
    draw_text(c, x + PAD, y + HEIGHT - PAD - 10, label.title, 10, f.cjk, max_width=inner)
    draw_code128(c, label.code, x + PAD, y + PAD + 28, inner, 11 * mm)
    draw_text(c, x + PAD, y + PAD + 16, label.code, 10, f.cjk, latin=LATIN_BOLD, max_width=inner)
    for i, line in enumerate(label.lines[:2]):
        draw_text(c, x + PAD, y + PAD + 7 * (1 - i), line, 6.5, f.cjk, max_width=inner)


def _qr_label(c: Canvas, f: Fonts, label: Label, x: float, y: float) -> None:
    size = HEIGHT - 2 * PAD + 2 * mm  # the QR's own quiet zone is inside the square
    draw_qr(c, label.code, x + PAD - 1 * mm, y + PAD - 1 * mm, size)
    left = x + PAD + size - 1 * mm
    room = x + WIDTH - PAD - left
    draw_text(c, left, y + HEIGHT - PAD - 11, label.code, 11, f.cjk, latin=LATIN_BOLD, max_width=room)
    draw_text(c, left, y + HEIGHT - PAD - 24, label.title, 9, f.cjk, max_width=room)
    for i, line in enumerate(label.lines[:4]):
        draw_text(c, left, y + HEIGHT - PAD - 36 - 10 * i, line, 7, f.cjk, max_width=room)


def label_sheet(labels: list[Label], *, title: str, font: str | None = None) -> bytes:
    """The labels on as many sheets as they need, left to right, top to bottom."""
    if not labels:
        raise ValueError("no labels to print")
    if len(labels) > MAX_LABELS:
        raise ValueError(f"at most {MAX_LABELS} labels at once")
    f = fonts(font)
    buffer = io.BytesIO()
    page_width, page_height = A4
    left = (page_width - COLUMNS * WIDTH) / 2
    top = (page_height - ROWS * HEIGHT) / 2
    c = Canvas(buffer, pagesize=A4, pageCompression=1)
    c.setTitle(title)
    c.setCreator("parts-service")
    per_page = COLUMNS * ROWS
    for i, label in enumerate(labels):
        if i and i % per_page == 0:
            c.showPage()
        slot = i % per_page
        x = left + (slot % COLUMNS) * WIDTH
        y = page_height - top - (slot // COLUMNS + 1) * HEIGHT
        (_qr_label if label.symbol == "qr" else _barcode_label)(c, f, label, x, y)
    c.showPage()
    c.save()
    return buffer.getvalue()
