"""The plots' Chinese needs a CJK font that matplotlib's font cache may not know yet."""
from __future__ import annotations

import pytest
from matplotlib import font_manager

from simulation import plots


@pytest.fixture
def stale_cache(monkeypatch):
    """The font cache of a machine where matplotlib ran before the CJK fonts were installed."""
    before = font_manager.fontManager.ttflist
    if not any(any(part in entry.fname.lower() for part in plots.CJK_FILE_NAMES) for entry in before):
        pytest.skip("no CJK font installed (Debian: apt-get install fonts-noto-cjk)")
    monkeypatch.setattr(font_manager.fontManager, "ttflist",
                        [entry for entry in before if entry.name not in plots.FONT[:-1]])
    return font_manager.fontManager


def test_a_stale_font_cache_learns_the_installed_cjk_fonts(stale_cache):
    added = plots.learn_cjk_fonts()
    assert added
    known = {entry.name for entry in stale_cache.ttflist}
    assert any(name in known for name in plots.FONT[:-1])
    assert plots.learn_cjk_fonts() == []  # once known, nothing more to add
