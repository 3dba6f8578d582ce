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
