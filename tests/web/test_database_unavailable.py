"""The database not answering (restarting, a terminated backend, a full pool) is not a fault in
the request: the API answers 503 with Retry-After, the web an error page saying to try again;
anything else stays a 500. (tests/reliability/test_database_connection_lost.py kills real
PostgreSQL backends.)"""
from __future__ import annotations

import pytest
from sqlalchemy import exc

from .conftest import signed_in

DOWN = {
    "restart": exc.OperationalError("SELECT 1", {}, Exception("server closed the connection unexpectedly")),
    "full pool": exc.TimeoutError("QueuePool limit of size 5 overflow 10 reached"),
    "invalidated": exc.DBAPIError("SELECT 1", {}, Exception("terminating connection"), connection_invalidated=True),
}


@pytest.fixture
def failing(app):
    """The app raises the exception a test sets, at the start of every request."""
    raised = {}

    @app.before_request
    def _fail():
        if "error" in raised:
            raise raised["error"]

    return raised


@pytest.mark.parametrize("why", sorted(DOWN))
def test_the_api_answers_503_with_retry_after_when_the_database_does_not_answer(app, keys, failing, why):
    failing["error"] = DOWN[why]
    response = app.test_client().get("/api/v1/parts", headers=keys["point"])
    assert response.status_code == 503, response.get_json()
    assert response.headers["Retry-After"] == "2", (dict(response.headers), response.get_json())
    assert response.mimetype == "application/problem+json"
    body = response.get_json()
    assert body["code"] == "database.unavailable" and "Idempotency-Key" in body["detail"]
    assert "server closed" not in response.get_data(as_text=True)   # no driver text to the caller


def test_any_other_error_stays_a_500(app, keys, failing):
    failing["error"] = RuntimeError("a bug")
    response = app.test_client().get("/api/v1/parts", headers=keys["point"])
    assert response.status_code == 500 and "Retry-After" not in response.headers
    assert "a bug" not in response.get_data(as_text=True)


def test_a_page_says_the_database_is_not_answering_and_nothing_was_saved(app, failing):
    clerk = signed_in(app, "gd_clerk")
    failing["error"] = DOWN["restart"]
    response = clerk.get("/w/GD1/")
    page = response.get_data(as_text=True)
    assert response.status_code == 503 and response.headers["Retry-After"] == "2"
    assert "数据库暂时无响应" in page and "未保存任何数据，请稍后重试。" in page
    failing["error"] = RuntimeError("a bug")
    assert clerk.get("/w/GD1/").status_code == 500


def test_the_page_for_a_database_gone_after_sign_in_is_drawn_without_it(app, monkeypatch):
    """The database stops answering once the clerk's session was read: the rollback expires the
    signed-in user, and a top bar that read it back would fail the error page itself (a bare 500
    in the fault campaign)."""
    from sqlalchemy import event

    from api.extensions import db
    from api.web import views

    clerk = signed_in(app, "gd_clerk")
    down = {"on": False}
    real = views.load_user

    def load_then_go_away():
        user = real()
        down["on"] = True
        return user

    def refuse(*_args, **_kwargs):
        if down["on"]:
            raise DOWN["restart"]

    with app.app_context():
        engine = db.engine
    monkeypatch.setattr(views, "load_user", load_then_go_away)
    event.listen(engine, "before_cursor_execute", refuse)
    try:
        response = clerk.get("/w/GD1/")
    finally:
        event.remove(engine, "before_cursor_execute", refuse)
    page = response.get_data(as_text=True)
    assert response.status_code == 503, page[:300]
    assert "数据库暂时无响应" in page


def test_a_done_request_whose_connection_died_before_teardown_keeps_its_answer(app, keys, monkeypatch):
    """PostgreSQL terminated the connection after the request's work (pg_terminate_backend):
    closing the session fails. The answer made stands, and the next request works."""
    from api.extensions import db

    real, calls = db.session.remove, []

    def remove_once_gone():
        calls.append(1)
        if len(calls) == 1:
            raise DOWN["invalidated"]
        return real()

    monkeypatch.setattr(db.session, "remove", remove_once_gone)
    client = app.test_client()
    response = client.get("/api/v1/parts", headers=keys["point"])
    assert response.status_code == 200 and len(calls) >= 1
    assert client.get("/api/v1/parts", headers=keys["point"]).status_code == 200
