"""Policy descriptions read in the page's language, and none is left out of the table."""
from __future__ import annotations

import html

from api.web import policy_text
from inventory.policy import DEFAULTS

from .conftest import text


def test_the_table_holds_every_description_the_domain_has():
    assert sorted(policy_text.DESCRIPTIONS) == sorted(item.description for item in DEFAULTS.values())


def test_the_policy_page_describes_every_key_in_chinese(hq):
    page = html.unescape(text(hq.get("/hq/policy")))
    assert "受理后申请行必须送达的小时数" in page and "发件后旧件须返回的天数" in page
    assert not [item.description for item in DEFAULTS.values() if item.description in page]


def test_english_pages_keep_the_domains_words(hq):
    page = html.unescape(text(hq.get("/hq/policy?lang=en")))
    assert all(item.description in page for item in DEFAULTS.values())
