"""Web sign-in as WORLD.md pins it, sessions, and the language switch."""
from __future__ import annotations

import re

import pytest

from .conftest import PASSWORD, text


def test_the_login_page_is_a_form_with_username_password_and_a_csrf_token(web):
    page = text(web.get("/login"))
    assert 'name="username"' in page and 'name="password"' in page and 'name="csrf_token"' in page


def test_the_login_form_tells_a_password_manager_which_field_is_which(web):
    page = text(web.get("/login"))
    assert re.search(r'<input[^>]*autocomplete="username"[^>]*name="username"', page)
    assert re.search(r'<input[^>]*autocomplete="current-password"[^>]*name="password"', page)


def test_a_clerk_signs_in_to_their_warehouse_page(web):
    response = web.login("gd_clerk")
    assert response.status_code == 302
    assert response.headers["Location"] == "/w/GD1/"
    assert web.get("/w/GD1/").status_code == 200


def test_hq_signs_in_to_the_dashboard(web):
    response = web.login("boss")
    assert response.headers["Location"] == "/hq/"


@pytest.mark.parametrize("username, password", [("gd_clerk", "wrong password"), ("nobody", PASSWORD), ("", "")])
def test_a_bad_sign_in_shows_the_form_again_with_an_error(web, username, password):
    response = web.login(username, password)
    assert response.status_code == 200
    page = text(response)
    assert 'name="username"' in page and 'class="error"' in page
    assert web.get("/w/GD1/").status_code == 302


def test_the_error_does_not_say_whether_the_user_exists(web):
    unknown = text(web.login("nobody"))
    wrong = text(web.login("gd_clerk", "wrong password"))
    assert "用户名或密码错误" in unknown and "用户名或密码错误" in wrong


@pytest.mark.parametrize("url", ["/", "/w/GD1/", "/w/GD1/picks", "/hq/", "/hq/policy", "/stock"])
def test_a_page_opened_without_a_session_redirects_to_login(web, url):
    response = web.get(url)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


def test_sign_in_returns_to_the_page_that_asked_for_it(web):
    redirect = web.get("/w/GD1/movements?sku=WM-PUMP-01").headers["Location"]
    response = web.post(redirect, {"username": "gd_clerk", "password": PASSWORD}, token_from="/login")
    assert response.headers["Location"] == "/w/GD1/movements?sku=WM-PUMP-01"


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x", "/\\evil.example"])
def test_sign_in_ignores_a_next_page_on_another_site(web, target):
    response = web.post(f"/login?next={target}", {"username": "gd_clerk", "password": PASSWORD},
                        token_from="/login")
    assert response.headers["Location"] == "/w/GD1/"


def test_post_logout_signs_out(clerk):
    response = clerk.post("/logout", {}, token_from="/w/GD1/")
    assert response.headers["Location"] == "/login"
    assert clerk.get("/w/GD1/").status_code == 302


def test_logout_is_post_only(clerk):
    assert clerk.get("/logout").status_code == 405


def test_the_session_cookie_is_http_only_and_same_site_lax(web):
    response = web.login("gd_clerk")
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_signed_in_pages_are_not_cached(clerk):
    assert clerk.get("/w/GD1/").headers["Cache-Control"] == "no-store"


def test_a_deleted_user_loses_their_session(app, clerk, engine):
    from inventory.access import User
    from inventory.db import make_session_factory, transaction

    with make_session_factory(engine)() as session, transaction(session):
        session.delete(session.get(User, "gd_clerk"))
    assert clerk.get("/w/GD1/").status_code == 302


def test_pages_are_chinese_unless_english_is_asked_for(clerk):
    assert "拣货单" in text(clerk.get("/w/GD1/picks"))
    assert "Pick list" in text(clerk.get("/w/GD1/picks?lang=en"))
    assert "Pick list" in text(clerk.get("/w/GD1/"))  # remembered in the session
    assert "拣货单" in text(clerk.get("/w/GD1/?lang=zh"))


def test_health_needs_no_session(web):
    assert web.get("/healthz").get_json() == {"status": "ok"}


def test_a_cookie_copied_before_logout_no_longer_signs_in(clerk):
    copied = clerk.http.get_cookie("session").value
    assert clerk.get("/w/GD1/").status_code == 200
    clerk.post("/logout", {}, token_from="/w/GD1/")
    clerk.http.set_cookie("session", copied)
    response = clerk.get("/w/GD1/")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")


def test_logout_ends_the_users_other_sessions_but_not_other_users(app, clerk, other_clerk):
    from .conftest import signed_in

    second = signed_in(app, "gd_clerk")
    clerk.post("/logout", {}, token_from="/w/GD1/")
    assert second.get("/w/GD1/").status_code == 302
    assert other_clerk.get("/w/HB1/").status_code == 200
    assert signed_in(app, "gd_clerk").get("/w/GD1/").status_code == 200
