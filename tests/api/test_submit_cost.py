"""What one requisition submit costs the server (issue 20): the SQL statements it issues, counted
with a `before_cursor_execute` listener, may not grow unnoticed; and the hand-written response
body (`requisition_body`) is the one `RequisitionSchema` would dump."""
from __future__ import annotations

import contextlib

import pytest
from sqlalchemy import event, select

from api.v1.requisitions import REQUISITION, requisition_body
from inventory.db import transaction
from inventory.requisitions.models import Requisition
from inventory.supersession import Replacement, set_replacements

# The most statements one submit of two lines (a warm key: no last-used touch) may issue, by database.
# PostgreSQL, a point's: the key with the policy's rows (one JSON text, `policy.SettingsText`), point with
# parts and their options (and whether any 替代件 chain is near and the ticket's appliance recorded:
# neither here), lock, then the reservations with every row in one statement, which also reads the
# response's visit-fee holder (4, was 16); a dealer's adds its number, the month's account opened if new,
# and the quota reserved with its movement row (7, was 22); an Idempotency-Key adds its lookup and its
# row (6, was 18). SQLite adds BEGIN IMMEDIATE, reads the options on their own, writes its rows and the
# ledger's one statement each and reads the holders on their own (16, 19 and 18; were 21, 27, 23).
MOST = {
    "postgresql": {"point": 4, "dealer": 7, "point_with_key": 6},
    "sqlite": {"point": 16, "dealer": 19, "point_with_key": 18},
}
ORDER = {"ship_to": "SP0001", "ticket": "T-COST-1", "in_warranty": False,
         "lines": [{"sku": "WM-PUMP-01", "qty": 1}, {"sku": "AC-REMOTE-01", "qty": 1}]}


@contextlib.contextmanager
def counted(app):
    """The SQL statements the app's engine issues inside the block."""
    from api.extensions import db

    statements: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)


def _post(client, auth, who: str, body: dict, **headers):
    response = client.post("/api/v1/requisitions", json=body, headers={**auth[who], **headers})
    assert response.status_code == 201, response.get_json()
    return response


@pytest.mark.parametrize("case", ["point", "dealer", "point_with_key"])
def test_a_submit_issues_no_more_statements_than_counted(app, client, auth, database, case):
    who = "dealer" if case == "dealer" else "point"
    body = {**ORDER, "in_warranty": None} if who == "dealer" else ORDER
    _post(client, auth, who, {**body, "ticket": "T-COST-0"})  # warm: the key's last-used time is touched once
    headers = {"Idempotency-Key": "cost-1"} if case == "point_with_key" else {}
    with counted(app) as statements:
        _post(client, auth, who, body, **headers)
    most = MOST[database.kind][case]
    assert len(statements) <= most, "\n\n".join(statements)


def test_a_replacement_hq_records_is_read_by_the_next_submit(app, client, auth, engine):
    from inventory.db import make_session_factory

    with make_session_factory(engine)() as session, transaction(session):
        set_replacements(session, [Replacement("WM-MOTOR-01", "WM-PUMP-01")], actor="hq", source="test")
    body = {**ORDER, "lines": [{"sku": "WM-MOTOR-01", "qty": 7}]}  # HQ holds 5 motors
    with counted(app) as statements:
        answer = _post(client, auth, "point", body).get_json()
    assert any("part_supersession" in s and "EXISTS" not in s.upper() for s in statements)
    assert answer["lines"][0]["served_by"] == [{"sku": "WM-PUMP-01", "qty": 2}]


def test_a_policy_change_is_read_by_the_very_next_submit(app, client, auth, engine):
    """The policy rides on the key's query, read afresh by every request: a change committed in
    another session is what the next submit promises by, and so is the change back (its parse cached)."""
    from datetime import datetime, timedelta, timezone

    from inventory.db import make_session_factory
    from inventory.policy import set_policy

    def promised_hours(ticket: str) -> float:
        before = datetime.now(timezone.utc)
        with counted(app) as statements:
            answer = _post(client, auth, "point", {**ORDER, "ticket": ticket}).get_json()
        assert not any(s.lstrip().upper().startswith("SELECT POLICY_SETTING") for s in statements), statements
        promised = datetime.fromisoformat(answer["lines"][0]["allocations"][0]["promised_by"])
        return (promised - before) / timedelta(hours=1)

    def change(hours: int) -> None:
        with make_session_factory(engine)() as session, transaction(session):
            set_policy(session, "promise_hours", str(hours), actor="hq")

    _post(client, auth, "point", {**ORDER, "ticket": "T-POLICY-0"})  # warm: the key's last-used time is touched
    assert 47.9 < promised_hours("T-POLICY-1") < 48.1
    change(200)
    assert 199.9 < promised_hours("T-POLICY-2") < 200.1
    change(48)
    assert 47.9 < promised_hours("T-POLICY-3") < 48.1
    change(72)
    assert 71.9 < promised_hours("T-POLICY-4") < 72.1


def test_the_submit_response_is_what_the_schema_dumps(app, client, auth):
    answers = [_post(client, auth, "point", ORDER).get_json(),
               _post(client, auth, "dealer", {**ORDER, "in_warranty": None, "ticket": None,
                                              "lines": [{"sku": "WM-PUMP-01", "qty": 70}]}).get_json()]
    for answer in answers:
        again = client.get(f"/api/v1/requisitions/{answer['id']}", headers=auth["hq"]).get_json()
        again.pop("history")
        assert answer == again
    from api.extensions import db

    with app.test_request_context():
        for req in db.session.scalars(select(Requisition)):
            assert requisition_body(req) == REQUISITION.dump(req)


@pytest.mark.parametrize("number", [1, 12345678, 99999999, 100000000, 1234567890])
def test_the_number_drawn_in_the_write_names_the_ledger_rows_as_the_requisition_is_coded(engine, number):
    """The one-statement write (PostgreSQL) codes the ledger rows' ref in SQL: as `format_code` does."""
    from sqlalchemy import text

    from inventory.requisitions.models import format_code
    from inventory.requisitions.writing import _NUMBER

    if engine.dialect.name != "postgresql":
        pytest.skip("the one-statement write is PostgreSQL's")
    with engine.connect() as conn:
        assert conn.execute(text(f"WITH {_NUMBER} SELECT code FROM n"), {"req_id": number}).scalar_one() == \
            format_code(number)


def test_the_submit_response_charges_the_visit_fee_as_a_later_read_does(app, client, auth, engine):
    """On PostgreSQL the response's visit-fee holder is read by the statement that writes the
    requisition (`customer_charges.holder_columns`); elsewhere by a query of its own. Either way the
    answer is what reading the requisition back at once says, whoever carries the ticket's fee."""
    from datetime import timedelta

    from inventory.db import make_session_factory, utcnow
    from inventory.tickets import record_event

    def read_back(answer: dict) -> dict:
        again = client.get(f"/api/v1/requisitions/{answer['id']}", headers=auth["hq"]).get_json()
        assert again["customer_charge"] == answer["customer_charge"], answer["id"]
        return answer

    def paid(ticket: str, who: str = "point") -> dict:
        return read_back(_post(client, auth, who, {**ORDER, "ticket": ticket}).get_json())

    now = utcnow()
    with make_session_factory(engine)() as session, transaction(session):  # brought in and repaired: 在点
        record_event(session, "T-SHOP", "created", now - timedelta(hours=3), now=now, service_point="SP0001")
        record_event(session, "T-SHOP", "completed", now - timedelta(hours=1), now=now)
    first, second = paid("T-FEE"), paid("T-FEE")
    assert client.post(f"/api/v1/requisitions/{first['id']}/cancel", headers=auth["point"]).status_code == 200
    third, shop = paid("T-FEE"), paid("T-SHOP")
    dealer = read_back(_post(client, auth, "dealer", {**ORDER, "in_warranty": None, "ticket": None}).get_json())

    charges = {name: answer["customer_charge"] for name, answer in
               dict(first=first, second=second, third=third, shop=shop, dealer=dealer).items()}
    assert (charges["first"]["visit_fee"]["kind"], charges["first"]["visit_fee_on"]) == ("visit", None)
    assert (charges["second"]["visit_fee"], charges["second"]["visit_fee_on"]) == (None, first["id"])
    assert (charges["third"]["visit_fee"], charges["third"]["visit_fee_on"]) == (None, second["id"])
    assert charges["shop"]["visit_fee"]["kind"] == "in_shop"
    assert (charges["dealer"]["visit_fee"], charges["dealer"]["visit_fee_on"]) == (None, None)


def test_the_one_statement_write_stays_short_enough_for_psycopg_to_cache_its_parsing(app, client, auth, engine):
    """psycopg converts a statement's placeholders once per text only up to a length; the submit's
    write (the longest statement it sends) must stay under it, with every part of it."""
    if engine.dialect.name != "postgresql":
        pytest.skip("the one-statement write is PostgreSQL's")
    from psycopg._queries import MAX_CACHED_STATEMENT_LENGTH

    with counted(app) as statements:
        _post(client, auth, "point", ORDER)
        _post(client, auth, "dealer", {**ORDER, "in_warranty": None, "ticket": None})
    writes = [s for s in statements if "INSERT INTO requisition_event" in s]
    assert len(writes) == 2 and all("FROM requisition AS q" in s for s in writes)  # the holder read with it
    assert max(len(s.encode()) for s in writes) <= MAX_CACHED_STATEMENT_LENGTH


def test_the_first_querys_options_are_what_reading_them_alone_finds(app, engine):
    """On PostgreSQL a submit's first query carries each part's options as arrays, one row a part
    (`reserving.OPTION_ARRAYS`); they must be the options `options_by_sku` reads on its own, a part
    held nowhere having none."""
    if engine.dialect.name != "postgresql":
        pytest.skip("the options ride on the first query on PostgreSQL only")
    from inventory.access import Principal
    from inventory.db import make_session_factory
    from inventory.requisitions.reserving import options_by_sku
    from inventory.requisitions.service import LineRequest, _point_and_parts
    from inventory.warehouses.models import StockBalance

    with make_session_factory(engine)() as session:
        held = dict(session.execute(select(StockBalance.sku, StockBalance.warehouse_code)).all())
        skus = sorted(held)
        lines = [LineRequest(sku, 1) for sku in skus]
        point, parts, _, _, _, options = _point_and_parts(session, Principal("service_point", "SP0001"), "SP0001",
                                                       lines, None)
        alone = options_by_sku(session, point, skus)
        key = lambda o: (o.sku, o.warehouse)  # noqa: E731
        assert {sku: sorted(found, key=key) for sku, found in options.items()} == \
            {sku: sorted(found, key=key) for sku, found in alone.items()}
        assert sum(len(found) for found in options.values()) > len(skus)  # some part is held at several
        with transaction(session):
            session.execute(StockBalance.__table__.delete().where(StockBalance.sku == skus[0]))
        _, _, _, _, _, options = _point_and_parts(session, Principal("service_point", "SP0001"), "SP0001", lines, None)
        assert options[skus[0]] == [] and set(options) == set(skus)
