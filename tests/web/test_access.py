"""Roles on every route: walked over the app's URL map, so a new page cannot slip through."""
from __future__ import annotations

import pytest

from api.app import create_app
from api.web.auth import PUBLIC

from .conftest import balance, submit_requisition

ARGS = {"wh": "GD1", "code": "R00000001", "transfer_id": "TR0000000000", "key": "promise_hours",
        "sku": "WM-PUMP-01", "token": "t" * 32, "center": "GD", "ticket": "T-1",
        "count_id": 1, "line_id": 1, "line": 1, "fmt": "csv"}
PUBLIC_ENDPOINTS = {"web.login", "web.healthz", "web.static"}


def _web_rules():
    app = create_app({"DATABASE_URL": "sqlite://", "SECRET_KEY": "x"})
    rules = []
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith("web.") or rule.endpoint in PUBLIC_ENDPOINTS:
            continue
        url = rule.build({name: ARGS[name] for name in rule.arguments}, append_unknown=False)[1]
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            rules.append(pytest.param(rule.endpoint, method, url, id=f"{method} {rule.rule}"))
    return rules, app


RULES, _APP = _web_rules()


def _access(endpoint):
    return getattr(_APP.view_functions[endpoint], "web_access", None)


def test_every_web_view_declares_who_may_open_it():
    undeclared = [rule.endpoint for rule in _APP.url_map.iter_rules()
                  if rule.endpoint.startswith("web.") and rule.endpoint != "web.static"
                  and _access(rule.endpoint) is None]
    assert undeclared == []


def test_only_sign_in_and_health_are_public():
    public = {rule.endpoint for rule in _APP.url_map.iter_rules()
              if rule.endpoint.startswith("web.") and _access(rule.endpoint) is PUBLIC}
    assert public == {"web.login", "web.healthz"}


@pytest.mark.parametrize("endpoint, method, url", RULES)
def test_without_a_session_every_page_redirects_to_login(web, endpoint, method, url):
    response = web.http.open(url, method=method)
    assert response.status_code == 302, endpoint
    assert response.headers["Location"].startswith("/login")


@pytest.mark.parametrize("endpoint, method, url", [r for r in RULES if _access(r.values[0]).roles == ("hq",)])
def test_a_clerk_may_not_open_hq_pages(clerk, endpoint, method, url):
    response = clerk.http.open(url, method=method, data={"csrf_token": clerk.token("/w/GD1/")})
    assert response.status_code == 403


@pytest.mark.parametrize("endpoint, method, url", [r for r in RULES if _access(r.values[0]).warehouse])
def test_a_clerk_of_another_warehouse_is_refused_every_warehouse_page(other_clerk, endpoint, method, url):
    response = other_clerk.http.open(url, method=method, data={"csrf_token": other_clerk.token("/w/HB1/")})
    assert response.status_code == 403


@pytest.mark.parametrize("endpoint, method, url",
                         [r for r in RULES if _access(r.values[0]).warehouse and r.values[1] == "POST"])
def test_hq_may_look_at_a_warehouse_but_not_act_in_it(hq, endpoint, method, url):
    response = hq.http.open(url, method=method, data={"csrf_token": hq.token("/hq/")})
    assert response.status_code == 403


@pytest.mark.parametrize("endpoint, method, url",
                         [r for r in RULES if _access(r.values[0]).warehouse and r.values[1] == "GET"
                          and "<" not in r.values[2]])
def test_hq_may_read_every_warehouse_page(hq, endpoint, method, url):
    assert hq.get(url).status_code in (200, 404)


def test_a_clerk_of_another_warehouse_cannot_ship_its_pick(engine, other_clerk):
    code = submit_requisition(engine)
    before = balance(engine, "GD1", "WM-PUMP-01")
    response = other_clerk.post(f"/w/GD1/picks/{code}/ship", {}, token_from="/w/HB1/picks")
    assert response.status_code == 403
    assert balance(engine, "GD1", "WM-PUMP-01") == before


def test_an_unknown_warehouse_is_not_found_for_hq(hq):
    assert hq.get("/w/NOPE/picks").status_code == 404


def test_a_clerk_probing_an_unknown_warehouse_gets_the_same_answer_as_a_known_one(clerk):
    assert clerk.get("/w/NOPE/picks").status_code == clerk.get("/w/HB1/picks").status_code == 403
