"""The demo network of `parts demo-data`: a realistic national world-JSON dict (WORLD.md).

HQ (总部配件中心, in 佛山) plus 35 regional parts warehouses (配件储备仓) under 32 provincial
service centres, thousands of service points (特约维修网点) around real city coordinates,
dealers (代理商), washing-machine and air-conditioner parts with Pareto demand, lanes whose
hours and costs follow distance, and about 30 million RMB of opening stock (seed 001:
35个配件储备仓, 总库存量3000多万元). Pure: no database, deterministic per seed.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from decimal import Decimal

import numpy as np

from .catalog import markup_price
from .errors import InvalidInput
from .network import MUNICIPALITIES
from .policy import DEFAULTS

# -- geography ------------------------------------------------------------------------------

# Centre codes are the GB/T 2260 two-letter province abbreviations, plus SZ for 深圳:
# | 北京 BJ | 天津 TJ | 河北 HE | 山西 SX | 内蒙古 NM | 辽宁 LN | 吉林 JL | 黑龙江 HL |
# | 上海 SH | 江苏 JS | 浙江 ZJ | 安徽 AH | 福建 FJ | 江西 JX | 山东 SD | 河南 HA |
# | 湖北 HB | 湖南 HN | 广东 GD | 广东(深圳) SZ | 广西 GX | 海南 HI | 重庆 CQ | 四川 SC |
# | 贵州 GZ | 云南 YN | 西藏 XZ | 陕西 SN | 甘肃 GS | 青海 QH | 宁夏 NX | 新疆 XJ |


@dataclass(frozen=True)
class Province:
    """A mainland province: centre code, 2020 census population (millions), how far out
    remote points reach (km), rough geographic centroid, and cities (the capital first)."""

    name: str
    code: str
    population_m: float
    remote_km: int
    centroid: tuple[float, float]
    cities: tuple[tuple[str, float, float], ...]


PROVINCES: tuple[Province, ...] = (
    Province("北京", "BJ", 21.9, 70, (40.2, 116.4), (("北京", 39.90, 116.41),)),
    Province("天津", "TJ", 13.9, 80, (39.3, 117.3), (("天津", 39.13, 117.20), ("滨海", 39.02, 117.71))),
    Province("河北", "HE", 74.6, 160, (39.0, 115.8), (
        ("石家庄", 38.04, 114.51), ("唐山", 39.63, 118.18), ("保定", 38.87, 115.46), ("邯郸", 36.63, 114.54),
        ("沧州", 38.30, 116.84), ("张家口", 40.77, 114.88), ("秦皇岛", 39.94, 119.60), ("廊坊", 39.52, 116.68),
        ("邢台", 37.07, 114.50), ("承德", 40.95, 117.96))),
    Province("山西", "SX", 34.9, 150, (37.6, 112.3), (
        ("太原", 37.87, 112.55), ("大同", 40.08, 113.30), ("长治", 36.20, 113.12), ("运城", 35.03, 111.00),
        ("临汾", 36.09, 111.52), ("晋中", 37.69, 112.75))),
    Province("内蒙古", "NM", 24.0, 250, (43.5, 114.0), (
        ("呼和浩特", 40.84, 111.75), ("包头", 40.66, 109.84), ("赤峰", 42.26, 118.89), ("鄂尔多斯", 39.61, 109.78),
        ("通辽", 43.65, 122.24), ("呼伦贝尔", 49.21, 119.77))),
    Province("辽宁", "LN", 42.6, 150, (41.3, 122.6), (
        ("沈阳", 41.80, 123.43), ("大连", 38.91, 121.61), ("鞍山", 41.11, 122.99), ("锦州", 41.10, 121.13),
        ("丹东", 40.12, 124.38), ("抚顺", 41.88, 123.96))),
    Province("吉林", "JL", 24.1, 180, (43.7, 126.2), (
        ("长春", 43.82, 125.32), ("吉林", 43.84, 126.55), ("四平", 43.17, 124.35), ("延吉", 42.89, 129.51),
        ("通化", 41.73, 125.94), ("松原", 45.14, 124.82))),
    Province("黑龙江", "HL", 31.9, 220, (47.5, 128.0), (
        ("哈尔滨", 45.80, 126.53), ("齐齐哈尔", 47.35, 123.92), ("大庆", 46.59, 125.10), ("牡丹江", 44.55, 129.63),
        ("佳木斯", 46.80, 130.32), ("绥化", 46.64, 126.97))),
    Province("上海", "SH", 24.9, 55, (31.2, 121.4), (("上海", 31.23, 121.47),)),
    Province("江苏", "JS", 84.7, 120, (33.0, 119.6), (
        ("南京", 32.06, 118.80), ("苏州", 31.30, 120.62), ("无锡", 31.49, 120.31), ("常州", 31.81, 119.97),
        ("南通", 32.01, 120.86), ("徐州", 34.26, 117.28), ("扬州", 32.39, 119.41), ("盐城", 33.35, 120.16),
        ("淮安", 33.61, 119.02), ("连云港", 34.60, 119.22))),
    Province("浙江", "ZJ", 64.6, 130, (29.2, 120.1), (
        ("杭州", 30.27, 120.16), ("宁波", 29.87, 121.54), ("温州", 28.00, 120.70), ("绍兴", 30.00, 120.58),
        ("嘉兴", 30.75, 120.76), ("金华", 29.08, 119.65), ("台州", 28.66, 121.42), ("湖州", 30.89, 120.09))),
    Province("安徽", "AH", 61.0, 150, (31.8, 117.2), (
        ("合肥", 31.82, 117.23), ("芜湖", 31.35, 118.43), ("蚌埠", 32.92, 117.39), ("安庆", 30.54, 117.06),
        ("阜阳", 32.89, 115.81), ("马鞍山", 31.67, 118.51))),
    Province("福建", "FJ", 41.5, 150, (26.1, 118.2), (
        ("福州", 26.07, 119.30), ("厦门", 24.48, 118.09), ("泉州", 24.87, 118.68), ("漳州", 24.51, 117.65),
        ("莆田", 25.45, 119.01), ("龙岩", 25.08, 117.02))),
    Province("江西", "JX", 45.2, 160, (27.6, 115.7), (
        ("南昌", 28.68, 115.86), ("赣州", 25.83, 114.93), ("九江", 29.71, 116.00), ("上饶", 28.45, 117.94),
        ("宜春", 27.81, 114.42), ("吉安", 27.11, 114.99))),
    Province("山东", "SD", 101.5, 150, (36.3, 118.2), (
        ("济南", 36.65, 117.12), ("青岛", 36.07, 120.38), ("烟台", 37.46, 121.45), ("潍坊", 36.71, 119.16),
        ("临沂", 35.10, 118.36), ("淄博", 36.81, 118.05), ("济宁", 35.41, 116.59), ("菏泽", 35.23, 115.48),
        ("威海", 37.51, 122.12))),
    Province("河南", "HA", 99.4, 160, (33.9, 113.5), (
        ("郑州", 34.75, 113.63), ("洛阳", 34.62, 112.45), ("开封", 34.80, 114.31), ("新乡", 35.30, 113.93),
        ("南阳", 33.00, 112.53), ("商丘", 34.41, 115.66), ("信阳", 32.15, 114.09), ("周口", 33.63, 114.70),
        ("安阳", 36.10, 114.39))),
    Province("湖北", "HB", 57.8, 180, (31.0, 112.3), (
        ("武汉", 30.59, 114.31), ("宜昌", 30.69, 111.29), ("襄阳", 32.01, 112.12), ("荆州", 30.33, 112.24),
        ("十堰", 32.63, 110.80), ("黄石", 30.20, 115.04))),
    Province("湖南", "HN", 66.4, 180, (27.6, 111.7), (
        ("长沙", 28.23, 112.94), ("株洲", 27.83, 113.13), ("衡阳", 26.89, 112.57), ("岳阳", 29.36, 113.13),
        ("常德", 29.03, 111.70), ("邵阳", 27.24, 111.47), ("郴州", 25.77, 113.01), ("怀化", 27.55, 110.00))),
    Province("广东", "GD", 126.0, 150, (23.4, 113.4), (
        ("广州", 23.13, 113.26), ("深圳", 22.54, 114.06), ("佛山", 23.02, 113.12), ("东莞", 23.02, 113.75),
        ("惠州", 23.11, 114.42), ("汕头", 23.35, 116.68), ("湛江", 21.27, 110.36), ("江门", 22.58, 113.08),
        ("茂名", 21.66, 110.93), ("韶关", 24.81, 113.60), ("梅州", 24.29, 116.12), ("肇庆", 23.05, 112.47),
        ("清远", 23.68, 113.06))),
    Province("广西", "GX", 50.1, 180, (23.8, 108.8), (
        ("南宁", 22.82, 108.37), ("柳州", 24.33, 109.41), ("桂林", 25.27, 110.29), ("玉林", 22.65, 110.18),
        ("梧州", 23.48, 111.28), ("北海", 21.48, 109.12), ("百色", 23.90, 106.62))),
    Province("海南", "HI", 10.1, 110, (19.2, 109.8), (
        ("海口", 20.04, 110.20), ("三亚", 18.25, 109.51), ("儋州", 19.52, 109.58), ("琼海", 19.26, 110.47))),
    Province("重庆", "CQ", 32.1, 180, (30.0, 107.8), (
        ("重庆", 29.56, 106.55), ("万州", 30.81, 108.41), ("涪陵", 29.70, 107.39), ("永川", 29.36, 105.93))),
    Province("四川", "SC", 83.7, 220, (30.6, 103.5), (
        ("成都", 30.57, 104.07), ("绵阳", 31.47, 104.68), ("南充", 30.84, 106.11), ("宜宾", 28.77, 104.64),
        ("泸州", 28.87, 105.44), ("达州", 31.21, 107.47), ("乐山", 29.55, 103.77), ("德阳", 31.13, 104.40),
        ("西昌", 27.89, 102.26))),
    Province("贵州", "GZ", 38.6, 160, (26.8, 106.9), (
        ("贵阳", 26.65, 106.63), ("遵义", 27.73, 106.93), ("六盘水", 26.59, 104.83), ("毕节", 27.30, 105.29),
        ("安顺", 26.25, 105.95), ("凯里", 26.58, 107.98))),
    Province("云南", "YN", 47.2, 220, (25.0, 101.8), (
        ("昆明", 25.04, 102.71), ("曲靖", 25.49, 103.80), ("大理", 25.61, 100.27), ("玉溪", 24.35, 102.54),
        ("蒙自", 23.37, 103.38), ("昭通", 27.34, 103.72), ("丽江", 26.86, 100.23))),
    Province("西藏", "XZ", 3.6, 250, (30.5, 91.0), (
        ("拉萨", 29.65, 91.13), ("日喀则", 29.27, 88.88), ("林芝", 29.65, 94.36), ("昌都", 31.14, 97.17))),
    Province("陕西", "SN", 39.5, 180, (35.2, 108.9), (
        ("西安", 34.34, 108.94), ("宝鸡", 34.36, 107.24), ("咸阳", 34.33, 108.71), ("渭南", 34.50, 109.51),
        ("汉中", 33.07, 107.03), ("榆林", 38.29, 109.73), ("延安", 36.59, 109.49))),
    Province("甘肃", "GS", 25.0, 220, (36.5, 103.0), (
        ("兰州", 36.06, 103.83), ("天水", 34.58, 105.72), ("酒泉", 39.73, 98.49), ("张掖", 38.93, 100.45),
        ("白银", 36.54, 104.14), ("庆阳", 35.71, 107.64))),
    Province("青海", "QH", 5.9, 250, (35.7, 98.0), (
        ("西宁", 36.62, 101.78), ("海东", 36.50, 102.10), ("格尔木", 36.40, 94.90))),
    Province("宁夏", "NX", 7.2, 120, (37.3, 106.2), (
        ("银川", 38.49, 106.23), ("石嘴山", 39.02, 106.38), ("吴忠", 37.99, 106.20), ("固原", 36.02, 106.24))),
    Province("新疆", "XJ", 25.9, 250, (42.0, 85.5), (
        ("乌鲁木齐", 43.83, 87.62), ("喀什", 39.47, 75.99), ("伊宁", 43.92, 81.32), ("库尔勒", 41.73, 86.17),
        ("克拉玛依", 45.58, 84.89), ("哈密", 42.82, 93.51), ("阿克苏", 41.17, 80.26), ("石河子", 44.31, 86.08))),
)

SZ_CENTER = ("SZ", "深圳", 22.54, 114.06)  # the 32nd centre: 深圳服务中心, province 广东
CENTER_CODES = {**{p.name: p.code for p in PROVINCES}, SZ_CENTER[1]: SZ_CENTER[0]}  # the table above
HQ = {"code": "HQ", "name": "总部配件中心", "kind": "hq", "center": None, "lat": 23.02, "lon": 113.12}  # 佛山
SECOND_WAREHOUSES = (("SD2", "SD", "青岛", 36.07, 120.38),
                     ("JS2", "JS", "苏州", 31.30, 120.62),
                     ("HA2", "HA", "洛阳", 34.62, 112.45))
SMALL_CENTERS = ("GD", "SZ", "HN", "SC", "BJ", "SD")  # near, mid and far from HQ; SD has two warehouses

URBAN_SHARE = 0.6
URBAN_KM = 30.0
BIG_CITY_WEIGHT = 3.0  # capitals and warehouse cities draw this many times the points of other cities

DISTRICTS = {
    "北京": "朝阳 海淀 丰台 东城 西城 石景山 通州 大兴 昌平 顺义 房山",
    "天津": "和平 河西 南开 河东 河北 红桥 东丽 西青 津南 北辰",
    "上海": "浦东 徐汇 长宁 静安 普陀 虹口 杨浦 闵行 宝山 嘉定 松江",
    "广州": "天河 越秀 海珠 荔湾 白云 番禺 花都 黄埔 增城",
    "深圳": "福田 罗湖 南山 宝安 龙岗 龙华 坪山 光明",
    "重庆": "渝中 江北 南岸 沙坪坝 九龙坡 渝北 巴南 北碚",
    "成都": "锦江 青羊 金牛 武侯 成华 双流 郫都 新都 温江 龙泉驿",
    "武汉": "江岸 江汉 硚口 汉阳 武昌 青山 洪山 东西湖 江夏",
    "杭州": "上城 拱墅 西湖 滨江 萧山 余杭 临平 钱塘",
    "南京": "玄武 秦淮 建邺 鼓楼 栖霞 雨花台 江宁 浦口",
    "西安": "新城 碑林 莲湖 雁塔 未央 灞桥 长安 临潼",
}
GENERIC_DISTRICTS = "城区 城东 城西 城南 城北 新区 开发区 高新区 经开区 老城".split()
TOWNS = ("太平 新兴 永安 龙泉 石桥 长安 白沙 青山 东升 新华 红旗 三江 双河 高桥 柳林 马头 河口 沙河 "
         "清水 兴隆 平安 金山 江口 桥头 城关 南湖 古城 大营 黄土 官庄").split()
DEALER_TRADES = ("恒达 鑫源 华信 瑞丰 宏发 永盛 联华 天宇 金泰 安顺 佳和 德隆 顺通 海川 盛世 福源 "
                 "诚信 万通 嘉禾 广利 合众 汇丰 长青 新锐 百川 正通 同创 和泰 众邦 信达").split()
DEALER_SUFFIXES = ("家电配件有限公司", "电器维修服务有限公司", "机电设备有限公司", "商贸有限公司")

EARTH_KM = 6371.0
KM_PER_DEGREE = 111.2

# -- lanes ----------------------------------------------------------------------------------

HANDLING_HOURS = 8.0      # order cut-off, picking and hand-over to the carrier
ROAD_DETOUR = 1.25        # road km per great-circle km
TRUCK_KMH = 45.0          # average including stops and consolidation
REMOTE_EXTRA_HOURS = 12.0  # county roads and less frequent last-mile runs (郊县/远郊)
DELIVERY_BASE_RMB, DELIVERY_PER_KM = 2.00, 0.004
REMOTE_EXTRA_RMB = 1.00
TRANSFER_BASE_RMB, TRANSFER_PER_KM = 0.80, 0.0015  # consolidated truckloads between warehouses


def great_circle_km(lat1, lon1, lat2, lon2) -> np.ndarray:
    """Haversine distance in km; arguments broadcast like numpy arrays."""
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dp, dl = p2 - p1, np.radians(np.asarray(lon2) - np.asarray(lon1))
    a = np.sin(dp / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    return 2 * EARTH_KM * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))


def lane_hours(km, remote=False) -> np.ndarray:
    """Transit hours: handling plus road distance at truck speed, rounded up; remote points later."""
    road = np.asarray(km, dtype=float) * ROAD_DETOUR
    hours = HANDLING_HOURS + road / TRUCK_KMH + np.where(remote, REMOTE_EXTRA_HOURS, 0.0)
    return np.ceil(hours - 1e-9).astype(np.int64)


def delivery_cost(km, remote=False) -> np.ndarray:
    """RMB per unit delivered from a warehouse to a service point."""
    road = np.asarray(km, dtype=float) * ROAD_DETOUR
    return np.round(DELIVERY_BASE_RMB + DELIVERY_PER_KM * road + np.where(remote, REMOTE_EXTRA_RMB, 0.0), 2)


def transfer_cost(km) -> np.ndarray:
    """RMB per unit moved between two warehouses."""
    return np.round(TRANSFER_BASE_RMB + TRANSFER_PER_KM * np.asarray(km, dtype=float) * ROAD_DETOUR, 2)


# -- scale ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Scale:
    points: int
    dealers: int
    skus: int
    centers: tuple[str, ...] | None  # None: all 32


SCALES = {"national": Scale(points=3000, dealers=300, skus=20000, centers=None),
          "small": Scale(points=120, dealers=10, skus=300, centers=SMALL_CENTERS)}
NATIONAL_POINTS = 3000
NATIONAL_DEMAND_UNITS = 900_000      # units a year over the 3,000 national points
NATIONAL_STOCK_RMB = 30_000_000.0    # opening stock at cost (seed 001: 3000多万元)


def generate_world(scale: str = "national", seed: int = 1) -> dict:
    """The demo network as a world-JSON dict (WORLD.md), the same for the same scale and seed."""
    if scale not in SCALES:
        raise InvalidInput(f"scale: unknown scale {scale!r}; expected one of {', '.join(SCALES)}",
                           code="world.unknown_scale", scale=scale)
    size = SCALES[scale]
    rng = np.random.default_rng(seed)
    ratio = size.points / NATIONAL_POINTS
    centers, warehouses = _centers_and_warehouses(size.centers)
    provinces = [p for p in PROVINCES if any(c["province"] == p.name for c in centers)]
    points, cities = _service_points(rng, provinces, warehouses, size.points)
    dealers = _dealers(rng, points, cities, size.dealers)
    parts = _parts(rng, size.skus, NATIONAL_DEMAND_UNITS * ratio)
    return {
        "centers": centers,
        "warehouses": warehouses,
        "service_points": points,
        "dealers": dealers,
        "parts": parts,
        "lanes": _lanes(warehouses, points),
        "stock": _stock(rng, warehouses, points, parts, NATIONAL_STOCK_RMB * ratio),
        **_suppliers(np.random.default_rng([seed, SUPPLIER_STREAM]), parts),
    }


# -- network --------------------------------------------------------------------------------

def _centers_and_warehouses(only: tuple[str, ...] | None) -> tuple[list[dict], list[dict]]:
    """One centre per province plus 深圳; warehouse <centre>1 at the capital, <centre>2 where listed."""
    sites = [(p.code, p.name, *p.cities[0]) for p in PROVINCES]
    sites.insert(next(i for i, s in enumerate(sites) if s[0] == "GD") + 1, (SZ_CENTER[0], "广东", *SZ_CENTER[1:]))
    sites = [s for s in sites if only is None or s[0] in only]
    centers = [{"code": code, "name": f"{city}服务中心" if code == "SZ" else f"{province}服务中心", "province": province}
               for code, province, city, _, _ in sites]
    warehouses = [dict(HQ)]
    for code, _, city, lat, lon in sites:
        warehouses.append({"code": f"{code}1", "name": f"{city}配件仓", "kind": "regional",
                           "center": code, "lat": lat, "lon": lon})
        for wcode, center, wcity, wlat, wlon in SECOND_WAREHOUSES:
            if center == code:
                warehouses.append({"code": wcode, "name": f"{wcity}配件仓", "kind": "regional",
                                   "center": code, "lat": wlat, "lon": wlon})
    return centers, warehouses


def _apportion(total: int, weights, floor: int = 0) -> np.ndarray:
    """Split `total` in proportion to `weights` (largest remainders), each at least `floor`."""
    weights = np.asarray(weights, dtype=float)
    raw = weights / weights.sum() * (total - floor * len(weights))
    counts = floor + np.floor(raw).astype(np.int64)
    order = np.argsort(-(raw - np.floor(raw)), kind="stable")
    counts[order[: total - counts.sum()]] += 1
    return counts


def _offset(lat, lon, km, bearing_deg) -> tuple[np.ndarray, np.ndarray]:
    """The point `km` away on a bearing (flat-earth approximation, fine below a few hundred km)."""
    b = np.radians(bearing_deg)
    dlat = km * np.cos(b) / KM_PER_DEGREE
    dlon = km * np.sin(b) / (KM_PER_DEGREE * np.cos(np.radians(lat)))
    return lat + dlat, lon + dlon


def _bearing_deg(lat1, lon1, lat2, lon2) -> np.ndarray:
    north = np.asarray(lat2) - lat1
    east = (np.asarray(lon2) - lon1) * np.cos(np.radians(lat1))
    return np.degrees(np.arctan2(east, north))


def _place_points(rng, province: Province, n: int):
    """Anchor city, urban flag and coordinates: urban within 30 km of a city, remote 30 km up to
    the province's reach, aimed inland (towards the centroid) when the city sits off-centre."""
    big = {SZ_CENTER[1], *(w[2] for w in SECOND_WAREHOUSES), "佛山"}
    weights = np.array([BIG_CITY_WEIGHT if i == 0 or c[0] in big else 1.0 for i, c in enumerate(province.cities)])
    anchor = rng.choice(len(province.cities), size=n, p=weights / weights.sum())
    urban = rng.random(n) < URBAN_SHARE
    lat0 = np.array([province.cities[a][1] for a in anchor])
    lon0 = np.array([province.cities[a][2] for a in anchor])
    reach = max(province.remote_km, URBAN_KM + 20)
    km = np.where(urban, 1.0 + (URBAN_KM - 2.0) * rng.random(n),
                  URBAN_KM + 1.0 + (reach - URBAN_KM - 1.0) * rng.random(n) ** 1.5)
    inland = _bearing_deg(lat0, lon0, *province.centroid)
    off_center = great_circle_km(lat0, lon0, *province.centroid) > 60.0
    spread = rng.uniform(-180.0, 180.0, n)
    bearing = np.where(off_center & ~urban, inland + spread * (100.0 / 180.0), spread)
    lat, lon = _offset(lat0, lon0, km, bearing)
    return anchor, urban, lat, lon


def _point_names(rng, province: Province, anchor, urban, seen: Counter) -> list[str]:
    """'广州天河特约维修网点' in town, '韶关太平镇特约维修网点' out of town; repeats get 第二, 第三..."""
    picks = rng.integers(0, 1 << 30, size=len(anchor))
    names = []
    for a, is_urban, pick in zip(anchor.tolist(), urban.tolist(), picks.tolist()):
        city = province.cities[a][0]
        if is_urban:
            districts = DISTRICTS[city].split() if city in DISTRICTS else GENERIC_DISTRICTS
            stem = f"{city}{districts[pick % len(districts)]}"
        else:
            stem = f"{city}{TOWNS[pick % len(TOWNS)]}镇"
        seen[stem] += 1
        names.append(f"{stem}{_ordinal(seen[stem])}特约维修网点")
    return names


def _ordinal(n: int) -> str:
    return "" if n == 1 else f"第{'一二三四五六七八九十'[n - 1]}" if n <= 10 else f"第{n}"


def _service_points(rng, provinces: list[Province], warehouses: list[dict],
                    total: int) -> tuple[list[dict], list[str]]:
    """The points, province by province in proportion to population, and each one's nearest city."""
    counts = _apportion(total, [p.population_m for p in provinces], floor=min(8, total // (2 * len(provinces))))
    by_code = {w["code"]: w for w in warehouses}
    points, cities, seen = [], [], Counter()
    for province, n in zip(provinces, counts.tolist()):
        anchor, urban, lat, lon = _place_points(rng, province, n)
        names = _point_names(rng, province, anchor, urban, seen)
        cities += [province.cities[a][0] for a in anchor.tolist()]
        centers = np.full(n, province.code, dtype=object)
        if province.code == "GD" and "SZ1" in by_code:
            centers[_nearer(lat, lon, by_code["SZ1"], than=by_code["GD1"])] = "SZ"
        for i in range(n):
            points.append({"code": "", "name": names[i], "center": centers[i], "province": province.name,
                           "distance_class": "urban" if urban[i] else "remote",
                           "lat": round(float(lat[i]), 4), "lon": round(float(lon[i]), 4),
                           "city_tier": _city_tier(province, int(anchor[i]), bool(urban[i]))})
    width = max(4, len(str(len(points))))
    for i, point in enumerate(points, start=1):
        point["code"] = f"SP{i:0{width}d}"
    return points, cities


def _city_tier(province: Province, anchor: int, urban: bool) -> str:
    """Seed 003's fee tier: out of town a county (县级市); in town a municipality, the capital
    (a province's first city) or a prefecture city (地级市)."""
    if not urban:
        return "county"
    if province.name in MUNICIPALITIES:
        return "municipality"
    return "provincial_capital" if anchor == 0 else "prefecture"


def _nearer(lat, lon, site: dict, than: dict) -> np.ndarray:
    """Which points are nearer `site` than `than` (splits 广东 between 深圳 and 广州)."""
    return great_circle_km(lat, lon, site["lat"], site["lon"]) < great_circle_km(lat, lon, than["lat"], than["lon"])


def _dealers(rng, points: list[dict], cities: list[str], total: int) -> list[dict]:
    """Each dealer buys for 1-5 neighbouring service points of one province; no point has two dealers."""
    provinces = list(dict.fromkeys(p["province"] for p in points))
    members = {name: [i for i, p in enumerate(points) if p["province"] == name] for name in provinces}
    counts = _apportion(total, [len(members[name]) for name in provinces])
    lat = np.array([p["lat"] for p in points])
    lon = np.array([p["lon"] for p in points])
    width = max(3, len(str(total)))
    dealers, taken_names = [], set()
    for name, n in zip(provinces, counts.tolist()):
        free = np.array(members[name])
        for _ in range(n):
            if len(free) == 0:
                break
            hub = free[rng.integers(len(free))]
            k = min(int(rng.integers(1, 6)), len(free))
            nearest = free[np.argsort(great_circle_km(lat[hub], lon[hub], lat[free], lon[free]), kind="stable")[:k]]
            free = np.setdiff1d(free, nearest)
            quota = np.exp(rng.normal(np.log(60_000), 0.55)) * (0.7 + 0.15 * k)
            quota = float(np.clip(np.round(quota / 1000) * 1000, 20_000, 300_000))
            dealers.append({"code": f"D{len(dealers) + 1:0{width}d}",
                            "name": _dealer_name(rng, cities[hub], taken_names),
                            "ship_to": [points[i]["code"] for i in sorted(nearest.tolist())],
                            "monthly_quota": f"{quota:.2f}"})
    return dealers


def _dealer_name(rng, city: str, taken: set[str]) -> str:
    """'长沙恒达家电配件有限公司': the hub point's city, a trade name and a line of business."""
    for _ in range(50):
        name = (f"{city}{DEALER_TRADES[rng.integers(len(DEALER_TRADES))]}"
                f"{DEALER_SUFFIXES[rng.integers(len(DEALER_SUFFIXES))]}")
        if name not in taken:
            break
    else:
        name = f"{name[:-4]}{len(taken)}有限公司"
    taken.add(name)
    return name


# -- catalog --------------------------------------------------------------------------------

@dataclass(frozen=True)
class Component:
    """A part type (配件种类): price and weight ranges, whether it is a key component (主要部件)
    and an electrical part, and how often it fails relative to others."""

    line: str          # WM washing machine, AC air conditioner
    code: str
    name: str
    kinds: str         # model kinds it fits (see MODEL_KINDS)
    price: tuple[float, float]
    kg: tuple[float, float]
    key: bool
    electrical: bool
    failure: float


COMPONENTS: tuple[Component, ...] = (
    Component("WM", "PUMP", "排水泵", "TT PU DR", (35, 95), (0.5, 1.0), False, True, 10),
    Component("WM", "INLV", "进水阀", "PU DR", (25, 70), (0.2, 0.4), False, True, 9),
    Component("WM", "MOTR", "电机", "TT PU DR", (180, 680), (2.5, 6.5), True, True, 4),
    Component("WM", "SPMT", "脱水电机", "TT", (120, 280), (2.0, 3.5), True, True, 4),
    Component("WM", "PCBA", "电脑板", "PU DR", (120, 520), (0.3, 0.7), True, True, 8),
    Component("WM", "CLTC", "离合器", "PU", (90, 260), (1.5, 3.0), True, False, 5),
    Component("WM", "RDCR", "减速器", "TT", (70, 180), (1.2, 2.5), True, False, 3),
    Component("WM", "DSEL", "门封圈", "DR", (60, 190), (0.8, 1.6), False, False, 6),
    Component("WM", "DLCK", "门锁", "DR", (40, 120), (0.1, 0.3), False, True, 6),
    Component("WM", "HEAT", "加热管", "DR", (60, 160), (0.3, 0.6), False, True, 4),
    Component("WM", "BELT", "皮带", "TT DR", (15, 45), (0.1, 0.2), False, False, 5),
    Component("WM", "TIMR", "定时器", "TT", (25, 65), (0.1, 0.3), False, True, 6),
    Component("WM", "WLVL", "水位传感器", "PU DR", (20, 60), (0.1, 0.2), False, True, 6),
    Component("WM", "SHCK", "减震器", "PU DR", (20, 70), (0.3, 0.8), False, False, 4),
    Component("WM", "PULS", "波轮", "TT PU", (30, 90), (0.4, 1.0), False, False, 3),
    Component("WM", "DRUM", "内桶", "PU DR", (180, 520), (4.0, 9.0), False, False, 1),
    Component("WM", "CAPC", "电容", "TT", (8, 30), (0.05, 0.15), False, True, 6),
    Component("WM", "DRHS", "排水管", "TT PU DR", (10, 35), (0.2, 0.5), False, False, 4),
    Component("WM", "DISP", "显示板", "PU DR", (50, 160), (0.1, 0.3), False, True, 5),
    Component("AC", "COMP", "压缩机", "SP CB CM", (650, 2800), (8.0, 25.0), True, True, 3),
    Component("AC", "OFAN", "室外风机", "SP CB CM", (150, 480), (1.5, 4.0), True, True, 5),
    Component("AC", "IFAN", "室内风机", "SP CB CM", (120, 400), (1.0, 3.0), True, True, 5),
    Component("AC", "MAIN", "主控板", "SP CB CM", (220, 950), (0.3, 0.8), True, True, 8),
    Component("AC", "DISP", "显示板", "SP CB CM", (60, 220), (0.1, 0.3), False, True, 5),
    Component("AC", "RMTC", "遥控器", "SP CB", (25, 85), (0.1, 0.2), False, False, 9),
    Component("AC", "RVSV", "四通阀", "SP CB CM", (80, 280), (0.4, 0.9), False, True, 4),
    Component("AC", "EEXV", "电子膨胀阀", "SP CB CM", (90, 320), (0.2, 0.5), False, True, 4),
    Component("AC", "TSNS", "温度传感器", "SP CB CM", (15, 50), (0.05, 0.1), False, True, 10),
    Component("AC", "COND", "冷凝器", "SP CB CM", (300, 1500), (5.0, 15.0), True, False, 2),
    Component("AC", "EVAP", "蒸发器", "SP CB CM", (280, 1300), (3.0, 10.0), True, False, 2),
    Component("AC", "CAPC", "电容", "SP CB CM", (15, 50), (0.1, 0.3), False, True, 7),
    Component("AC", "SWNG", "步进电机", "SP CB", (20, 65), (0.1, 0.2), False, True, 6),
    Component("AC", "FLTR", "过滤网", "SP CB CM", (10, 35), (0.05, 0.2), False, False, 4),
    Component("AC", "DRPN", "接水盘", "SP CB CM", (30, 95), (0.3, 1.0), False, False, 2),
    Component("AC", "STPV", "截止阀", "SP CB CM", (30, 95), (0.3, 0.7), False, False, 3),
    Component("AC", "WCTR", "线控器", "CM", (120, 380), (0.2, 0.4), False, True, 5),
    Component("AC", "CPMP", "排水泵", "CM", (90, 260), (0.5, 1.0), False, True, 4),
)

# family -> model kinds and their model-number prefixes (XPB 双桶, XQB 波轮, XQG 滚筒, KFR 空调)
MODEL_KINDS = {
    "twin_tub": (("TT", "XPB60 XPB70 XPB80 XPB90 XPB100 XPB120"),),
    "fully_automatic": (("PU", "XQB60 XQB70 XQB80 XQB90 XQB100 XQB120"), ("DR", "XQG70 XQG80 XQG90 XQG100 XQG120")),
    "split_ac": (("SP", "KFR-26GW KFR-32GW KFR-35GW KFR-50GW"),),
    "cabinet_ac": (("CB", "KFR-51LW KFR-72LW KFR-120LW"),),
    "commercial_ac": (("CM", "KFR-120T2W KFR-140QW KFR-160T2W RF28W MDV-280W"),),
}
FAMILY_SHARE = {"twin_tub": 0.10, "fully_automatic": 0.40, "split_ac": 0.25, "cabinet_ac": 0.15, "commercial_ac": 0.10}
KIND_SIZE = {"TT": 0.8, "PU": 1.0, "DR": 1.2, "SP": 1.0, "CB": 1.4, "CM": 2.2}  # scales key parts' price and weight
PAIRS_PER_SKU = 1.6        # catalogued (component, model) pairs to choose skus from
COST_SHARE = (0.60, 0.75)  # unit cost as a share of unit price
# Customer list price (零部件收费标准): unit cost x the policy's markup, rounded up to whole yuan
# (our default; with cost 60-75 % of the dealer's price it lands 8-35 % above that price).
LIST_PRICE_MARKUP = DEFAULTS["list_price_markup"].default
RETURNABLE_KEY, RETURNABLE_ELECTRICAL = 0.95, 0.85
PARETO_EXPONENT, PARETO_OFFSET = 1.2, 0.005  # demand ~ (rank/N + offset)^-exponent: top 20 % ~ 80 %
DEMAND_NOISE = 0.3
SERIES_LETTERS = "ABCDEFGHJKMNPQRSTWXYZ"
AC_KINDS = ("SP", "CB", "CM")


def _model_numbers(rng, family: str, count: int) -> list[tuple[str, str]]:
    """`count` distinct (kind, model number) pairs such as ('PU', 'XQB70-BQ3') or ('SP', 'KFR-35GW/BPA3')."""
    options = [(kind, prefix) for kind, prefixes in MODEL_KINDS[family] for prefix in prefixes.split()]
    models: dict[str, str] = {}
    while len(models) < count:
        kind, prefix = options[rng.integers(len(options))]
        a, b = (SERIES_LETTERS[i] for i in rng.integers(len(SERIES_LETTERS), size=2))
        digit = int(rng.integers(1, 10))
        number = f"{prefix}/{'BP' if rng.random() < 0.5 else ''}{a}{digit}" if kind in AC_KINDS \
            else f"{prefix}-{a}{b}{digit}"
        models.setdefault(number, kind)
    return [(kind, number) for number, kind in models.items()]


def _catalogue(rng, skus: int) -> list[tuple[Component, str, str, str]]:
    """(component, family, kind, model) per sku: a weighted sample of fitting pairs, frequent
    failures more likely to be catalogued."""
    chosen = []
    for family, n in zip(FAMILY_SHARE, _apportion(skus, list(FAMILY_SHARE.values())).tolist()):
        line = "AC" if family.endswith("_ac") else "WM"
        comps = [c for c in COMPONENTS if c.line == line]
        fits = {kind: [c for c in comps if kind in c.kinds.split()] for kind, _ in MODEL_KINDS[family]}
        per_model = np.mean([len(v) for v in fits.values()])
        models = _model_numbers(rng, family, int(np.ceil(PAIRS_PER_SKU * n / per_model)) + 1)
        pairs = [(c, kind, number) for kind, number in models for c in fits[kind]]
        weight = np.array([c.failure for c, _, _ in pairs])
        keys = rng.exponential(size=len(pairs)) / weight  # weighted sampling without replacement
        picked = np.argpartition(keys, n - 1)[:n] if n < len(pairs) else np.arange(len(pairs))
        order = sorted(picked.tolist(), key=lambda i: (COMPONENTS.index(pairs[i][0]), pairs[i][2]))
        chosen += [(pairs[i][0], family, pairs[i][1], pairs[i][2]) for i in order]
    return chosen


def _parts(rng, skus: int, total_demand: float) -> list[dict]:
    catalogue = _catalogue(rng, skus)
    n = len(catalogue)
    comp = [c for c, _, _, _ in catalogue]
    size = np.array([KIND_SIZE[kind] if c.key else 1.0 for c, _, kind, _ in catalogue])
    lo, hi = (np.array([c.price[i] for c in comp]) for i in (0, 1))
    price = np.maximum(np.round(lo * (hi / lo) ** rng.random(n) * size), 5.0)
    cost = np.round(price * rng.uniform(*COST_SHARE, n), 2)
    klo, khi = (np.array([c.kg[i] for c in comp]) for i in (0, 1))
    weight = np.round(klo * (khi / klo) ** rng.random(n) * size, 2)
    key = np.array([c.key for c in comp])
    electrical = np.array([c.electrical for c in comp])
    draw = rng.random(n)
    returnable = np.where(key, draw < RETURNABLE_KEY, electrical & (draw < RETURNABLE_ELECTRICAL))
    demand = _pareto_demand(rng, np.array([c.failure for c in comp]), total_demand)
    return [{"sku": f"{c.line}-{c.code}-{i + 1:05d}", "name": f"{c.name} {model}",
             "unit_price": f"{price[i]:.2f}", "unit_cost": f"{cost[i]:.2f}", "weight_kg": float(weight[i]),
             "list_price": str(markup_price(Decimal(f"{cost[i]:.2f}"), LIST_PRICE_MARKUP)),
             "key_component": bool(key[i]), "returnable": bool(returnable[i]), "family": family,
             "annual_demand": float(demand[i]), "season": "summer" if c.line == "AC" else "flat"}
            for i, (c, family, _, model) in enumerate(catalogue)]


def _pareto_demand(rng, failure: np.ndarray, total: float) -> np.ndarray:
    """Units a year per sku: a Zipf-like curve over a random popularity rank, leaning towards
    components that fail often, scaled to `total`."""
    n = len(failure)
    rank = rng.permutation(n)
    base = ((rank + 0.5) / n + PARETO_OFFSET) ** -PARETO_EXPONENT
    raw = base * (failure / failure.mean()) ** 0.5 * rng.lognormal(0.0, DEMAND_NOISE, n)
    return np.round(raw / raw.sum() * total, 2)


# -- suppliers -------------------------------------------------------------------------------

SUPPLIER_STREAM = 101  # a stream of its own: adding suppliers changes nothing else in the world
SUPPLIERS = (("SUP01", "佛山市顺德区恒达电机有限公司", "WM"), ("SUP02", "宁波市鑫源电器配件有限公司", "WM"),
             ("SUP03", "苏州华信精密塑胶有限公司", "WM"), ("SUP04", "中山市瑞丰电子科技有限公司", "WM"),
             ("SUP05", "珠海宏发制冷配件有限公司", "AC"), ("SUP06", "芜湖永盛压缩机有限公司", "AC"),
             ("SUP07", "青岛联华电子有限公司", "AC"), ("SUP08", "合肥天宇家电配件有限公司", None))
SUPPLIER_LEAD_DAYS = (7, 14)
SECOND_SOURCE_SHARE = 0.15     # parts with a second supplier: dearer, faster
PACKS = ((20.0, 20, 10), (100.0, 5, 5), (float("inf"), 1, 1))  # unit cost below: minimum order, pack size


def _suppliers(rng, parts: list[dict]) -> dict[str, list[dict]]:
    """Suppliers by product line (洗衣机 WM, 空调 AC) and one for both; each part from one of its
    line's, some also from a second at 5-10 % more with a shorter lead time. Cheap parts come
    in packs with a minimum order."""
    suppliers = [{"code": c, "name": n, "lead_days": int(rng.integers(SUPPLIER_LEAD_DAYS[0], SUPPLIER_LEAD_DAYS[1] + 1))}
                 for c, n, _ in SUPPLIERS]
    lead = {s["code"]: s["lead_days"] for s in suppliers}
    rows = []
    for part in parts:
        line = part["sku"].split("-")[0]
        own = [c for c, _, ln in SUPPLIERS if ln in (line, None)]
        first = own[int(rng.integers(len(own)))]
        cost = float(part["unit_cost"])
        minimum, pack = next((m, p) for limit, m, p in PACKS if cost < limit)
        rows.append({"supplier": first, "sku": part["sku"], "unit_price": part["unit_cost"], "min_order": minimum,
                     "pack_size": pack})
        if rng.random() < SECOND_SOURCE_SHARE:
            faster = [c for c in own if c != first and lead[c] < lead[first]]
            if faster:
                second = faster[int(rng.integers(len(faster)))]
                rows.append({"supplier": second, "sku": part["sku"],
                             "unit_price": f"{cost * rng.uniform(1.05, 1.10):.2f}", "min_order": minimum,
                             "pack_size": pack})
    return {"suppliers": suppliers, "supplier_parts": rows}


# -- lanes and stock ------------------------------------------------------------------------

def _coords(rows: list[dict]) -> tuple[np.ndarray, np.ndarray]:
    return np.array([r["lat"] for r in rows]), np.array([r["lon"] for r in rows])


def _lanes(warehouses: list[dict], points: list[dict]) -> list[dict]:
    """Every warehouse to every service point (deliveries) and to every other warehouse (transfers)."""
    wlat, wlon = _coords(warehouses)
    plat, plon = _coords(points)
    remote = np.array([p["distance_class"] == "remote" for p in points])
    km = great_circle_km(wlat[:, None], wlon[:, None], plat[None, :], plon[None, :])
    hours, cost = lane_hours(km, remote[None, :]).tolist(), delivery_cost(km, remote[None, :]).tolist()
    wkm = great_circle_km(wlat[:, None], wlon[:, None], wlat[None, :], wlon[None, :])
    whours, wcost = lane_hours(wkm).tolist(), transfer_cost(wkm).tolist()
    wcodes, pcodes = [w["code"] for w in warehouses], [p["code"] for p in points]
    lanes = []
    for i, origin in enumerate(wcodes):
        lanes += [{"from": origin, "to": to, "hours": h, "unit_cost": f"{c:.2f}"}
                  for to, h, c in zip(pcodes, hours[i], cost[i])]
        lanes += [{"from": origin, "to": to, "hours": h, "unit_cost": f"{c:.2f}"}
                  for j, (to, h, c) in enumerate(zip(wcodes, whours[i], wcost[i])) if j != i]
    return lanes


REGIONAL_COVER_DAYS = (20.0, 40.0)  # each regional warehouse's days of its regional demand
POPULAR_SHARE = 0.30                # regional warehouses stock only the top 30 % of skus by demand
HQ_FLOOR_UNITS, HQ_FLOOR_UNITS_DEAR = 2, 1  # HQ keeps at least this many of each sku...
HQ_DEAR_RMB = 500.0                        # ...and fewer of skus costing more than this


def _stock(rng, warehouses: list[dict], points: list[dict], parts: list[dict], target_value: float) -> list[dict]:
    """Regional warehouses: 20-40 days of their region's demand of popular skus. HQ: the long
    tail and a share of everything, its days of cover chosen so the total is `target_value`."""
    demand = np.array([p["annual_demand"] for p in parts])
    cost = np.array([float(p["unit_cost"]) for p in parts])
    regional = [w for w in warehouses if w["kind"] == "regional"]
    share = _regional_share(regional, points)
    cover = rng.uniform(*REGIONAL_COVER_DAYS, len(regional))
    popular = demand >= np.quantile(demand, 1.0 - POPULAR_SHARE)
    qty = np.floor(share[:, None] * demand[None, :] * cover[:, None] / 365.0 + 0.5).astype(np.int64)
    qty[:, ~popular] = 0
    hq_qty = _hq_quantities(demand, cost, target_value - float((qty * cost).sum()))
    rows = [{"warehouse": "HQ", "sku": p["sku"], "qty": q} for p, q in zip(parts, hq_qty.tolist()) if q > 0]
    for w, row in zip(regional, qty.tolist()):
        rows += [{"warehouse": w["code"], "sku": p["sku"], "qty": q} for p, q in zip(parts, row) if q > 0]
    return rows


def _regional_share(regional: list[dict], points: list[dict]) -> np.ndarray:
    """Each regional warehouse's share of national demand: the points it is nearest to within its centre."""
    wlat, wlon = _coords(regional)
    served = np.zeros(len(regional))
    for p in points:
        mine = [i for i, w in enumerate(regional) if w["center"] == p["center"]]
        km = great_circle_km(p["lat"], p["lon"], wlat[mine], wlon[mine])
        served[mine[int(np.argmin(km))]] += 1
    return served / max(len(points), 1)


def _hq_quantities(demand: np.ndarray, cost: np.ndarray, budget: float) -> np.ndarray:
    """HQ on-hand per sku: a floor for every sku, else `days` of national demand, with `days`
    found by bisection so the value at cost comes closest to `budget`."""
    floor = np.where(cost > HQ_DEAR_RMB, HQ_FLOOR_UNITS_DEAR, HQ_FLOOR_UNITS)

    def at(days: float) -> np.ndarray:
        return np.maximum(floor, np.ceil(demand * days / 365.0 - 1e-9)).astype(np.int64)

    low, high = 0.0, 3650.0
    for _ in range(50):
        mid = (low + high) / 2
        low, high = (mid, high) if float((at(mid) * cost).sum()) < budget else (low, mid)
    return at(low)
