"""An address no page has, or a method a page does not take, gets the web's own error page in
Chinese (signed in or not), while the API keeps answering problem+json."""
from __future__ import annotations

import pytest

from .conftest import text


@pytest.mark.parametrize("url", ["/nope", "/hq/nope", "/w/GD1/nope", "/static/nope.css"])
def test_an_address_no_page_has_is_a_chinese_404_page(web, clerk, url):
    for client in (web, clerk):
        response = client.get(url)
        assert response.status_code == 404 and response.mimetype == "text/html"
        page = text(response)
        assert "未找到" in page and "Not Found" not in page and "requested URL" not in page


def test_a_method_a_page_does_not_take_is_a_chinese_405_page(clerk):
    response = clerk.get("/logout")
    assert response.status_code == 405
    assert "不允许此操作方式" in text(response) and "Method Not Allowed" not in text(response)


def test_the_api_still_answers_problem_json(web):
    response = web.get("/api/v1/nope")
    assert response.status_code == 404 and response.mimetype == "application/problem+json"


def test_a_405_page_still_says_which_methods_the_address_takes(clerk):
    assert set(clerk.get("/logout").headers["Allow"].split(", ")) == {"OPTIONS", "POST"}
