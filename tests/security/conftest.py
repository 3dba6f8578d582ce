"""Security fixtures: the web app (CSRF on, as in production) with the tiny world, web users
and an API key per principal; the signed-in browser-like clients of tests/web."""
from __future__ import annotations

import pytest

from ..web.conftest import app, clerk, hq, keys, web  # noqa: F401  (fixtures)


@pytest.fixture
def auth(keys):  # noqa: F811
    """An Authorization header per principal (dealer, other_dealer, point, other_point, call_center, hq)."""
    return keys


@pytest.fixture
def client(app):  # noqa: F811
    return app.test_client()
