"""What every printed page shares: the CJK font (embedded), codes (Code 128, QR) and text.

reportlab embeds TrueType outlines only; Debian's Noto CJK are CFF (PostScript) outlines it
cannot read, so the font is the first loadable of `PDF_CJK_FONT` (a path, `path#index` for a
collection) or the TrueType CJK fonts Debian ships (fonts-droid-fallback first). A configured
font that cannot be loaded is an error that names it (`FontUnavailable`); with none configured
and none installed, pages fall back to reportlab's CID font STSong-Light, which is not embedded
(a reader shows it with its own Chinese font) and say so in the log. Latin text is set in
Helvetica and everything else in the CJK font, run by run, since the fallback fonts carry
no Latin glyphs.
"""
from __future__ import annotations

import functools
import logging
import os
from dataclasses import dataclass
from xml.sax.saxutils import escape

import segno
from reportlab.graphics.barcode.code128 import Code128
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfbase.ttfonts import TTFError, TTFont
from reportlab.pdfgen.canvas import Canvas

log = logging.getLogger(__name__)

LATIN = "Helvetica"
LATIN_BOLD = "Helvetica-Bold"
CID_FALLBACK = "STSong-Light"
# TrueType CJK fonts of Debian's packages, in order of preference (fonts-droid-fallback,
# fonts-wqy-microhei, fonts-wqy-zenhei, fonts-arphic-uming); Noto CJK last, in case a later
# reportlab reads CFF outlines.
CANDIDATES = (
    "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/truetype/arphic/uming.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc#2",
)


class FontUnavailable(RuntimeError):
    """The configured CJK font cannot be loaded (missing file, or outlines reportlab cannot embed)."""


@dataclass(frozen=True)
class Fonts:
    cjk: str  # the registered name of the CJK font
    embedded: bool  # False: the CID fallback, which readers supply themselves
    source: str  # the file (and index) it came from, or the CID font's name


def _load(spec: str) -> str:
    """Register `path` or `path#index` once and return its reportlab name (TTFError, OSError)."""
    path, _, index = spec.partition("#")
    name = "CJK-" + os.path.basename(path).rsplit(".", 1)[0] + (f"-{index}" if index else "")
    if name not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont(name, path, subfontIndex=int(index or 0)))
    return name


@functools.lru_cache(maxsize=8)
def fonts(configured: str | None = None) -> Fonts:
    """The page fonts: `configured` (PDF_CJK_FONT) when given, else the first installed candidate."""
    if configured:
        try:
            return Fonts(_load(configured), True, configured)
        except (TTFError, OSError, ValueError) as error:
            raise FontUnavailable(f"the PDF font {configured} cannot be embedded ({error}); set PDF_CJK_FONT to "
                                  "a TrueType CJK font, e.g. Debian's fonts-droid-fallback") from None
    for spec in CANDIDATES:
        if os.path.exists(spec.partition("#")[0]):
            try:
                return Fonts(_load(spec), True, spec)
            except (TTFError, OSError) as error:
                log.info("PDF font %s skipped: %s", spec, error)
    log.warning("no embeddable CJK font installed (apt-get install fonts-droid-fallback); PDFs use the "
                "non-embedded %s", CID_FALLBACK)
    if CID_FALLBACK not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(CID_FALLBACK))
    return Fonts(CID_FALLBACK, False, CID_FALLBACK)


def _latin(ch: str) -> bool:
    try:
        ch.encode("cp1252")  # what the standard fonts can show
        return True
    except UnicodeEncodeError:
        return False


def runs(text: str, cjk: str, latin: str = LATIN) -> list[tuple[str, str]]:
    """The text cut into (font, piece) runs: Latin-1 pieces in `latin`, the rest in `cjk`."""
    out: list[tuple[str, str]] = []
    for ch in str(text):
        font = latin if _latin(ch) else cjk
        if out and out[-1][0] == font:
            out[-1] = (font, out[-1][1] + ch)
        else:
            out.append((font, ch))
    return out


def markup(text, cjk: str) -> str:
    """Paragraph markup of plain text: escaped, each non-Latin run in the CJK font."""
    return "".join(escape(piece) if font == LATIN else f'<font name="{font}">{escape(piece)}</font>'
                   for font, piece in runs("" if text is None else str(text), cjk))


def text_width(text: str, size: float, cjk: str, latin: str = LATIN) -> float:
    return sum(pdfmetrics.stringWidth(piece, font, size) for font, piece in runs(text, cjk, latin))


def draw_text(canvas: Canvas, x: float, y: float, text: str, size: float, cjk: str, *, latin: str = LATIN,
              max_width: float | None = None) -> None:
    """Draw one line at (x, y), shrinking the size until it fits `max_width`."""
    while max_width and size > 5 and text_width(text, size, cjk, latin) > max_width:
        size -= 0.5
    for font, piece in runs(text, cjk, latin):
        canvas.setFont(font, size)
        canvas.drawString(x, y, piece)
        x += pdfmetrics.stringWidth(piece, font, size)


def draw_code128(canvas: Canvas, value: str, x: float, y: float, width: float, height: float) -> float:
    """A Code 128 symbol of `value` (ASCII) fitted into `width`, quiet zones included; returns
    the width of a module, so a caller can tell whether a printer can still resolve it."""
    probe = Code128(value, barWidth=1, humanReadable=False)
    module = width / probe.width
    Code128(value, barWidth=module, barHeight=height, humanReadable=False).drawOn(canvas, x, y)
    return module


def draw_qr(canvas: Canvas, value: str, x: float, y: float, size: float) -> None:
    """A QR code of `value` (segno chooses the version; error correction M) in a `size` square
    at (x, y), its quiet zone of four modules inside the square. Dark modules are drawn as
    vector rectangles, row runs merged, so the code is sharp at any printer's resolution."""
    qr = segno.make(value, error="m", micro=False)
    matrix = [list(row) for row in qr.matrix_iter(scale=1, border=4)]
    module = size / len(matrix)
    path = canvas.beginPath()  # one filled path: no seams between neighbouring modules
    for r, row in enumerate(matrix):
        top = y + size - (r + 1) * module
        c = 0
        while c < len(row):
            if row[c]:
                start = c
                while c < len(row) and row[c]:
                    c += 1
                path.rect(x + start * module, top, (c - start) * module, module)
            else:
                c += 1
    canvas.saveState()
    canvas.setFillColorRGB(0, 0, 0)
    canvas.drawPath(path, stroke=0, fill=1)
    canvas.restoreState()
