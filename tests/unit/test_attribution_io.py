"""The offline ticket JSON (API.md "The same engine offline"): parsing, one-line errors, output shape."""
from __future__ import annotations

import copy
import json

import pytest

from inventory.attribution_io import attribution_from_json, parse_ticket
from inventory.errors import InvalidInput
from inventory.policy import Policy


def ticket_json() -> dict:
    """API.md's example, completed 102 h after creation after a regional shortage 46 h past its promise."""
    return {
        "ticket": "T1", "service_point": "SP0001", "center": "GD", "distance_class": "urban",
        "family": "fully_automatic",
        "events": [
            {"type": "created", "at": "2026-11-02T09:00:00+08:00"},
            {"type": "dispatched_center", "at": "2026-11-02T09:06:00+08:00"},
            {"type": "dispatched_point", "at": "2026-11-02T09:12:00+08:00"},
            {"type": "contacted", "at": "2026-11-02T09:30:00+08:00"},
            {"type": "visited", "at": "2026-11-02T14:00:00+08:00", "note": "pump noisy"},
            {"type": "rescheduled_by_customer", "at": "2026-11-03T09:00:00+08:00",
             "until": "2026-11-03T09:00:00+08:00"},
            {"type": "completed", "at": "2026-11-06T15:00:00+08:00"},
        ],
        "parts_waits": [{"requisition": "R1", "submitted_at": "2026-11-02T15:00:00+08:00",
                         "promised_by": "2026-11-04T15:00:00+08:00", "delivered_at": "2026-11-06T13:00:00+08:00",
                         "cause": "regional_shortage"}],
    }


def test_the_api_example_gives_the_documented_shape_with_money_as_strings():
    out = attribution_from_json(ticket_json(), Policy())
    assert out["late"] is True
    assert out["late_hours"] == 30.0
    # 102 h is late but within 7 days: the centre's shortage is recorded, its roles are not fined
    assert out["attribution"] == [{"party": "center:GD", "reason": "regional_shortage", "hours": 46.0,
                                   "fine": "0.00", "requisitions": ["R1"]}]
    assert (out["center_hours"], out["over_7_days_center_cause"]) == (46.0, False)
    assert out["visit_bonus"] == "20.00"
    assert out["completed_at"] == "2026-11-06T07:00:00+00:00"
    json.dumps(out)


def test_over_7_days_through_the_center_the_three_fines_name_their_roles():
    data = ticket_json()
    data["events"][-1]["at"] = "2026-11-10T15:00:00+08:00"  # completed at 198 h
    data["parts_waits"][0]["delivered_at"] = "2026-11-10T13:00:00+08:00"  # 142 h past the promise
    out = attribution_from_json(data, Policy())
    assert out["attribution"][1:] == [
        {"party": "center:GD", "reason": "center_over_7_days", "hours": 0.0, "fine": "50.00", "role": role}
        for role in ("service_director", "parts_admin", "chase_clerk")]
    assert (out["fine_total"], out["over_7_days_center_cause"]) == ("150.00", True)


def test_a_regional_warehouse_cause_names_its_warehouse_and_charges_it():
    data = ticket_json()
    data["parts_waits"][0] |= {"cause": "regional_late_shipment", "warehouse": "GD1"}
    out = attribution_from_json(data, Policy())
    assert out["attribution"] == [{"party": "warehouse:GD1", "reason": "regional_late_shipment", "hours": 46.0,
                                   "fine": "30.00", "requisitions": ["R1"]}]


def test_the_centres_own_warehouses_late_shipment_counts_towards_its_7_day_fine():
    data = ticket_json()
    data["events"][-1]["at"] = "2026-11-10T15:00:00+08:00"  # completed at 198 h
    data["parts_waits"][0] |= {"cause": "regional_late_shipment", "warehouse": "GD1",
                               "delivered_at": "2026-11-10T13:00:00+08:00"}
    assert attribution_from_json(data, Policy())["over_7_days_center_cause"] is False  # whose GD1 is, unsaid
    out = attribution_from_json(data | {"center_warehouses": ["GD1"]}, Policy())
    assert (out["center_hours"], out["over_7_days_center_cause"], out["fine_total"]) == (142.0, True, "180.00")


def test_a_wrong_dispatch_event_charges_the_center():
    data = ticket_json()
    data["events"].append({"type": "wrong_dispatch", "at": "2026-11-02T09:12:00+08:00",
                           "until": "2026-11-02T19:12:00+08:00", "note": "派错网点"})
    out = attribution_from_json(data, Policy())
    assert {"party": "center:GD", "reason": "wrong_dispatch", "hours": 10.0, "fine": "0.00"} in out["attribution"]


def test_events_in_another_order_give_the_same_output():
    data = ticket_json()
    shuffled = copy.deepcopy(data)
    shuffled["events"] = list(reversed(data["events"])) + data["events"][:2]
    assert attribution_from_json(shuffled, Policy()) == attribution_from_json(data, Policy())


def test_as_of_bounds_an_open_ticket_for_a_replay():
    data = ticket_json()
    data["events"] = data["events"][:5]
    data["parts_waits"][0]["delivered_at"] = None
    data["as_of"] = "2026-11-05T15:00:00+08:00"  # 78 h after creation, 24 h past the promise
    out = attribution_from_json(data, Policy())
    assert out["completed_at"] is None
    assert (out["late"], out["late_hours"]) == (True, 6.0)
    assert out["attribution"][0]["hours"] == 24.0


def test_a_missing_parts_waits_list_means_no_waits():
    data = ticket_json()
    del data["parts_waits"]
    assert parse_ticket(data).parts_waits == ()


def _set(path: str, value):
    """Return the example with the field at a dotted path (list indexes as numbers) replaced or removed."""
    data = ticket_json()
    *parents, last = path.split(".")
    target = data
    for key in parents:
        target = target[int(key)] if key.isdigit() else target[key]
    key = int(last) if last.isdigit() else last
    if value is DELETE:
        del target[key]
    else:
        target[key] = value
    return data


DELETE = object()

BAD_INPUT = [
    ("events.4.type", "visitted", "events[4].type", "unknown event type 'visitted'"),
    ("events.0.at", "2026-11-02T09:00:00", "events[0].at", "has no offset"),
    ("events.0.at", "yesterday", "events[0].at", "not an ISO 8601 timestamp"),
    ("events.5.until", "2026-11-03T08:00:00+08:00", "events[5].until", "before at"),
    ("events.5.until", DELETE, "events[5].until", "needs until"),
    ("events.0.until", "2026-11-03T08:00:00+08:00", "events[0].until", "only rescheduled_by_customer"),
    ("events.0.colour", "red", "events[0].colour", "unknown field"),
    ("events.1", "created", "events[1]", "expected an object"),
    ("events", {"type": "created"}, "events", "expected a list"),
    ("parts_waits.0.cause", "strike", "parts_waits[0].cause", "unknown cause 'strike'"),
    ("parts_waits.0.promised_by", DELETE, "parts_waits[0].promised_by", "missing"),
    ("parts_waits.0.promised_by", "2026-11-01T15:00:00+08:00", "parts_waits[0].promised_by", "before submitted_at"),
    ("parts_waits.0.delivered_at", "2026-11-01T15:00:00+08:00", "parts_waits[0].delivered_at",
     "before submitted_at"),
    ("parts_waits.0.delivred_at", "2026-11-06T13:00:00+08:00", "parts_waits[0].delivred_at", "unknown field"),
    ("parts_waits.0.requisition", 7, "parts_waits[0].requisition", "non-empty string"),
    ("parts_waits.0.warehouse", "GD1", "parts_waits[0].warehouse", "only regional_late_shipment and"),
    ("parts_waits.0.cause", "regional_wrong_part", "parts_waits[0].warehouse", "names the regional warehouse"),
    ("distance_class", DELETE, "distance_class", "missing"),
    ("distance_class", "rural", "distance_class", "'rural' is not one of urban, remote"),
    ("ticket", DELETE, "ticket", "missing"),
    ("ticket", "", "ticket", "non-empty string"),
    ("center", " ", "center", "non-empty string"),
    ("events", [{"type": "completed", "at": "2026-11-02T09:00:00+08:00"}], "events", "needs a created event"),
    ("as_of", "2026-11-05", "as_of", "has no offset"),
    ("center_warehouses", "GD1", "center_warehouses", "expected a list of warehouse codes"),
    ("center_warehouses", ["GD1", ""], "center_warehouses", "expected a list of warehouse codes"),
]


@pytest.mark.parametrize("path, value, field, message", BAD_INPUT, ids=[f"{row[2]}: {row[3]}" for row in BAD_INPUT])
def test_bad_input_is_refused_with_one_line_naming_the_field(path, value, field, message):
    with pytest.raises(InvalidInput) as caught:
        attribution_from_json(_set(path, value), Policy())
    assert caught.value.message.startswith(f"{field}: ")
    assert message in caught.value.message
    assert "\n" not in caught.value.message
    assert caught.value.details["field"] == field


def test_a_body_that_is_not_an_object_is_refused():
    with pytest.raises(InvalidInput, match="^ticket: expected an object$"):
        parse_ticket(["T1"])
