"""Session cookies and security headers: the browser is told not to leak, frame, sniff or run
anything the service did not serve itself."""
from __future__ import annotations

import base64
import json
from html.parser import HTMLParser

import pytest

from ..api.conftest import running_app
from ..web.conftest import PASSWORD, WebClient, add_users

CLERK_PAGES = ["/w/GD1/", "/w/GD1/picks", "/w/GD1/receive", "/w/GD1/count", "/w/GD1/movements",
               "/w/GD1/transfers", "/w/GD1/returns", "/stock", "/stock/WM-PUMP-01"]
HQ_PAGES = ["/hq/", "/hq/transfers", "/hq/optimizer", "/hq/quotas", "/hq/quotas/D001", "/hq/policy",
            "/hq/import", "/hq/warehouses"]


def session_cookie(response) -> str:
    [cookie] = [c for c in response.headers.getlist("Set-Cookie") if c.startswith("session=")]
    return cookie


def flags(cookie: str) -> set[str]:
    return {part.strip().split("=")[0].lower() for part in cookie.split(";")[1:]}


def test_the_session_cookie_is_httponly_and_samesite_lax(web):
    cookie = session_cookie(web.login("boss"))
    assert "httponly" in flags(cookie)
    assert "SameSite=Lax" in cookie


def test_the_session_cookie_is_secure_when_the_deployment_says_so(database, engine, keys, monkeypatch):
    add_users(engine)
    monkeypatch.setenv("SESSION_COOKIE_SECURE", "1")
    with running_app(database.url, WTF_CSRF_ENABLED=True) as app:
        cookie = session_cookie(WebClient(app).login("boss", PASSWORD))
        assert {"secure", "httponly"} <= flags(cookie) and "SameSite=Lax" in cookie


def test_embedded_mode_over_plain_http_does_not_mark_the_cookie_secure(web):
    """Otherwise `make run` on http://127.0.0.1 could never keep anyone signed in."""
    assert "secure" not in flags(session_cookie(web.login("boss")))


def test_a_session_cookie_edited_by_its_holder_is_not_accepted(app, web):
    cookie = session_cookie(web.login("gd_clerk")).split(";")[0].split("=", 1)[1]
    payload, _, signature = cookie.partition(".")
    forged = base64.urlsafe_b64encode(
        json.dumps({"_permanent": True, "user": "boss", "auth": "x"}).encode()).decode().rstrip("=")
    browser = app.test_client()
    browser.set_cookie("session", f"{forged}.{signature}")
    response = browser.get("/hq/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


# -- headers ----------------------------------------------------------------------------------------

BASIC = {"X-Content-Type-Options": "nosniff", "X-Frame-Options": "DENY", "Referrer-Policy": "same-origin"}


def assert_basic_headers(response):
    for name, value in BASIC.items():
        assert response.headers.get(name) == value, (name, response.status_code)


@pytest.mark.parametrize("path, who", [
    ("/api/v1/parts", "point"), ("/api/v1/parts/NOPE", "point"), ("/api/v1/quota", "point"),
    ("/api/v1/parts", None), ("/api/v1/no-such-thing", "point"), ("/api/v1/openapi.json", None),
    ("/healthz", None),
])
def test_api_responses_carry_the_security_headers_and_a_no_content_policy(client, auth, path, who):
    response = client.get(path, headers=auth[who] if who else {})
    assert_basic_headers(response)
    csp = response.headers["Content-Security-Policy"]
    assert "default-src 'none'" in csp and "frame-ancestors 'none'" in csp


def test_the_interactive_api_docs_still_load_their_script(client):
    response = client.get("/api/v1/docs")
    assert response.status_code == 200
    assert_basic_headers(response)
    assert "default-src 'none'" not in response.headers.get("Content-Security-Policy", "")


def page_csp(response) -> dict[str, str]:
    policy = {}
    for directive in response.headers["Content-Security-Policy"].split(";"):
        name, _, value = directive.strip().partition(" ")
        policy[name] = value
    return policy


@pytest.mark.parametrize("path", ["/login", "/no-such-page", "/static/web/app.css"])
def test_public_pages_carry_the_security_headers_and_a_content_security_policy(web, path):
    response = web.get(path)
    assert_basic_headers(response)
    csp = page_csp(response)
    assert csp["default-src"] == "'self'" and csp["script-src"] == "'self'"
    assert csp["frame-ancestors"] == "'none'" and csp["object-src"] == "'none'"
    assert "'unsafe-inline'" not in csp["script-src"] and "'unsafe-eval'" not in csp.get("script-src", "")


class _PageScan(HTMLParser):
    """What the page needs from a Content-Security-Policy: its scripts, styles and handlers."""

    def __init__(self):
        super().__init__()
        self.problems: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        for name, value in attrs.items():
            if name.startswith("on"):
                self.problems.append(f"inline handler {name} on <{tag}>")
            if name in ("href", "src", "action") and value and value.strip().lower().startswith("javascript:"):
                self.problems.append(f"javascript: URL on <{tag}>")
            if name in ("href", "src") and value and tag in ("script", "link", "img") and "//" in value:
                self.problems.append(f"off-site {tag} {value}")
        if tag == "script":
            self._in_script = "src" not in attrs
        if tag == "style":
            self.problems.append("inline <style> element")

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = False

    def handle_data(self, data):
        if self._in_script and data.strip():
            self.problems.append("inline <script>")


@pytest.mark.parametrize("who, pages", [("clerk", CLERK_PAGES), ("hq", HQ_PAGES + ["/stock"])])
def test_every_page_works_under_its_content_security_policy(request, who, pages):
    client = request.getfixturevalue(who)
    for path in pages:
        response = client.get(path)
        assert response.status_code == 200, path
        assert_basic_headers(response)
        assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
        assert response.headers.get("Cache-Control") == "no-store", path
        scan = _PageScan()
        scan.feed(response.get_data(as_text=True))
        assert scan.problems == [], (path, scan.problems)


def test_hsts_is_sent_over_https_only(app):
    browser = app.test_client()
    secure = browser.get("/login", base_url="https://parts.example")
    assert secure.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    assert "Strict-Transport-Security" not in browser.get("/login").headers


@pytest.mark.parametrize("proxy_fix, expected", [("1", True), ("0", False)])
def test_https_behind_a_proxy_counts_only_when_the_deployment_says_so(database, engine, monkeypatch,
                                                                     proxy_fix, expected):
    """X-Forwarded-Proto is a header anyone can send; it is honoured only behind our proxy."""
    monkeypatch.setenv("PROXY_FIX", proxy_fix)
    with running_app(database.url) as app:
        response = app.test_client().get("/login", headers={"X-Forwarded-Proto": "https"})
        assert ("Strict-Transport-Security" in response.headers) is expected
