"""Reserve, release, consume, reopen and credit dealer quota; HQ raises limits and grants extensions.

Every change is one conditional UPDATE of the month's account plus a movement row, inside
the caller's transaction. Reserving checks `available >= amount` in the UPDATE itself, so
of concurrent submits only those that fit are accepted.
"""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import BigInteger, bindparam, insert, literal, select, text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from .. import audit
from ..business_calendar import month_of
from ..db import to_money, utcnow
from ..errors import Conflict, InvalidInput, NotFound, QuotaExceeded
from ..network import Dealer
from .models import QuotaAccount, QuotaMovement

MAX_AMOUNT = Decimal("100000000.00")


def period_of(at: datetime) -> str:
    """The quota month of an instant, by Beijing calendar (quotas are set per Chinese month)."""
    return month_of(at)


def _dealer(session: Session, code: str) -> Dealer:
    dealer = session.get(Dealer, code)
    if dealer is None:
        raise NotFound(f"no dealer {code}", code="dealer.not_found", dealer=code)
    return dealer


def ensure_account(session: Session, dealer_code: str, period: str) -> None:
    """Open the month's account at the dealer's current monthly limit, race-safe."""
    limit = session.execute(select(Dealer.monthly_quota).where(Dealer.code == dealer_code)).scalar_one_or_none()
    if limit is None:
        raise NotFound(f"no dealer {dealer_code}", code="dealer.not_found", dealer=dealer_code)
    values = {"dealer_code": dealer_code, "period": period, "credit_limit": limit, "extension": Decimal(0),
              "reserved": Decimal(0), "consumed": Decimal(0), "credited": Decimal(0)}
    dialect = session.get_bind().dialect.name
    module = postgresql if dialect == "postgresql" else sqlite
    session.execute(module.insert(QuotaAccount).values(values).on_conflict_do_nothing())


def lock_account(session: Session, dealer_code: str, period: str) -> None:
    """Lock the month's account row. Submit takes it before any stock row, so ship and cancel
    take it first too: the same order everywhere, and crossing requests queue instead of
    deadlocking (FOR UPDATE is not emitted on SQLite, whose write lock is the database's)."""
    ensure_account(session, dealer_code, period)
    session.execute(select(QuotaAccount.dealer_code).where(QuotaAccount.dealer_code == dealer_code,
                                                           QuotaAccount.period == period).with_for_update())


def account(session: Session, dealer_code: str, period: str) -> QuotaAccount:
    ensure_account(session, dealer_code, period)
    return session.execute(
        select(QuotaAccount).where(QuotaAccount.dealer_code == dealer_code, QuotaAccount.period == period)
        .execution_options(populate_existing=True)).scalar_one()


def _move(session, dealer_code, period, kind, amount, actor, reason="", ref_id=None):
    session.execute(insert(QuotaMovement).values(
        at=utcnow(), dealer_code=dealer_code, period=period, kind=kind, amount=amount,
        actor=actor, reason=reason, ref_id=ref_id))


def _cents(amount: Decimal):
    """An amount as a typed integer-cents literal, matching how Money columns are stored."""
    return literal(int(amount * 100), BigInteger())


def _update(session, dealer_code, period, condition=None, **deltas) -> bool:
    """Add Decimal `deltas` to the account's columns if `condition` holds."""
    cols = QuotaAccount
    stmt = (update(QuotaAccount)
            .where(cols.dealer_code == dealer_code, cols.period == period)
            .values({getattr(cols, k): getattr(cols, k) + _cents(v) for k, v in deltas.items()})
            .execution_options(synchronize_session=False))
    if condition is not None:
        stmt = stmt.where(condition)
    return session.execute(stmt).rowcount == 1


def _amount(value) -> Decimal:
    amount = to_money(value)
    if amount < 0 or amount > MAX_AMOUNT:
        raise InvalidInput(f"amount must be between 0.00 and {MAX_AMOUNT}", code="quota.amount_out_of_range",
                           most=MAX_AMOUNT)
    return amount


def _open_statement(dialect: str):
    """INSERT the month's account at the dealer's monthly limit unless it exists (nothing when the
    dealer does not: `ensure_account` says so), built once per dialect: every dealer submit runs it."""
    stmt = _OPEN.get(dialect)
    if stmt is None:
        module = postgresql if dialect == "postgresql" else sqlite
        zero = literal(0, BigInteger())
        table = QuotaAccount.__table__
        stmt = _OPEN[dialect] = module.insert(table).from_select(
            [table.c[name] for name in ("dealer_code", "period", "credit_limit", "extension", "reserved", "consumed",
                                        "credited")],
            select(Dealer.code, bindparam("period", type_=QuotaAccount.period.type), Dealer.monthly_quota,
                   zero, zero, zero, zero).where(Dealer.code == bindparam("dealer"))).on_conflict_do_nothing()
    return stmt


_OPEN: dict = {}
# The conditional UPDATE and its movement row in one statement (PostgreSQL).
_RESERVE = text(
    "WITH u AS (UPDATE quota_account SET reserved=reserved+:cents WHERE dealer_code=:dealer AND period=:period "
    "AND credit_limit+extension+credited-reserved-consumed>=:cents RETURNING dealer_code) "
    "INSERT INTO quota_movement (at,dealer_code,period,kind,amount,actor,reason,ref_id) "
    "SELECT :at,:dealer,:period,'reserve',:cents,:actor,'',:ref_id FROM u RETURNING dealer_code"
).bindparams(bindparam("cents", type_=BigInteger()), bindparam("at", type_=QuotaMovement.at.type))


def reserve(session: Session, dealer_code: str, period: str, amount, *, actor: str, ref_id: str) -> None:
    """Hold `amount` of the month's quota, or refuse the whole request (QuotaExceeded)."""
    amount = _amount(amount)
    dialect = session.get_bind().dialect.name
    session.execute(_open_statement(dialect), {"dealer": dealer_code, "period": period})
    if dialect == "postgresql":
        done = session.execute(_RESERVE, {"cents": int(amount * 100), "dealer": dealer_code, "period": period,
                                          "at": utcnow(), "actor": actor, "ref_id": ref_id}).first() is not None
        if done:
            return
    c = QuotaAccount
    fits = c.credit_limit + c.extension + c.credited - c.reserved - c.consumed >= _cents(amount)
    if dialect == "postgresql" or not _update(session, dealer_code, period, fits, reserved=amount):
        acct = account(session, dealer_code, period)
        raise QuotaExceeded(
            f"requisition value {amount} exceeds dealer {dealer_code}'s available quota "
            f"{acct.available} for {period} by {amount - acct.available}",
            value=str(amount), available=str(acct.available), shortfall=str(amount - acct.available))
    _move(session, dealer_code, period, "reserve", amount, actor, ref_id=ref_id)


def release(session: Session, dealer_code: str, period: str, amount, *, actor: str, ref_id: str,
            reason: str = "cancelled") -> None:
    amount = _amount(amount)
    if amount == 0:
        return
    if not _update(session, dealer_code, period, QuotaAccount.reserved >= _cents(amount),
                   reserved=-amount):
        raise Conflict(f"dealer {dealer_code} has less than {amount} reserved in {period}",
                       code="quota.reserved_short", dealer=dealer_code, amount=amount, period=period)
    _move(session, dealer_code, period, "release", amount, actor, reason, ref_id)


def consume(session: Session, dealer_code: str, period: str, amount, *, actor: str, ref_id: str) -> None:
    """Shipping turns reserved quota into consumed quota."""
    amount = _amount(amount)
    if amount == 0:
        return
    if not _update(session, dealer_code, period, QuotaAccount.reserved >= _cents(amount),
                   reserved=-amount, consumed=amount):
        raise Conflict(f"dealer {dealer_code} has less than {amount} reserved in {period}",
                       code="quota.reserved_short", dealer=dealer_code, amount=amount, period=period)
    _move(session, dealer_code, period, "consume", amount, actor, ref_id=ref_id)


def reopen(session: Session, dealer_code: str, period: str, amount, *, actor: str, ref_id: str,
           reason: str) -> None:
    """Shipped units that turn out not to count (the wrong part arrived) go back from consumed
    to reserved: the replacement consumes them again when it ships, so the dealer pays once."""
    amount = _amount(amount)
    if amount == 0:
        return
    if not _update(session, dealer_code, period, QuotaAccount.consumed >= _cents(amount),
                   consumed=-amount, reserved=amount):
        raise Conflict(f"dealer {dealer_code} has less than {amount} consumed in {period}",
                       code="quota.consumed_short", dealer=dealer_code, amount=amount, period=period)
    _move(session, dealer_code, period, "reopen", amount, actor, reason, ref_id)


def credit(session: Session, dealer_code: str, period: str, amount, *, actor: str, ref_id: str,
           reason: str = "defective return confirmed") -> None:
    """A confirmed defective in-warranty return gives its value back to the month's quota."""
    amount = _amount(amount)
    ensure_account(session, dealer_code, period)
    _update(session, dealer_code, period, credited=amount)
    _move(session, dealer_code, period, "credit", amount, actor, reason, ref_id)


def raise_limit(session: Session, dealer_code: str, new_limit, *, actor: str, reason: str, at: datetime | None = None) -> None:
    """HQ raises a dealer's monthly limit, from this month on (recorded with who and why)."""
    new_limit = _amount(new_limit)
    if not reason.strip():
        raise InvalidInput("a limit change needs a reason", code="quota.limit_change_needs_reason")
    dealer = _dealer(session, dealer_code)
    if new_limit <= dealer.monthly_quota:
        raise InvalidInput(f"new limit {new_limit} is not above the current {dealer.monthly_quota}",
                           code="quota.limit_not_raised", new=new_limit, current=dealer.monthly_quota)
    period = period_of(at or utcnow())
    ensure_account(session, dealer_code, period)
    delta = new_limit - dealer.monthly_quota
    dealer.monthly_quota = new_limit
    _update(session, dealer_code, period, credit_limit=delta)
    _move(session, dealer_code, period, "limit_raise", delta, actor, reason)
    audit.record(session, actor, "quota.raise_limit", f"dealer:{dealer_code}", period=period,
                 previous=str(new_limit - delta), limit=str(new_limit), reason=reason)


def grant_extension(session: Session, dealer_code: str, amount, *, actor: str, reason: str,
                    period: str | None = None) -> None:
    """A one-off extension for one month only (recorded with who and why)."""
    amount = _amount(amount)
    if amount <= 0:
        raise InvalidInput("an extension must be more than 0.00", code="quota.extension_not_positive")
    if not reason.strip():
        raise InvalidInput("an extension needs a reason", code="quota.extension_needs_reason")
    period = period or period_of(utcnow())
    ensure_account(session, dealer_code, period)
    _update(session, dealer_code, period, extension=amount)
    _move(session, dealer_code, period, "extension", amount, actor, reason)
    audit.record(session, actor, "quota.extension", f"dealer:{dealer_code}", period=period,
                 amount=str(amount), reason=reason)


def monthly_report(session: Session, period: str) -> list[QuotaAccount]:
    """Every dealer's account for the month (dealers without activity show their plain limit)."""
    for code in session.scalars(select(Dealer.code)):
        ensure_account(session, code, period)
    return list(session.scalars(select(QuotaAccount).where(QuotaAccount.period == period)
                                .order_by(QuotaAccount.dealer_code)))
