"""Bins over the API (HQ any warehouse; a clerk's key only its own, another warehouse is 404)
with bad input refused whole, and the packing slip (装箱单): a PDF with the requisition's QR for
its owner and HQ, 404 for anyone else's requisition."""
from __future__ import annotations

import pytest

from inventory.access import create_key
from inventory.db import make_session_factory, transaction

from .. import pdfs
from .test_cli_ledger import parts  # noqa: F401 - the fixture: the `parts` command on the test database

BINS = "/api/v1/warehouses/GD1/bins"


@pytest.fixture
def clerk_key(engine, auth):
    """A clerk's key for GD1 (the tiny world is loaded by `auth`)."""
    with make_session_factory(engine)() as session, transaction(session):
        key = create_key(session, "clerk", "GD1")
    return {"Authorization": f"Bearer {key}"}


def put(client, headers, lines, url=BINS):
    return client.put(url, headers=headers, json={"bins": lines})


def test_hq_sets_bins_and_reads_them_back_in_bin_order(client, auth):
    response = put(client, auth["hq"], [{"sku": "WM-PUMP-01", "bin": "b-02"}, {"sku": "AC-REMOTE-01", "bin": "A-01"}])
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["changed"] == 2
    listed = client.get(BINS, headers=auth["hq"])
    assert listed.headers["X-Total-Count"] == "2"
    assert [(b["sku"], b["bin"], b["name"]) for b in listed.get_json()] == [
        ("AC-REMOTE-01", "A-01", "遥控器"), ("WM-PUMP-01", "B-02", "排水泵")]
    assert [b["sku"] for b in client.get(BINS + "?bin=B", headers=auth["hq"]).get_json()] == ["WM-PUMP-01"]


def test_null_clears_a_bin_and_other_skus_keep_theirs(client, auth):
    put(client, auth["hq"], [{"sku": "WM-PUMP-01", "bin": "B-02"}, {"sku": "AC-REMOTE-01", "bin": "A-01"}])
    response = put(client, auth["hq"], [{"sku": "WM-PUMP-01", "bin": None}])
    assert response.get_json() == {"changed": 1, "bins": []}
    assert [b["sku"] for b in client.get(BINS, headers=auth["hq"]).get_json()] == ["AC-REMOTE-01"]


def test_a_clerks_key_keeps_its_own_warehouses_bins_and_no_other(client, auth, clerk_key):
    assert put(client, clerk_key, [{"sku": "WM-PUMP-01", "bin": "A-01"}]).status_code == 200
    assert client.get(BINS, headers=clerk_key).get_json()[0]["updated_by"] == "clerk:GD1"
    other = "/api/v1/warehouses/HB1/bins"
    assert client.get(other, headers=clerk_key).status_code == 404
    assert put(client, clerk_key, [{"sku": "WM-PUMP-01", "bin": "A-01"}], url=other).status_code == 404
    assert client.get(other, headers=auth["hq"]).get_json() == []


@pytest.mark.parametrize("who", ["dealer", "point", "call_center"])
def test_dealers_points_and_the_call_center_may_not_touch_bins(client, auth, who):
    assert client.get(BINS, headers=auth[who]).status_code == 403
    assert put(client, auth[who], [{"sku": "WM-PUMP-01", "bin": "A-01"}]).status_code == 403


@pytest.mark.parametrize("lines, field", [
    ([{"sku": "WM-PUMP-01", "bin": "A-01"}, {"sku": "NO-SUCH", "bin": "A-02"}], "sku"),
    ([{"sku": "WM-PUMP-01", "bin": "A-01"}, {"sku": "AC-REMOTE-01", "bin": "A 02"}], "bin"),
    ([{"sku": "WM-PUMP-01", "bin": "A-01"}, {"sku": "WM-PUMP-01", "bin": "A-02"}], "bins"),
    ([{"sku": "WM-PUMP-01", "bin": ""}], "bins.0.bin"),
    ([{"sku": "WM-PUMP-01", "bin": "A-01", "shelf": 3}], "bins.0.shelf"),
])
def test_bad_input_is_refused_whole_and_nothing_changes(client, auth, lines, field):
    response = put(client, auth["hq"], lines)
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    assert field in response.get_json()["errors"]
    assert client.get(BINS, headers=auth["hq"]).get_json() == []


def test_an_unknown_warehouse_is_404(client, auth):
    assert client.get("/api/v1/warehouses/XX9/bins", headers=auth["hq"]).status_code == 404
    assert put(client, auth["hq"], [{"sku": "WM-PUMP-01", "bin": "A-01"}],
               url="/api/v1/warehouses/XX9/bins").status_code == 404


# -- the packing slip ---------------------------------------------------------------------------------

def _requisition(client, headers, ship_to="SP0001") -> str:
    response = client.post("/api/v1/requisitions", headers=headers,
                           json={"ship_to": ship_to, "lines": [{"sku": "WM-PUMP-01", "qty": 2}]})
    assert response.status_code == 201, response.get_json()
    return response.get_json()["id"]


def test_the_owner_and_hq_get_the_packing_slip_as_a_pdf_with_the_requisitions_qr(client, auth):
    put(client, auth["hq"], [{"sku": "WM-PUMP-01", "bin": "A-01-02"}])
    code = _requisition(client, auth["dealer"])
    for who in ("dealer", "hq"):
        response = client.get(f"/api/v1/requisitions/{code}/packing-slip", headers=auth[who])
        assert response.status_code == 200 and response.mimetype == "application/pdf"
        assert pdfs.codes(response.get_data()) == [("QRCode", code)]
    pdfs.needs_embedded_cjk_font()
    words = pdfs.text(response.get_data())
    assert "装箱单" in words and "A-01-02" in words and "广州天河特约维修网点" in words
    assert pdfs.embedded_fonts(response.get_data())


@pytest.mark.parametrize("who, status", [("other_dealer", 404), ("other_point", 404), ("point", 404),
                                         ("call_center", 403)])
def test_anyone_elses_packing_slip_is_not_found(client, auth, who, status):
    code = _requisition(client, auth["dealer"])
    response = client.get(f"/api/v1/requisitions/{code}/packing-slip", headers=auth[who])
    assert response.status_code == status
    assert response.mimetype == "application/problem+json"
    assert client.get(f"/api/v1/requisitions/{code}", headers=auth[who]).status_code == status  # as the requisition


def test_an_unknown_requisition_has_no_packing_slip(client, auth):
    assert client.get("/api/v1/requisitions/R99999999/packing-slip", headers=auth["hq"]).status_code == 404
    assert client.get("/api/v1/requisitions/nonsense/packing-slip", headers=auth["hq"]).status_code == 404


def test_the_cli_makes_a_clerks_key_for_a_known_warehouse_only(parts, world, client):
    result = parts("keys", "create", "--clerk", "GD1")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("clerk:GD1 key")
    headers = {"Authorization": f"Bearer {result.stdout.split()[-1]}"}
    assert client.get(BINS, headers=headers).status_code == 200
    assert client.get("/api/v1/warehouses/HB1/bins", headers=headers).status_code == 404
    assert parts("keys", "create", "--clerk", "XX9").returncode != 0
