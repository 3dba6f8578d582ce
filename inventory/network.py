"""The parts network (配件网络): centres, warehouses, service points, dealers and lanes."""
from __future__ import annotations

from decimal import Decimal

from sqlalchemy import CheckConstraint, Column, Float, ForeignKey, Integer, String, Table, select
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from .db import Base, Money

WAREHOUSE_KINDS = ("hq", "regional")
DISTANCE_CLASSES = ("urban", "remote")
# City tiers of seed 003's fee table (保修期外收费标准): 直辖市, 省会城市, 地级市, 县级市.
CITY_TIERS = ("municipality", "provincial_capital", "prefecture", "county")
MUNICIPALITIES = ("北京", "天津", "上海", "重庆")
LANE_TARGETS = ("service_point", "warehouse")


class Center(Base):
    """A provincial service centre (省级服务中心)."""

    __tablename__ = "center"
    code: Mapped[str] = mapped_column(String(16), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    province: Mapped[str] = mapped_column(String(20))


class Warehouse(Base):
    """HQ central parts warehouse (总部配件中心) or a regional one (配件储备仓)."""

    __tablename__ = "warehouse"
    __table_args__ = (CheckConstraint("kind in ('hq', 'regional')", name="kind"),)
    code: Mapped[str] = mapped_column(String(16), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(10))
    center_code: Mapped[str | None] = mapped_column(ForeignKey("center.code"))
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)


def derive_city_tier(province: str, distance_class: str) -> str:
    """The tier a point's master data implies when nobody gave one: out of town (remote) is a
    county, in town a municipality's own or else a prefecture city. A provincial capital cannot
    be told from the province alone, so it is only ever given (the demo and imports say it)."""
    if distance_class == "remote":
        return "county"
    return "municipality" if province in MUNICIPALITIES else "prefecture"


def _default_city_tier(context) -> str:
    row = context.get_current_parameters()
    return derive_city_tier(row.get("province", ""), row.get("distance_class", ""))


class ServicePoint(Base):
    """An authorised repair service point (特约维修网点). `city_tier` sets the visit fee an
    out-of-warranty customer pays (seed 003)."""

    __tablename__ = "service_point"
    __table_args__ = (CheckConstraint("distance_class in ('urban', 'remote')", name="distance_class"),
                      CheckConstraint("city_tier in ('municipality', 'provincial_capital', 'prefecture', 'county')",
                                      name="city_tier"))
    code: Mapped[str] = mapped_column(String(16), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    center_code: Mapped[str] = mapped_column(ForeignKey("center.code"), index=True)
    province: Mapped[str] = mapped_column(String(20))
    distance_class: Mapped[str] = mapped_column(String(10))
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)
    city_tier: Mapped[str] = mapped_column(String(24), default=_default_city_tier)


dealer_ship_to = Table(
    "dealer_ship_to",
    Base.metadata,
    Column("dealer_code", ForeignKey("dealer.code", ondelete="CASCADE"), primary_key=True),
    Column("service_point_code", ForeignKey("service_point.code"), primary_key=True, index=True),
)


class Dealer(Base):
    """A dealer (代理商) buying parts against a monthly credit quota (配件额度)."""

    __tablename__ = "dealer"
    code: Mapped[str] = mapped_column(String(16), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    monthly_quota: Mapped[Decimal] = mapped_column(Money)
    ship_to: Mapped[list[ServicePoint]] = relationship(secondary=dealer_ship_to, lazy="selectin")


class Lane(Base):
    """A direct shipping option from a warehouse to a service point or another warehouse."""

    __tablename__ = "lane"
    __table_args__ = (
        CheckConstraint("hours >= 0", name="hours"),
        CheckConstraint("unit_cost >= 0", name="unit_cost"),
        CheckConstraint("to_kind in ('service_point', 'warehouse')", name="to_kind"),
    )
    from_code: Mapped[str] = mapped_column(ForeignKey("warehouse.code"), primary_key=True)
    to_code: Mapped[str] = mapped_column(String(16), primary_key=True, index=True)
    to_kind: Mapped[str] = mapped_column(String(16))
    hours: Mapped[int] = mapped_column(Integer)
    unit_cost: Mapped[Decimal] = mapped_column(Money)


def hq_code(session: Session) -> str | None:
    """The code of the HQ warehouse (总部配件中心), None before the network is loaded."""
    return session.scalar(select(Warehouse.code).where(Warehouse.kind == "hq"))
