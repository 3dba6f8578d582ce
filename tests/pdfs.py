"""Reading printed PDFs back as a person and a scanner would: the page rendered to an image
(pypdfium2) and its codes decoded (zxing-cpp), the text extracted (pypdf), the fonts listed."""
from __future__ import annotations

import io

import pytest

from api.documents.pdf import fonts


def pages(data: bytes) -> int:
    from pypdf import PdfReader

    return len(PdfReader(io.BytesIO(data)).pages)


def codes(data: bytes, page: int = 0, dpi: int = 200) -> list[tuple[str, str]]:
    """(format, text) of every barcode and QR code zxing-cpp finds on the rendered page."""
    import pypdfium2
    import zxingcpp

    document = pypdfium2.PdfDocument(data)
    try:
        image = document[page].render(scale=dpi / 72).to_pil()
    finally:
        document.close()
    return sorted((result.format.name, result.text) for result in zxingcpp.read_barcodes(image))


def text(data: bytes) -> str:
    from pypdf import PdfReader

    return "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages)


def embedded_fonts(data: bytes) -> set[str]:
    """Base names of the fonts whose program is inside the file (FontFile, FontFile2, FontFile3)."""
    from pypdf import PdfReader

    found = set()
    for page in PdfReader(io.BytesIO(data)).pages:
        for ref in (page.get("/Resources", {}).get("/Font") or {}).values():
            font = ref.get_object()
            descendants = font.get("/DescendantFonts")
            holder = descendants[0].get_object() if descendants else font
            descriptor = holder.get("/FontDescriptor")
            if descriptor is not None and any(k in descriptor.get_object() for k in
                                              ("/FontFile", "/FontFile2", "/FontFile3")):
                found.add(str(font["/BaseFont"]).split("+", 1)[-1])
    return found


def needs_embedded_cjk_font() -> None:
    """Skip, saying why, where no TrueType CJK font is installed (.ci/run installs one)."""
    if not fonts().embedded:
        pytest.skip("no embeddable CJK font installed (apt-get install fonts-droid-fallback)")
