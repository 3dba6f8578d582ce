"""Web fixtures: the app on the test database with the tiny world, web users, and a browser-like
client that signs in through the real form (CSRF on, as in production)."""
from __future__ import annotations

import re

import pytest
from werkzeug.security import generate_password_hash

from inventory.access import User
from inventory.db import make_session_factory, transaction, utcnow

from ..api.conftest import running_app, seed

PASSWORD = "correct horse 1"
USERS = {
    "gd_clerk": ("clerk", "GD1"),
    "hb_clerk": ("clerk", "HB1"),
    "boss": ("hq", None),
}
TOKEN = re.compile(r'name="(?:[\w-]*-)?csrf_token" type="hidden" value="([^"]+)"')


# A cheap hash keeps hundreds of sign-ins fast; `create_user` (scrypt) is used by the e2e tests.
FAST_HASH = generate_password_hash(PASSWORD, method="pbkdf2:sha256:1000")


def add_users(engine) -> None:
    with make_session_factory(engine)() as session, transaction(session):
        for username, (role, warehouse) in USERS.items():
            session.add(User(username=username, password_hash=FAST_HASH, role=role, warehouse_code=warehouse,
                             created_at=utcnow()))


@pytest.fixture
def keys(engine):
    """The tiny world and an API key header per principal (dealer, point, hq ...)."""
    return seed(engine)


@pytest.fixture
def app(database, engine, keys, tmp_path):
    add_users(engine)
    with running_app(database.url, WTF_CSRF_ENABLED=True, WEB_CHART_CACHE_SECONDS=0,
                     WEB_IMPORT_FOLDER=str(tmp_path / "imports")) as app:
        yield app


class WebClient:
    """A test client that keeps its cookies, reads CSRF tokens off pages and posts forms."""

    def __init__(self, app):
        self.app = app
        self.http = app.test_client()

    def get(self, url, **kwargs):
        return self.http.get(url, **kwargs)

    def token(self, url: str) -> str:
        page = self.http.get(url)
        match = TOKEN.search(page.get_data(as_text=True))
        assert match, f"no CSRF token on {url} ({page.status_code})"
        return match.group(1)

    def post(self, url, data=None, *, token_from: str | None = None, csrf: bool = True, **kwargs):
        data = dict(data or {})
        if csrf:
            data.setdefault("csrf_token", self.token(token_from or url))
        return self.http.post(url, data=data, **kwargs)

    def login(self, username: str, password: str = PASSWORD, **kwargs):
        return self.post("/login", {"username": username, "password": password}, **kwargs)


@pytest.fixture
def web(app) -> WebClient:
    return WebClient(app)


def signed_in(app, username: str) -> WebClient:
    client = WebClient(app)
    response = client.login(username)
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return client


@pytest.fixture
def clerk(app) -> WebClient:
    """The clerk of GD1 (广州配件仓)."""
    return signed_in(app, "gd_clerk")


@pytest.fixture
def other_clerk(app) -> WebClient:
    """The clerk of HB1 (武汉配件仓)."""
    return signed_in(app, "hb_clerk")


@pytest.fixture
def hq(app) -> WebClient:
    return signed_in(app, "boss")


# -- data helpers ---------------------------------------------------------------------------------

@pytest.fixture
def sessions_for(engine):
    return make_session_factory(engine)


def submit_requisition(engine, sku: str = "WM-PUMP-01", qty: int = 2, *, point: str = "SP0001",
                       ticket: str = "T-1", now=None) -> str:
    """A service point's requisition (reserved at its cheapest warehouse); returns its code. The
    ticket's appliance is recorded first, bought 100 days before: its parts are free, old parts owed."""
    from inventory.access import Principal
    from inventory.db import utcnow
    from inventory.policy import load_policy
    from inventory.requisitions import service as requisitions

    from .. import appliances

    with make_session_factory(engine)() as session:
        appliances.record(session, ticket, purchased_on=appliances.bought(now or utcnow()), point=point)
    with make_session_factory(engine)() as session, transaction(session):
        req = requisitions.submit(session, Principal("service_point", point), ship_to=point, ticket=ticket,
                          lines=[requisitions.LineRequest(sku, qty)], policy=load_policy(session), now=now)
        return req.code


def balance(engine, warehouse: str, sku: str):
    from inventory.warehouses.ledger import get_balance

    with make_session_factory(engine)() as session:
        row = get_balance(session, warehouse, sku)
        return (row.on_hand, row.reserved, row.in_transit) if row else (0, 0, 0)


def movement_count(engine) -> int:
    from sqlalchemy import func, select

    from inventory.warehouses.models import StockMovement

    with make_session_factory(engine)() as session:
        return session.scalar(select(func.count()).select_from(StockMovement))


def text(response) -> str:
    return response.get_data(as_text=True)


def scans(sku: str, qty: int) -> dict:
    """A pick's ship form as a keyboard-wedge scanner fills it: the sku once a line, one per unit."""
    return {"scanned": "\r\n".join([sku] * qty)}
