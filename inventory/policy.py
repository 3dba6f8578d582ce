"""The policy table: every number HQ may change, with the seeds' defaults.

Defaults come from seed 000 (ticket allowances, fines, bonuses, province targets), seed 001
(2-day delivery, air-conditioner warranty) and seed 003 (三包). Each key names its `origin`: the
seed and section it comes from, or `ours` when the seed leaves the amount blank or is silent,
so the policy page can mark our defaults (我方默认) apart from the maker's rules.
HQ overrides a value in the `policy_setting` table; code reads `load_policy(session).<key>`.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import String, Text, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Mapped, Session, mapped_column, scoped_session
from sqlalchemy.sql.functions import FunctionElement

from . import audit
from .business_calendar import month_bounds
from .db import Base, UTCDateTime, keep, kept, utcnow
from .errors import InvalidInput

D = Decimal
MAX_BUDGET = D(10) ** 10  # RMB; a stock budget beyond this is a typing error, not a plan
BUDGET_TEXT = re.compile(r"[0-9]{1,11}(\.[0-9]{1,2})?")  # a budget as typed: ASCII (\d takes "１２３" too)


@dataclass(frozen=True)
class Origin:
    """Where a default comes from: a seed (`000`, `001`, `003`) and its section as numbered there,
    or ours (`seed` None): `blank` when the seed states the rule but leaves the amount blank."""

    seed: str | None = None
    section: str = ""
    blank: bool = False

    @property
    def ours(self) -> bool:
        return self.seed is None


def seed(number: str, section: str) -> Origin:
    return Origin(number, section)


OURS = Origin()  # the seeds say nothing of it: a number the service needs
BLANK = Origin(blank=True)  # the seed names the fine or bonus but leaves its amount blank (……各 单的处罚)


@dataclass(frozen=True)
class Item:
    default: Any
    description: str
    origin: Origin | None = None  # None: not yet classified (tests/unit/test_policy_origins.py refuses it)
    least: Any = None  # the smallest value HQ may set, where a smaller one would switch a safeguard off;
    # a number without one may not be negative (no key is: hours, days, money, shares, counts)
    most: Any = None  # the largest that still means something (a share at most 1, an hour of the day 23)


THREE_DAY_85 = "广东 广西 湖南 湖北 浙江 江苏 四川 重庆 福建 江西 安徽 河南 河北 陕西".split()
THREE_DAY_70 = "云南 贵州 山东 辽宁 吉林 黑龙江".split()

DEFAULTS: dict[str, Item] = {
    # 2-day parts delivery (seed 001: 2天内配件发运到位率 100%)
    "promise_hours": Item(48, "hours from acceptance within which a requisition line must arrive", seed("001", "2.3.4 2天内配件发运到位率100%"),
                          least=1, most=24 * 30),
    "optimizer_value_on_time": Item(D("1000.00"), "RMB per unit of line weight delivered on time", OURS),
    "optimizer_value_late": Item(D("400.00"), "RMB per unit of line weight delivered late", OURS),
    "optimizer_nightly_hour_utc": Item(18, "hour (UTC) of the nightly optimizer run; 18 UTC = 02:00 Beijing", OURS, most=23),
    "regional_min_mean": Item(D("0.05"), "expected units over a regional warehouse's cover below which the nightly "
                                         "transfers leave a sku at HQ; lower holds more of the long tail near the "
                                         "points (README: the trade-off curve)", OURS),
    # the nightly base-stock targets (optimizer/targets.py)
    "target_history_days": Item(28, "days of requisitions the nightly targets estimate each warehouse's daily demand from",
                                OURS, least=1),
    "target_prior_days": Item(14, "days' weight of the catalogue's annual demand blended into that estimate "
                                  "(a sku seldom seen still gets a rate)", OURS, least=0),
    "target_service_z": Item(D("1.65"), "safety factor of a regional base-stock target: mean plus this many "
                                        "standard deviations of demand over the cover", OURS, least=D("0"),
                            most=D("5")),
    "hq_keep_days": Item(2, "tenths of the network's targets of a sku that HQ keeps back from the nightly transfers",
                         OURS, least=0, most=10),
    # stock planning (docs/planning.md)
    "stock_budget": Item(D("30000000.00"), "RMB of stock on hand at cost that the stock plan places across HQ and "
                                           "the regional warehouses", seed("001", "2.3.4 总库存量达到3000多万元"),
                         least=D("0.01"), most=MAX_BUDGET),
    "supplier_lead_days": Item(D("10.5"), "days from an HQ purchase order to the supplier's delivery, on average", OURS, least=D("0.5")),
    "purchase_review_days": Item(7, "days between HQ's purchase reviews", OURS, least=1),
    # ticket flow allowances (seed 000 四.2)
    "hq_dispatch_minutes": Item(15, "HQ must dispatch a ticket to the provincial centre within", seed("000", "四 信息处理管理规定 1")),
    "center_dispatch_minutes": Item(15, "the centre must dispatch to a service point within", seed("000", "四 信息处理管理规定 2")),
    "contact_hours": Item(1, "the point must contact the customer within (working hours)", seed("000", "四 信息处理管理规定 3")),
    "visit_hours_urban": Item(24, "visit allowance within 30 km (市内/近郊)", seed("000", "二.三 限时上门维修; 四 信息处理管理规定 4")),
    "visit_hours_remote": Item(72, "visit allowance beyond 30 km (郊县/远郊)", seed("000", "二.三 限时上门维修; 四 信息处理管理规定 4")),
    # fines and bonuses (seed 000 四.2 处罚规定); blanks in the seed marked 'our default'
    "fine_hq_dispatch": Item(D("30.00"), "HQ order-taker fine per late dispatch (seed)", seed("000", "四 信息处理管理规定 1")),
    "fine_center_dispatch": Item(D("30.00"), "centre order-taker fine per late dispatch (seed)", seed("000", "四 信息处理管理规定 2")),
    "fine_center_over_7d_per_role": Item(D("50.00"), "centre fine to each of its 3 roles (service director, parts "
                                                     "admin, chase clerk) per ticket over 7 days through its cause "
                                                     "(shortage, wrong dispatch) (our default; blank in seed)", BLANK),
    "fine_hq_parts_group": Item(D("30.00"), "HQ parts group fine per late or wrong shipment (seed)", seed("000", "四 处罚规定 3")),
    "fine_regional_warehouse": Item(D("30.00"), "regional warehouse fine per late or wrong shipment on a late ticket "
                                                "(our default; the seed names HQ's parts group only)", OURS),
    "fine_point_over_72h": Item(D("50.00"), "point fine per unit not repaired within 72 h (our default; blank in seed)", BLANK),
    "fine_point_over_7d": Item(D("200.00"), "point fine per unit not repaired within 7 days (our default; blank in seed)", BLANK),
    "bonus_visit_twin_tub": Item(D("10.00"), "timely-visit bonus per twin-tub unit (seed)", seed("000", "四 上门及时奖励规定")),
    "bonus_visit_fully_automatic": Item(D("20.00"), "timely-visit bonus per fully automatic unit (seed)", seed("000", "四 上门及时奖励规定")),
    "bonus_visit_other": Item(D("20.00"), "timely-visit bonus for other families (our default)", OURS),
    "ticket_three_day_hours": Item(72, "non-excused hours after which a ticket is over 3 days (三天处理完成), "
                                       "and the point's own hours after which it is fined (超72小时未完成维修)", seed("000", "三 服务工作目标; 四 处罚规定 1")),
    "ticket_seven_day_hours": Item(168, "non-excused hours after which a ticket is over 7 days (七天处理完成), "
                                        "and the point's own hours after which the larger fine replaces the 72 h one", seed("000", "三 服务工作目标; 四 处罚规定 1")),
    # monthly centre rules
    "center_over_3d_rate_limit": Item(D("0.21"), "share of a centre's tickets over 3 days above which its roles lose the bonus",
                                      seed("000", "四 处罚规定 2"), most=D("1")),
    "center_over_7d_count_limit": Item(5, "tickets over 7 days above which the centre's roles lose the bonus and are fined", seed("000", "四 处罚规定 2")),
    "fine_center_director_monthly": Item(D("200.00"), "monthly fine to the service director (our default; blank in seed)", BLANK),
    "fine_center_staff_monthly": Item(D("100.00"), "monthly fine to parts admin and chase clerk each (our default; blank in seed)", BLANK),
    "three_day_targets": Item({**{p: "0.85" for p in THREE_DAY_85}, **{p: "0.70" for p in THREE_DAY_70}},
                              "province -> share of tickets to complete within 3 days (seed 000 三)", seed("000", "三 服务工作目标")),
    "three_day_target_default": Item(D("0.70"), "3-day target for provinces the seed does not list (our default)", OURS, most=D("1")),
    "seven_day_target": Item(D("1.00"), "share of tickets to complete within 7 days, everywhere", seed("000", "三 服务工作目标"),
                             most=D("1")),
    "exchange_wait_days": Item(90, "days waiting for a part the maker did not supply before the customer may exchange (三包)", seed("003", "七 三包期限 4")),
    # returns (旧件退回)
    "return_due_days": Item(30, "days after issue by which an old part must be back", OURS, least=1),
    "return_charge_rate": Item(D("1.00"), "share of the part price charged for an overdue or wrong-part return", OURS),
    # web sign-in (inventory/signin.py): failures that lock a username or an address; new users' passwords
    "signin_max_failures": Item(10, "failed sign-ins for one username within the window after which it is locked",
                                OURS, least=1),
    "signin_address_max_failures": Item(50, "failed sign-ins from one network address within the window after "
                                            "which it is locked", OURS, least=1),
    "signin_window_minutes": Item(15, "minutes over which failed sign-ins are counted", OURS, least=1),
    "signin_lock_minutes": Item(15, "minutes a locked username or address is refused, even with the right password "
                                    "(HQ may unlock it sooner)", OURS, least=1),
    "password_min_length": Item(10, "fewest characters in a new web user's password", OURS, least=8),
    # warranty months (seed 000 二.五)
    "warranty_household_unit_months": Item(12, "household unit warranty", seed("000", "二.五 保修期限")),
    "warranty_household_key_months": Item(36, "household key components (主要部件)", seed("000", "二.五 保修期限")),
    "warranty_household_part_months": Item(3, "replacement parts", seed("000", "二.五 保修期限")),
    "warranty_commercial_unit_months": Item(3, "commercial unit warranty", seed("000", "二.五 保修期限")),
    "warranty_commercial_key_months": Item(6, "commercial key components", seed("000", "二.五 保修期限")),
    "warranty_commercial_part_months": Item(1, "commercial replacement parts", seed("000", "二.五 保修期限")),
    # air conditioners (seed 001 1.2 包修承诺); the washer keys above are seed 000's
    "warranty_ac_household_parts_for_life": Item(True, "household air conditioner ordinary parts replaced free for "
                                                       "life (零配件终身免费更换); off: they follow the unit months below",
                                                 seed("001", "1.2 包修承诺")),
    "warranty_ac_household_unit_months": Item(72, "household air conditioner whole-unit warranty (整机包修六年): the "
                                                  "visit fee and the 三包 period, and ordinary parts when not free for life",
                                              seed("001", "1.2 包修承诺")),
    "warranty_ac_household_key_months": Item(72, "household air conditioner compressor and other key components "
                                                 "(压缩机包修六年)", seed("001", "1.2 包修承诺")),
    "warranty_ac_commercial_unit_months": Item(72, "light commercial air conditioner unit warranty (整机保修六年)", seed("001", "1.2 包修承诺")),
    "warranty_ac_commercial_key_months": Item(72, "light commercial air conditioner key components", seed("001", "1.2 包修承诺 (整机保修六年)")),
    # out-of-warranty money (seed 003 10 保修期外收费标准, its 注(2): 乱收费十倍罚款)
    "visit_fee_municipality": Item(D("40.00"), "visit fee an out-of-warranty customer pays in a municipality (直辖市)",
                                   seed("003", "10 保修期外收费标准")),
    "visit_fee_provincial_capital": Item(D("30.00"), "visit fee an out-of-warranty customer pays in a provincial "
                                                     "capital (省会城市)", seed("003", "10 保修期外收费标准")),
    "visit_fee_prefecture": Item(D("25.00"), "visit fee an out-of-warranty customer pays in a prefecture city (地级市)",
                                 seed("003", "10 保修期外收费标准")),
    "visit_fee_county": Item(D("22.00"), "visit fee an out-of-warranty customer pays in a county (县级市)",
                             seed("003", "10 保修期外收费标准")),
    "visit_fee_in_shop": Item(D("10.00"), "fee an out-of-warranty customer pays when the unit is repaired at the point "
                                          "(在点, 用户送修)", seed("003", "10 保修期外收费标准")),
    "overcharge_penalty_multiple": Item(10, "a point found charging a customer more than allowed pays this many times "
                                            "the excess (多收费金额十倍罚款)", seed("003", "10 保修期外收费标准 注(2)")),
    # cycle counts (inventory/warehouses/cycle_counts.py): ABC classes by yearly issue value, intervals, tolerance
    "cycle_count_a_share": Item(D("0.80"), "share of the network's yearly issue value (units issued over 365 days x "
                                           "unit cost) that the top-ranked skus make up: class A", OURS, most=D("1")),
    "cycle_count_b_share": Item(D("0.15"), "share of the yearly issue value after class A that makes class B; the "
                                           "rest is class C", OURS, most=D("1")),
    "cycle_count_days_a": Item(30, "days between cycle counts of a class A sku in a warehouse", OURS, least=1),
    "cycle_count_days_b": Item(90, "days between cycle counts of a class B sku in a warehouse", OURS, least=1),
    "cycle_count_days_c": Item(365, "days between cycle counts of a class C sku in a warehouse", OURS, least=1),
    "cycle_count_daily_lines": Item(40, "most skus on one warehouse's cycle count in a day (the most overdue "
                                        "first; the rest wait for the next days)", OURS, least=1),
    "cycle_count_tolerance_value": Item(D("500.00"), "RMB of a count variance at cost (|variance| x unit cost) up "
                                                     "to which it is posted without HQ's approval", OURS),
    "cycle_count_tolerance_rate": Item(D("0.10"), "share of the book quantity up to which a count variance is "
                                                  "posted without HQ's approval (both limits must hold)", OURS),
    "list_price_markup": Item(D("1.80"), "customer price of a part with no list price, as a multiple of its unit cost, "
                                         "rounded up to whole RMB (our default; the demo catalogue's list prices are "
                                         "made the same way)", OURS, least=D("1")),
}


class PolicySetting(Base):
    """An HQ override of one policy default; the audit of who and when sits beside it."""

    __tablename__ = "policy_setting"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
    updated_by: Mapped[str] = mapped_column(String(64))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


def parse_value(key: str, raw: str) -> Any:
    """Parse a stored or submitted string into the type of the key's default."""
    if key not in DEFAULTS:
        raise InvalidInput(f"unknown policy key {key!r}", code="policy.unknown_key", key=key)
    default = DEFAULTS[key].default
    try:
        if isinstance(default, bool):
            return raw.strip().lower() in ("1", "true", "yes")
        if isinstance(default, int):
            return int(raw)
        if isinstance(default, Decimal):
            value = Decimal(raw)
            if not value.is_finite():
                raise InvalidOperation
            return Decimal(format(value, "f"))  # "1e3" is kept as 1000: the optimizer reads plain decimals
        if isinstance(default, dict):
            value = json.loads(raw)
            if not isinstance(value, dict):
                raise ValueError
            if key in SHARE_MAPS and not all(_is_share(v) for v in value.values()):
                raise ValueError
            return value
    except (ValueError, InvalidOperation, json.JSONDecodeError):
        raise InvalidInput(f"policy {key}: {raw!r} is not a valid {type(default).__name__}", code="policy.not_valid",
                           key=key, value=repr(raw), type=type(default).__name__) from None
    return raw


SHARE_MAPS = ("three_day_targets",)  # province -> a share from 0 to 1


def _is_share(text: Any) -> bool:
    try:
        share = Decimal(str(text))
    except InvalidOperation:
        return False
    return share.is_finite() and 0 <= share <= 1


# (key, the key it may not exceed): the nightly optimizer refuses a late line worth more than an on-time
# one, and a ticket's 3-day limit cannot lie beyond its 7-day one
AT_MOST = (("optimizer_value_late", "optimizer_value_on_time"), ("ticket_three_day_hours", "ticket_seven_day_hours"))


def _with_the_others(key: str, value: Any, policy: Policy) -> None:
    """`value` for `key` against the keys it is tied to, as they stand."""
    for low, high in AT_MOST:
        if key == low and value > getattr(policy, high):
            raise InvalidInput(f"policy {key}: {value} is more than {high} ({getattr(policy, high)})",
                               code="policy.above_other", key=key, value=value, other=high,
                               other_value=getattr(policy, high))
        if key == high and value < getattr(policy, low):
            raise InvalidInput(f"policy {key}: {value} is less than {low} ({getattr(policy, low)})",
                               code="policy.below_other", key=key, value=value, other=low,
                               other_value=getattr(policy, low))


# RMB amounts a person is paid or fined, or an amount of stock: whole fen (分), like every money column
MONEY_KEYS = tuple(k for k in DEFAULTS if k.startswith(("fine_", "bonus_", "visit_fee_")) or k in (
    "stock_budget", "cycle_count_tolerance_value", "optimizer_value_on_time", "optimizer_value_late"))


def _in_range(key: str, value: Any) -> Any:
    """`value` within the key's `least` and `most`: a negative budget or a 1e9 safety factor is
    saved as readily as a sensible one, and the nightly run then plans with it. A money key takes
    whole fen: a fine of 50.125 would be rounded one way on a ticket and another in the month."""
    item = DEFAULTS[key]
    least, most = item.least, item.most
    if key in MONEY_KEYS:
        most = MAX_BUDGET if most is None else most  # money columns hold whole fen in a bigint
        if value.normalize().as_tuple().exponent < -2:  # (quantize raises beyond 28 digits: 1e27)
            raise InvalidInput(f"policy {key}: {value} has more than two decimal places (RMB to the fen)",
                               code="policy.money_too_precise", key=key, value=value)
    if least is None and isinstance(value, (int, Decimal)) and not isinstance(value, bool):
        least = 0
    if least is not None and value < least:
        raise InvalidInput(f"policy {key}: {value} is less than {least}", code="policy.below_least",
                           key=key, value=value, least=least)
    if most is not None and value > most:
        raise InvalidInput(f"policy {key}: {value} is more than {most}", code="policy.above_most",
                           key=key, value=value, most=most)
    return value


def format_value(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False) if isinstance(value, dict) else str(value)


class Policy:
    """Read-only view of defaults merged with overrides: `policy.promise_hours`."""

    def __init__(self, overrides: dict[str, Any] | None = None):
        self._values = {key: item.default for key, item in DEFAULTS.items()}
        self._values.update(overrides or {})

    def __getattr__(self, key: str) -> Any:
        try:
            return self._values[key]
        except KeyError:
            raise AttributeError(key) from None

    def as_dict(self) -> dict[str, Any]:
        return dict(self._values)

    def three_day_target(self, province: str) -> Decimal:
        raw = self._values["three_day_targets"].get(province)
        return Decimal(raw) if raw is not None else self.three_day_target_default


_SETTINGS = select(PolicySetting.key, PolicySetting.value)  # built once: its cache key is computed once


def load_policy(session: Session) -> Policy:
    rows = session.execute(_SETTINGS).all()
    return Policy({key: parse_value(key, value) for key, value in rows if key in DEFAULTS})


def policy_as_of(session: Session, at: datetime, current: Policy) -> Policy:
    """The policy as it stood just before `at` (a month's end is the next month's first instant):
    `current` with every key HQ changed since put back to the
    value that change replaced. The audit's `policy.set` rows are the policy's history, so a
    closed month's fines are read with the fines and allowances of that month."""
    rows = session.execute(select(audit.AuditEntry.subject, audit.AuditEntry.detail)
                           .where(audit.AuditEntry.action == "policy.set", audit.AuditEntry.at >= at)
                           .order_by(audit.AuditEntry.at.desc(), audit.AuditEntry.id.desc())).all()
    if not rows:
        return current
    values = current.as_dict()
    for subject, detail in rows:  # newest first, so the earliest change since `at` has the last word
        key = subject.removeprefix("policy:")
        if key in DEFAULTS:
            values[key] = parse_value(key, json.loads(detail)["previous"])
    return Policy(values)


def policy_for_month(session: Session, month: str, current: Policy, now: datetime | None = None) -> Policy:
    """The policy a month's fines are read with: as it stood when the month ended, so a fine or an
    allowance HQ changes later never restates a closed month (whose fines were paid); `current`
    while the month runs."""
    end = month_bounds(month)[1]
    return policy_as_of(session, end, current) if end <= (now or utcnow()) else current


def policy_of_transaction(session: Session) -> Policy:
    """The policy as the session's current transaction reads it, loaded once per transaction:
    a request's submit and its response read one policy in one query. `set_policy` drops it,
    and the next transaction reads the table again, so a change is never missed."""
    policy = kept(session, _CACHED)
    if policy is None:
        policy = load_policy(session)  # begins the transaction when none had begun
        keep(session, _CACHED, policy)
    return policy


_CACHED = "policy_of_transaction"


class SettingsText(FunctionElement):
    """Every policy_setting row as one JSON object text ({key: value}; NULL or '{}' when none): a
    column another statement of the request carries (the API key's lookup, `access.authenticate`),
    so the policy is read in the same statement, every request, with no statement of its own.
    `remember_settings` turns the text into the transaction's policy."""

    type = Text()
    inherit_cache = True
    name = "policy_settings_text"


@compiles(SettingsText)
def _settings_text_sqlite(element, compiler, **kw) -> str:
    return "(SELECT json_group_object(policy_setting.key, policy_setting.value) FROM policy_setting)"


@compiles(SettingsText, "postgresql")
def _settings_text_postgresql(element, compiler, **kw) -> str:
    return "(SELECT CAST(json_object_agg(policy_setting.key, policy_setting.value) AS TEXT) FROM policy_setting)"


_PARSED: dict[str, Policy] = {}  # the settings' text -> its policy, process-wide: parsed only when the rows change
_PARSED_MOST = 16


def remember_settings(session: Session | scoped_session, raw: str | None) -> Policy:
    """The policy of the settings' text (`SettingsText`) read in the session's current transaction,
    kept as that transaction's policy: `policy_of_transaction` returns it without a query. The text
    is read afresh each time (only its parsing is cached), so a committed change is never missed."""
    raw = raw or "{}"
    policy = _PARSED.get(raw)
    if policy is None:
        policy = Policy({key: parse_value(key, value) for key, value in json.loads(raw).items() if key in DEFAULTS})
        if len(_PARSED) >= _PARSED_MOST:
            _PARSED.clear()
        _PARSED[raw] = policy
    keep(session, _CACHED, policy)
    return policy


def set_policy(session: Session, key: str, raw: str, *, actor: str) -> Any:
    """Record an override (the caller's transaction commits it)."""
    session.info.pop(_CACHED, None)
    value = _in_range(key, parse_value(key, raw))
    _with_the_others(key, value, load_policy(session))
    row = session.get(PolicySetting, key)
    if row is None:
        row = PolicySetting(key=key)
        session.add(row)
    previous = row.value if row.value is not None else format_value(DEFAULTS[key].default)
    row.value, row.updated_by, row.updated_at = format_value(value), actor, utcnow()
    audit.record(session, actor, "policy.set", f"policy:{key}", previous=previous, value=row.value)
    return value
