"""Replaced part numbers (替代件, supersession): which skus may serve a request for another.

HQ records that an old sku is replaced by a new one (`A -> B`): a request for A may be served
with B, never the reverse, unless the pair is `two_way` (interchangeable both ways). Chains
follow: with A -> B -> C, a request for A may be served with C. A sku has at most one
successor (the table's key), so a chain is a path; a one-way cycle (A -> B -> A) would let
each part stand for the other without anyone saying so, and is refused (a pair that truly
serves both ways says `two_way`).

Serving order for a request (`Chains.serving`): older interchangeable stock first so it is
not stranded (two-way predecessors, oldest first), then the sku itself, then its successors
along the chain. Demand history follows the chain the other way: a replaced sku's demand
counts for its final successor (`fold_history`), which is the part that will be stocked.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, String, bindparam, delete, or_, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from . import audit
from .catalog import Part
from .db import Base, UTCDateTime, utcnow
from .errors import InvalidInput, NotFound

MAX_ROWS = 5000


class Supersession(Base):
    """`old_sku` is replaced by `new_sku`; `two_way`: the old part may also serve the new one's orders."""

    __tablename__ = "part_supersession"
    __table_args__ = (CheckConstraint("old_sku <> new_sku", name="not_self"),)
    old_sku: Mapped[str] = mapped_column(ForeignKey("part.sku"), primary_key=True)
    new_sku: Mapped[str] = mapped_column(ForeignKey("part.sku"), index=True)
    two_way: Mapped[bool] = mapped_column(Boolean, default=False)
    set_by: Mapped[str] = mapped_column(String(64))
    set_at: Mapped[datetime] = mapped_column(UTCDateTime)


@dataclass(frozen=True)
class Replacement:
    """One row of master data as given (API, spreadsheet, world file)."""

    old_sku: str
    new_sku: str
    two_way: bool = False


@dataclass
class Chains:
    """The replacement graph (or the part of it around some skus): pure, no database."""

    successor: dict[str, str] = field(default_factory=dict)
    two_way: set[str] = field(default_factory=set)  # old skus whose edge to their successor is two-way

    @classmethod
    def of(cls, rows: Iterable[Replacement]) -> Chains:
        chains = cls()
        for row in rows:
            chains.successor[row.old_sku] = row.new_sku
            if row.two_way:
                chains.two_way.add(row.old_sku)
        return chains

    def successors(self, sku: str) -> list[str]:
        """The chain after `sku`, nearest first (A -> B -> C: [B, C] for A)."""
        chain, seen, at = [], {sku}, sku
        while (at := self.successor.get(at)) is not None and at not in seen:
            chain.append(at)
            seen.add(at)
        return chain

    def final(self, sku: str) -> str:
        """The sku at the end of the chain (itself when not replaced)."""
        chain = self.successors(sku)
        return chain[-1] if chain else sku

    def interchangeable_predecessors(self, sku: str) -> list[str]:
        """Older skus that may serve `sku` (reached backwards through two-way links only), oldest first."""
        back: dict[str, list[str]] = defaultdict(list)
        for old, new in self.successor.items():
            if old in self.two_way:
                back[new].append(old)
        found, frontier, seen = [], [sku], {sku}
        while frontier:
            older = [p for s in frontier for p in sorted(back.get(s, ())) if p not in seen]
            seen.update(older)
            found = older + found
            frontier = older
        return found

    def serving(self, sku: str) -> list[str]:
        """The skus that may serve a request for `sku`, in the order their stock is used."""
        return self.interchangeable_predecessors(sku) + [sku] + self.successors(sku)

    def cycle_through(self, old: str) -> list[str] | None:
        """The one-way cycle `old` closes, if any (A -> B -> A: [A, B, A])."""
        chain = [old]
        at = old
        while (at := self.successor.get(at)) is not None:
            chain.append(at)
            if at == old:
                return chain
            if len(chain) > len(self.successor) + 1:
                return None
        return None


def final_successors(chains: Chains) -> dict[str, str]:
    """Every replaced sku mapped to the sku at the end of its chain (the one stocked now)."""
    return {sku: chains.final(sku) for sku in chains.successor}


def fold_history(history: Iterable[tuple[str, float]] | Mapping[str, float],
                 finals: Mapping[str, str]) -> dict[str, float]:
    """Demand per sku with each replaced sku's demand counted for its final successor.

    `history` is {sku: units} or (sku, units) pairs; `finals` is `final_successors(...)`. So a
    forecast or a stock target for C sees the requests still written as A or B (A -> B -> C)."""
    pairs = history.items() if isinstance(history, Mapping) else history
    folded: dict[str, float] = defaultdict(float)
    for sku, units in pairs:
        folded[finals.get(sku, sku)] += units
    return dict(folded)


def load(session: Session) -> Chains:
    """The whole graph (for history folding and the list page)."""
    return Chains.of(Replacement(o, n, t) for o, n, t in session.execute(
        select(Supersession.old_sku, Supersession.new_sku, Supersession.two_way)))


_SKUS = bindparam("skus", expanding=True)
_AROUND = (select(Supersession.old_sku, Supersession.new_sku, Supersession.two_way)  # built once: every submit runs it
           .where(or_(Supersession.old_sku.in_(_SKUS),
                      Supersession.new_sku.in_(_SKUS) & Supersession.two_way.is_(True))))


# Whether any row lies around the skus bound as `skus`: `load_around`'s first step, for a query
# that reads other things too (a submit's), so a sku in no chain costs no query of its own.
ANY_AROUND = _AROUND.exists()


def load_around(session: Session, skus: Iterable[str]) -> Chains:
    """The rows reachable from `skus` forward, and backward through two-way links: all that
    `serving` needs for them, in one query per chain step (usually a single empty one)."""
    chains, frontier, seen = Chains(), set(skus), set()
    while frontier:
        seen |= frontier
        rows = session.execute(_AROUND, {"skus": sorted(frontier)}).all()
        for old, new, two_way in rows:
            chains.successor[old] = new
            if two_way:
                chains.two_way.add(old)
        frontier = {s for old, new, _ in rows for s in (old, new)} - seen
    return chains


def serving_skus(session: Session, skus: Iterable[str], *, any_around: bool = True) -> dict[str, list[str]]:
    """For each sku, the skus that may serve it, in order (itself alone when not in any chain).
    `any_around=False`: the caller read `ANY_AROUND` false for these skus, so none is in a chain."""
    skus = list(skus)
    if not any_around:
        return {sku: [sku] for sku in skus}
    chains = load_around(session, skus)
    return {sku: chains.serving(sku) for sku in skus}


def _check_rows(rows: list[Replacement], known: set[str]) -> None:
    for i, row in enumerate(rows):
        where = f"row {i + 1} ({row.old_sku} -> {row.new_sku})"
        if not row.old_sku or not row.new_sku:
            raise InvalidInput(f"{where}: both the old and the new sku are needed",
                               code="supersession.both_skus_needed", field="old_sku", row=i + 1)
        if row.old_sku == row.new_sku:
            raise InvalidInput(f"{where}: a part cannot replace itself", code="supersession.replaces_itself",
                               field="new_sku", row=i + 1, sku=row.old_sku)
        for name, sku in (("old_sku", row.old_sku), ("new_sku", row.new_sku)):
            if sku not in known:
                raise InvalidInput(f"{where}: unknown sku {sku}", code="supersession.unknown_sku", field=name,
                                   row=i + 1, sku=sku)
    olds = [r.old_sku for r in rows]
    twice = sorted({s for s in olds if olds.count(s) > 1})
    if twice:
        raise InvalidInput(f"{twice[0]} is given two replacements; a sku has one successor",
                           code="supersession.two_successors", field="old_sku", sku=twice[0])


def set_replacements(session: Session, rows: list[Replacement], *, actor: str, source: str,
                     now: datetime | None = None) -> int:
    """Record replacements (a sku's earlier successor is overwritten), all or none: a self
    replacement, an unknown sku or a one-way cycle anywhere refuses the lot. Audited; returns
    how many rows changed. The caller's transaction commits."""
    if not rows:
        raise InvalidInput("no replacements given", code="supersession.no_rows", field="rows")
    if len(rows) > MAX_ROWS:
        raise InvalidInput(f"at most {MAX_ROWS} replacements at once", code="supersession.too_many_rows", field="rows",
                           most=MAX_ROWS)
    skus = {s for r in rows for s in (r.old_sku, r.new_sku) if s}
    known = set(session.scalars(select(Part.sku).where(Part.sku.in_(sorted(skus)))))
    _check_rows(rows, known)
    existing = {r.old_sku: r for r in session.scalars(select(Supersession).with_for_update())}
    chains = Chains.of(Replacement(r.old_sku, r.new_sku, r.two_way) for r in existing.values())
    for row in rows:
        chains.successor[row.old_sku] = row.new_sku
    for row in rows:
        cycle = chains.cycle_through(row.old_sku)
        if cycle:
            raise InvalidInput(f"{row.old_sku} -> {row.new_sku} would close a cycle ({' -> '.join(cycle)}); "
                               "parts that serve each other are one pair with two_way", code="supersession.cycle",
                               field="new_sku", old_sku=row.old_sku, new_sku=row.new_sku, cycle=" -> ".join(cycle))
    now = now or utcnow()
    changes = {}
    for row in rows:
        was = existing.get(row.old_sku)
        if was is not None and (was.new_sku, was.two_way) == (row.new_sku, row.two_way):
            continue
        changes[row.old_sku] = [None if was is None else [was.new_sku, was.two_way], [row.new_sku, row.two_way]]
        if was is None:
            session.add(Supersession(old_sku=row.old_sku, new_sku=row.new_sku, two_way=row.two_way,
                                     set_by=actor, set_at=now))
        else:
            was.new_sku, was.two_way, was.set_by, was.set_at = row.new_sku, row.two_way, actor, now
    if changes:
        audit.record(session, actor, "catalog.supersession", f"supersession:{len(changes)}", source=source,
                     changes=changes)
    session.flush()
    return len(changes)


def remove_replacement(session: Session, old_sku: str, *, actor: str, source: str) -> None:
    """The old sku is no longer replaced (its requests are served with itself only from now)."""
    row = session.get(Supersession, old_sku, with_for_update=True)
    if row is None:
        raise NotFound(f"{old_sku} is not replaced by any part", code="supersession.not_replaced", sku=old_sku)
    audit.record(session, actor, "catalog.supersession", f"supersession:{old_sku}", source=source,
                 changes={old_sku: [[row.new_sku, row.two_way], None]})
    session.execute(delete(Supersession).where(Supersession.old_sku == old_sku))
    session.flush()


def links_of(session: Session, sku: str) -> dict:
    """What the part page and the API show: the part that replaces it and those it replaces."""
    row = session.get(Supersession, sku)
    replaces = session.execute(select(Supersession.old_sku, Supersession.two_way)
                               .where(Supersession.new_sku == sku).order_by(Supersession.old_sku)).all()
    chains = load_around(session, [sku])
    return {"replaced_by": None if row is None else row.new_sku,
            "two_way": bool(row and row.two_way),
            "final_successor": chains.final(sku) if row is not None else None,
            "replaces": [{"sku": old, "two_way": bool(two)} for old, two in replaces],
            "served_by": chains.serving(sku)}


def listing(session: Session) -> list[Supersession]:
    """Every replacement, by old sku (HQ's list page and the export)."""
    return list(session.scalars(select(Supersession).order_by(Supersession.old_sku)))
