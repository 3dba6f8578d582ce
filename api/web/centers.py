"""A provincial service centre's pages (省级服务中心): its month (3-/7-day completion rates against
the province targets, the bonus rules, the fines of its service director, parts admin and chase
clerk, its points' old-part returns), its tickets with what each costs it, one ticket's attribution.

A centre user sees only its own centre: another centre's code or ticket answers 404, as a code
that does not exist does, so a guessed id tells nothing. HQ may read every centre's pages (they
have no forms); clerks may not.
"""
from __future__ import annotations

import functools
from datetime import datetime

from flask import abort, g, render_template, request
from flask_babel import lazy_gettext as _l

from inventory.access import CENTER
from inventory.centers import center_month, center_returns, center_ticket
from inventory.errors import NotFound
from inventory.network import Center
from inventory.policy import DEFAULTS, load_policy

from ..extensions import db
from .auth import Access, current_user
from .clerk import page_number
from .blueprint import bp
from .labels import party_label
from .periods import period_arg
from .views import when

HQ = "hq"
PAGE = 50
FILTERS = ("late", "over_7_days", "fined", "open")

TICKET_STATUS = {"open": _l("in progress"), "completed": _l("completed")}
REASON = {
    "hq_dispatch": _l("late dispatch by HQ"), "center_dispatch": _l("late dispatch by the centre"),
    "wrong_dispatch": _l("wrong dispatch"), "regional_shortage": _l("regional warehouse short"),
    "regional_late_shipment": _l("regional warehouse shipped late"),
    "regional_wrong_part": _l("regional warehouse shipped the wrong part"),
    "hq_shortage": _l("short everywhere"), "hq_late_shipment": _l("HQ shipped late"),
    "hq_wrong_part": _l("HQ shipped the wrong part"), "contact": _l("late contact"), "visit": _l("late visit"),
    "repair": _l("slow repair"), "center_over_7_days": _l("over 7 days through the centre"),
}
EVENT = {
    "created": _l("ticket created"), "dispatched_center": _l("dispatched to the centre"),
    "dispatched_point": _l("dispatched to the point"), "contacted": _l("customer contacted"),
    "visited": _l("visited"), "completed": _l("completed"), "rescheduled_by_customer": _l("rescheduled by the customer"),
    "force_majeure": _l("force majeure"), "wrong_dispatch": _l("wrong dispatch"),
}
BONUS_RULE = {"over_3_days_rate": _l("too many tickets over 3 days"),
              "over_7_days_count": _l("too many tickets over 7 days")}


@bp.app_template_filter("isotime")
def isotime(value: str | None) -> str:
    """An ISO-8601 instant as the views hold them (`ticket_view`), in the page's time and format."""
    return when(datetime.fromisoformat(value)) if value else ""


def center_page(view):
    """A page of one centre (`<center>` in the URL): its own users and HQ may read it; a centre
    user asking for another centre gets 404, clerks 403."""

    @functools.wraps(view)
    def wrapper(center: str, *args, **kwargs):
        user = current_user()
        if user.role == CENTER and user.center_code != center:
            abort(404)
        if user.role not in (HQ, CENTER):
            abort(403)
        found = db.session.get(Center, center)
        if found is None:
            abort(404)
        g.center = found
        return view(found, *args, **kwargs)

    wrapper.web_access = Access(roles=(HQ, CENTER))
    return wrapper


def _shown(tickets: list[dict], only: str | None) -> list[dict]:
    if only == "late":
        return [t for t in tickets if t["over_3_days"]]
    if only == "over_7_days":
        return [t for t in tickets if t["over_7_days"]]
    if only == "fined":
        return [t for t in tickets if t["center_fines"]]
    if only == "open":
        return [t for t in tickets if t["status"] == "open"]
    return tickets


@bp.get("/centers/<center>/")
@center_page
def center_home(center: Center):
    """The centre's month: rates, bonus rules, its roles' fines, its points' returns, its tickets."""
    from .penalties import ROLE  # the HQ report's words for the roles (imported late: it imports views)

    period = period_arg()
    policy = load_policy(db.session)
    month = center_month(db.session, center.code, period, policy)
    returns = center_returns(db.session, center.code, period)
    db.session.rollback()
    only = request.args.get("only") if request.args.get("only") in FILTERS else None
    shown = _shown(month["tickets"], only)
    page = page_number()
    return render_template(
        "center/home.html", center=center, period=period, month=month, rates=month["rates"], returns=returns,
        policy=policy, origins={key: DEFAULTS[key].origin for key in DEFAULTS}, only=only,
        tickets=shown[(page - 1) * PAGE:page * PAGE], total=len(shown), page=page, per_page=PAGE,
        roles=list(ROLE), role_label=lambda r: ROLE.get(r, r), reason_label=lambda r: REASON.get(r, r),
        ticket_status_label=lambda s: TICKET_STATUS.get(s, s), bonus_rule_label=lambda r: BONUS_RULE.get(r, r))


@bp.get("/centers/<center>/tickets/<ticket>")
@center_page
def center_ticket_page(center: Center, ticket: str):
    """One of the centre's tickets: timeline, parts waits and their causes, who is charged what."""
    from .penalties import CAUSE, CAUSE_STATUS, ROLE

    try:
        view = center_ticket(db.session, center.code, ticket, load_policy(db.session))
    except NotFound:
        abort(404)
    db.session.rollback()
    return render_template(
        "center/ticket.html", center=center, t=view, period=request.args.get("period") or "",
        party_label=party_label, reason_label=lambda r: REASON.get(r, r), role_label=lambda r: ROLE.get(r, r),
        event_label=lambda e: EVENT.get(e, e), ticket_status_label=lambda s: TICKET_STATUS.get(s, s),
        cause_label=lambda c: CAUSE.get(c, c), cause_status_label=lambda s: CAUSE_STATUS.get(s, s))
