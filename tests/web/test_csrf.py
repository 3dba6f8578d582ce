"""Every state-changing web form needs its CSRF token; the JSON API (keys) does not."""
from __future__ import annotations

from .conftest import PASSWORD, balance, movement_count, text


def test_a_form_posted_without_its_token_is_refused_and_nothing_is_saved(clerk, engine):
    before, moves = balance(engine, "GD1", "WM-PUMP-01"), movement_count(engine)
    response = clerk.post("/w/GD1/receive", {"sku": "WM-PUMP-01", "qty": "5"}, csrf=False)
    assert response.status_code == 400
    assert "表单已失效" in text(response)
    assert balance(engine, "GD1", "WM-PUMP-01") == before
    assert movement_count(engine) == moves


def test_a_forged_token_is_refused(clerk, engine):
    before = balance(engine, "GD1", "WM-PUMP-01")
    response = clerk.post("/w/GD1/receive", {"sku": "WM-PUMP-01", "qty": "5", "csrf_token": "forged"}, csrf=False)
    assert response.status_code == 400
    assert balance(engine, "GD1", "WM-PUMP-01") == before


def test_a_token_from_another_session_is_refused(app, clerk, other_clerk, engine):
    foreign = other_clerk.token("/w/HB1/receive")
    response = clerk.post("/w/GD1/receive", {"sku": "WM-PUMP-01", "qty": "5", "csrf_token": foreign}, csrf=False)
    assert response.status_code == 400


def test_sign_in_needs_the_token_too(web):
    web.get("/login")
    response = web.post("/login", {"username": "gd_clerk", "password": PASSWORD}, csrf=False)
    assert response.status_code == 400


def test_logout_needs_the_token(clerk):
    assert clerk.post("/logout", {}, csrf=False).status_code == 400
    assert clerk.get("/w/GD1/").status_code == 200


def test_the_json_api_is_not_asked_for_a_csrf_token(app, keys):
    response = app.test_client().get("/api/v1/parts/WM-PUMP-01", headers=keys["hq"])
    assert response.status_code in (200, 404)
    response = app.test_client().post("/api/v1/requisitions", headers=keys["point"], json={})
    assert response.status_code != 400 or "CSRF" not in text(response)
