"""Every string the web UI marks for translation has its Simplified Chinese."""
from __future__ import annotations

from pathlib import Path

from babel.messages.extract import extract_from_dir

from api.web.messages_zh import ZH

WEB = Path(__file__).resolve().parents[2] / "api" / "web"


def marked_strings() -> set[str]:
    method_map = [("**/templates/**.html", "jinja2"), ("**.py", "python")]
    options = {"**/templates/**.html": {"extensions": "jinja2.ext.i18n", "newstyle_gettext": "true"}}
    keywords = {"_": None, "gettext": None, "_l": None, "lazy_gettext": None, "N_": None}  # N_: refusals.py
    found = set()
    for _file, _line, message, _comments, _context in extract_from_dir(str(WEB), method_map, options, keywords):
        found.add(message[0] if isinstance(message, tuple) else message)
    return found


def test_every_marked_string_has_a_chinese_translation():
    assert sorted(marked_strings() - set(ZH)) == []


def test_the_catalogue_keeps_no_strings_the_ui_no_longer_uses():
    assert sorted(set(ZH) - marked_strings()) == []


def test_translations_keep_their_placeholders():
    import re

    placeholder = re.compile(r"%\(\w+\)[+]?[sd]")
    assert [k for k, v in ZH.items() if sorted(placeholder.findall(k)) != sorted(placeholder.findall(v))] == []
