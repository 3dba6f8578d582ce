"""Simplified Chinese (default) and English pages with Flask-Babel.

Templates and forms are written in English and marked with `_()`; the Chinese catalogue is
`messages_zh.ZH`, compiled in memory once per process, so no compiled `.mo` file has to be
built or shipped. The language comes from `?lang=zh|en` (remembered in the session), else
the session, else Chinese.
"""
from __future__ import annotations

import io
from functools import lru_cache

from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.support import NullTranslations, Translations
from flask import Flask, request, session
from flask_babel import Babel, Domain, get_locale

LANGUAGES = ("zh", "en")
DEFAULT_LANGUAGE = "zh"
TIMEZONE = "Asia/Shanghai"  # the business's clock: pages show Beijing time


@lru_cache(maxsize=1)
def chinese() -> Translations:
    from .messages_zh import ZH

    catalog = Catalog(locale="zh_Hans_CN", domain="messages")
    for english, chinese_text in ZH.items():
        catalog.add(english, chinese_text)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return Translations(buffer, domain="messages")


class CatalogDomain(Domain):
    """The one message domain of the web UI, served from the in-memory catalogue."""

    def get_translations(self):
        locale = get_locale()
        if locale is not None and locale.language == "zh":
            return chinese()
        return NullTranslations()


class WebBabel(Babel):
    @property
    def domain_instance(self):
        return _DOMAIN


_DOMAIN = CatalogDomain()


def select_language() -> str:
    wanted = request.args.get("lang")
    if wanted in LANGUAGES:
        if session.get("lang") != wanted:
            session["lang"] = wanted
        return wanted
    remembered = session.get("lang")
    return remembered if remembered in LANGUAGES else DEFAULT_LANGUAGE


def init_app(app: Flask) -> None:
    app.config.setdefault("BABEL_DEFAULT_LOCALE", DEFAULT_LANGUAGE)
    app.config.setdefault("BABEL_DEFAULT_TIMEZONE", TIMEZONE)
    WebBabel(app, locale_selector=select_language)
