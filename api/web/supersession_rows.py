"""Replaced part numbers (替代件) as spreadsheet rows or one form's row: every problem named by
row and column in the page's language, before the domain (`inventory.supersession`) writes them
all or none. The same rules as the domain's, said where the user can fix them."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from inventory import supersession
from inventory.catalog import Part
from inventory.supersession import Chains, Replacement

from .sheet_rows import FALSE, TRUE, Checked, Problem


def _two_way(value, number: int, problems: list[Problem]) -> bool:
    if isinstance(value, bool):
        return value
    v = str(value or "").strip().lower()
    if v in TRUE:
        return True
    if v not in FALSE:
        problems.append(Problem(number, "two_way", _l("must be yes or no (1/0, true/false, 是/否)")))
    return False


def check_rows(session: Session, rows: list[dict], result: Checked) -> None:
    """Known skus, no part replacing itself, one successor per old sku, and no one-way cycle
    with what is already recorded; new/changed/unchanged against the table as it is."""
    skus = {r.get(k, "") for r in rows for k in ("old_sku", "new_sku")}
    known = set(session.scalars(select(Part.sku).where(Part.sku.in_(sorted(skus)))))
    existing = {r.old_sku: r for r in supersession.listing(session)}
    good: list[tuple[int, Replacement]] = []
    seen: dict[str, int] = {}
    for row in rows:
        number, problems = row["_row"], []
        old, new = row.get("old_sku", "").strip(), row.get("new_sku", "").strip()
        for column, sku in (("old_sku", old), ("new_sku", new)):
            if sku not in known:
                problems.append(Problem(number, column, _l("unknown sku '%(sku)s'", sku=sku)))
        if old and old == new:
            problems.append(Problem(number, "new_sku", _l("a part cannot replace itself")))
        if old in seen:
            problems.append(Problem(number, "old_sku", _l("duplicate of row %(row)s", row=seen[old])))
        seen.setdefault(old, number)
        two_way = _two_way(row.get("two_way", ""), number, problems)
        result.problems.extend(problems)
        if not problems:
            good.append((number, Replacement(old, new, two_way)))
    graph = Chains.of(Replacement(r.old_sku, r.new_sku, r.two_way) for r in existing.values())
    for _, rep in good:
        graph.successor[rep.old_sku] = rep.new_sku
    for number, rep in good:
        cycle = graph.cycle_through(rep.old_sku)
        if cycle:
            result.problems.append(Problem(number, "new_sku", _l(
                "would close a cycle (%(cycle)s); parts that serve each other are one two-way pair",
                cycle=" → ".join(cycle))))
    preview = []
    for number, rep in good:
        was = existing.get(rep.old_sku)
        status = "new" if was is None else "unchanged" if (was.new_sku, was.two_way) == (rep.new_sku, rep.two_way) \
            else "update"
        result.new += status == "new"
        result.changed += status == "update"
        result.unchanged += status == "unchanged"
        preview.append({"old_sku": rep.old_sku, "new_sku": rep.new_sku,
                        "two_way": _l("yes") if rep.two_way else _l("no"), "_row": number, "_status": status})
    result.rows = [{"old_sku": rep.old_sku, "new_sku": rep.new_sku, "two_way": rep.two_way} for _, rep in good]
    result.preview = preview[:20]


def apply_rows(session: Session, rows: list[dict], *, actor: str, source: str) -> int:
    """Write checked rows through the domain (which checks them again, all or none)."""
    return supersession.set_replacements(
        session, [Replacement(r["old_sku"], r["new_sku"], bool(r["two_way"])) for r in rows], actor=actor,
        source=source)
