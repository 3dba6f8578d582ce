"""Repair tickets (维修工单): call-centre events, the parts waits linked by `ticket`, who pays.

- `events`: `record_event` stores each event once, in any arrival order;
- `waits`: the cause of each parts wait from the evidence recorded at submit (`stock_seen`);
- `facts`: set-based loading of many tickets' facts for the engine (`inventory.attribution`);
- `service`: `build_ticket_input`, `ticket_view` (the API's `GET /tickets/{t}`);
- `causes`: `confirm_cause`, HQ's parts module confirming or correcting a wait's cause;
- `report`: `penalties_for_month`, the monthly penalty report as a plain dict; `parts_waits_for_month`,
  the month's waits past their promise with their causes, for HQ to confirm.
"""
from .causes import confirm_cause
from .events import record_event
from .report import month_bounds, parts_waits_for_month, penalties_by_party, penalties_for_month
from .service import build_ticket_input, event_to_dict, ticket_to_json, ticket_view

__all__ = ["build_ticket_input", "confirm_cause", "event_to_dict", "month_bounds", "parts_waits_for_month",
           "penalties_by_party", "penalties_for_month", "record_event", "ticket_to_json", "ticket_view"]
