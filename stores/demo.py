"""Demo data: invented partner shops across Shanghai and the accounts to try the platform with.

Everything a store is made of (name, address, point, phone, status, categories, bays, hours,
closures) is drawn from one ``random.Random(seed)``, so the same count and seed give the same stores
on every machine. Closures are placed a few days after "today" in Asia/Shanghai; only their dates move.

Price lists are drawn after the stores, from ``random.Random(f"prices-{seed}")`` (see
:func:`demo_price_plans`), so adding them changed none of the stores a seed gives.

Points are drawn inside small hand-made polygons (WGS-84) around the built-up parts of the districts,
each kept well inside its district and clear of the Huangpu (Puxi areas west of it, Pudong areas east),
the Yangtze estuary and the coast, so no shop ends up in the water. Roads are real roads of the
district; shop chains are invented.
"""

from __future__ import annotations

import datetime as dt
import random
import statistics
import zoneinfo
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.gis.geos import Point
from django.db import transaction
from django.db.models import OuterRef, Subquery
from django.utils import timezone

from accounts.models import Role, User, Vehicle
from accounts.services import user_create, vehicle_create
from catalog.fitment import VehicleFacts, oil_litres_charged, parts_fitting_facts, vehicle_spec_for
from catalog.models import Offering, OfferingPartLine, OfferingVersion
from catalog.reference import reference_prices_recompute_all
from catalog.selectors import part_list, service_list
from chefu.money import money
from stores.hours import parse_ranges
from stores.models import (
    DEFAULT_TIMEZONE,
    VISIBLE_STATUSES,
    Bay,
    Closure,
    OpeningHours,
    PartnerApplication,
    StaffRole,
    Store,
    StoreStatus,
    StoreStatusEvent,
)
from stores.services import application_submit, membership_add

CITY = "上海"
DEMO_PASSWORD = "chefu-demo-2026"
STATUS_REASON = "Demo data"
MAINTENANCE, WASHING, PARTS, CONSIGNMENT = "maintenance", "washing", "parts_install", "consignment"
# Catalogue order; categories are kept as ordered tuples, never sets, so draws do not depend on hashing.
CATEGORY_ORDER = (MAINTENANCE, WASHING, PARTS, CONSIGNMENT)
BATCH = 2000


# --- Accounts -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DemoAccount:
    phone: str
    name: str
    roles: tuple[str, ...]
    what: str


ADMIN = DemoAccount("13800000000", "平台管理员", (Role.ADMIN,), "platform admin, signs in to /admin/")
OWNER = DemoAccount("13800000001", "张先生", (Role.OWNER,), "car owner with two vehicles")
MANAGER = DemoAccount("13800000002", "李店长", (Role.OWNER,), "manager of the first demo store")
QA = DemoAccount("13800000003", "王质检", (Role.QA,), "QA staff, reviews partner applications")
APPLICANT = DemoAccount("13800000004", "赵老板", (Role.OWNER,), "shop owner with an application awaiting review")
DEMO_ACCOUNTS = (ADMIN, OWNER, MANAGER, QA, APPLICANT)
DEMO_PHONES = tuple(a.phone for a in DEMO_ACCOUNTS)

OWNER_VEHICLES = (
    {"plate": "沪AD12345", "make": "比亚迪", "model": "汉EV", "year": 2022, "mileage_km": 18600},
    {
        "plate": "沪A5K321",
        "make": "大众",
        "model": "帕萨特",
        "year": 2018,
        "mileage_km": 86300,
        "tyre_size": "235/45R18",
    },
)

# In Nanxiang, Jiading (inside the Jiading polygon below).
APPLICATION = {
    "name": "嘉驰汽车服务(曹安公路店)",
    "address": "上海市嘉定区曹安公路4888号",
    "city": CITY,
    "lat": 31.2935,
    "lng": 121.2862,
    "phone": "021-59126688",
    "categories": [MAINTENANCE, WASHING, PARTS],
    "bays": [
        {"name": "1号工位", "categories": [MAINTENANCE, PARTS]},
        {"name": "2号工位", "categories": [MAINTENANCE]},
        {"name": "洗车位A", "categories": [WASHING]},
    ],
    "opening_hours": [{"weekday": d, "opens": "08:30", "closes": "18:30"} for d in range(7)],
}


# --- Where the shops are ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Area:
    """A built-up part of a district: a ring of (lng, lat) WGS-84 vertices, its roads and place names.

    ``weight`` is the area's relative share of the shops (roughly population times car ownership).
    """

    district: str
    ring: tuple[tuple[float, float], ...]
    weight: float
    roads: tuple[str, ...]
    places: tuple[tuple[str, float, float], ...]


def _roads(text: str) -> tuple[str, ...]:
    return tuple(text.split())


def _places(text: str) -> tuple[tuple[str, float, float], ...]:
    """``"name lng,lat; ..."`` to (name, lng, lat): neighbourhoods a branch may be named after."""
    places = []
    for item in text.split(";"):
        name, point = item.split()
        lng, lat = point.split(",")
        places.append((name, float(lng), float(lat)))
    return tuple(places)


def _ring(text: str) -> tuple[tuple[float, float], ...]:
    """``"lng,lat lng,lat ..."`` to vertices."""
    return tuple((float(lng), float(lat)) for lng, lat in (p.split(",") for p in text.split()))


AREAS: tuple[Area, ...] = (
    Area(
        "黄浦区",
        _ring(
            "121.467,31.238 121.480,31.240 121.483,31.227 121.478,31.213 121.470,31.206 121.462,31.210 121.461,31.222"
        ),
        5,
        _roads(
            "西藏南路 西藏中路 淮海中路 复兴中路 河南南路 人民路 中华路 陆家浜路 徐家汇路 瑞金二路 重庆南路 "
            "打浦路 建国中路 制造局路 蒙自路 黄陂南路 延安东路 福州路"
        ),
        _places(
            "打浦桥 121.468,31.207; 老西门 121.480,31.218; 新天地 121.474,31.219; "
            "瑞金 121.466,31.213; 人民广场 121.474,31.232"
        ),
    ),
    Area(
        "徐汇区",
        _ring(
            "121.415,31.188 121.432,31.205 121.455,31.210 121.453,31.185 121.446,31.155 "
            "121.425,31.140 121.400,31.158 121.402,31.180"
        ),
        11,
        _roads(
            "漕溪北路 漕溪路 虹桥路 肇嘉浜路 天钥桥路 中山西路 宜山路 漕宝路 田林路 桂林路 钦州路 龙华中路 "
            "龙吴路 凯旋路 零陵路 斜土路 康健路 石龙路 柳州路 百色路 龙漕路"
        ),
        _places(
            "徐家汇 121.437,31.195; 漕河泾 121.402,31.170; 田林 121.425,31.175; "
            "龙华 121.447,31.175; 康健 121.420,31.160; 枫林 121.450,31.197; "
            "上海南站 121.430,31.155"
        ),
    ),
    Area(
        "长宁区",
        _ring("121.372,31.200 121.418,31.203 121.425,31.216 121.422,31.226 121.380,31.226"),
        7,
        _roads(
            "延安西路 天山路 仙霞路 虹桥路 遵义路 古北路 娄山关路 长宁路 定西路 剑河路 哈密路 金钟路 协和路 "
            "淞虹路 威宁路 茅台路"
        ),
        _places(
            "古北 121.400,31.200; 天山 121.405,31.213; 北新泾 121.380,31.218; "
            "中山公园 121.418,31.222; 仙霞 121.392,31.208"
        ),
    ),
    Area(
        "静安区",
        _ring(
            "121.440,31.225 121.458,31.226 121.463,31.240 121.470,31.250 121.474,31.290 "
            "121.465,31.305 121.450,31.300 121.448,31.260 121.440,31.240"
        ),
        9,
        _roads(
            "共和新路 广中西路 中山北路 平型关路 汶水路 场中路 万荣路 灵石路 沪太路 天目西路 新闸路 江宁路 "
            "西康路 康定路 北京西路 延平路 大统路 永和路 保德路"
        ),
        _places(
            "大宁 121.458,31.278; 彭浦 121.450,31.302; 静安寺 121.447,31.226; "
            "不夜城 121.458,31.250; 芷江西路 121.465,31.258"
        ),
    ),
    Area(
        "普陀区",
        _ring(
            "121.380,31.232 121.420,31.228 121.436,31.240 121.442,31.258 121.438,31.275 121.400,31.285 121.372,31.262"
        ),
        11,
        _roads(
            "长寿路 曹杨路 武宁路 真北路 金沙江路 中山北路 大渡河路 光复西路 铜川路 梅川路 桃浦路 祁连山南路 "
            "丹巴路 岚皋路 宜川路 交通路 兰溪路 枣阳路 古浪路 新村路"
        ),
        _places(
            "长风 121.395,31.232; 真如 121.405,31.250; 曹杨 121.415,31.240; "
            "桃浦 121.385,31.280; 甘泉 121.435,31.265; 长征 121.380,31.250; "
            "万里 121.420,31.268"
        ),
    ),
    Area(
        "虹口区",
        _ring("121.481,31.256 121.492,31.258 121.496,31.270 121.492,31.300 121.482,31.310 121.478,31.280"),
        6,
        _roads(
            "四川北路 东江湾路 曲阳路 中山北一路 广中路 物华路 汶水东路 水电路 株洲路 四平路 西江湾路 飞虹路 "
            "玉田路 赤峰路 大连西路 临平北路"
        ),
        _places(
            "江湾 121.485,31.300; 曲阳 121.488,31.285; 凉城 121.478,31.295; "
            "鲁迅公园 121.481,31.275; 四川北路 121.484,31.262"
        ),
    ),
    Area(
        "杨浦区",
        _ring(
            "121.506,31.268 121.530,31.270 121.536,31.285 121.535,31.315 121.518,31.328 121.503,31.305 121.504,31.285"
        ),
        11,
        _roads(
            "四平路 邯郸路 国权路 黄兴路 控江路 长阳路 平凉路 政立路 翔殷路 淞沪路 殷行路 国定路 政通路 "
            "大连路 江浦路 隆昌路 延吉中路 民星路 国和路 市光路 开鲁路 中原路"
        ),
        _places(
            "五角场 121.514,31.300; 控江 121.525,31.280; 新江湾城 121.505,31.325; "
            "延吉 121.530,31.290; 殷行 121.525,31.315; 平凉 121.520,31.270"
        ),
    ),
    # Pudong in three pieces, all east of the river: the inner area, Jinqiao/Gaoqiao, and the south.
    Area(
        "浦东新区",
        _ring(
            "121.508,31.238 121.530,31.244 121.575,31.248 121.620,31.245 121.700,31.215 "
            "121.720,31.170 121.650,31.140 121.560,31.130 121.515,31.150 121.505,31.185 "
            "121.512,31.215"
        ),
        30,
        _roads(
            "世纪大道 张杨路 浦东南路 东方路 杨高中路 杨高南路 龙阳路 锦绣路 芳甸路 张江路 祖冲之路 科苑路 "
            "川沙路 华夏东路 华夏中路 上南路 成山路 浦三路 三林路 高科西路 莲溪路 罗山路 金科路 碧波路 "
            "海阳西路 唐陆路"
        ),
        _places(
            "张江 121.600,31.205; 花木 121.555,31.210; 金杨 121.565,31.240; "
            "塘桥 121.520,31.215; 北蔡 121.555,31.180; 三林 121.515,31.150; "
            "川沙 121.700,31.190; 御桥 121.580,31.160; 世纪公园 121.550,31.222; "
            "洋泾 121.525,31.235; 唐镇 121.650,31.215"
        ),
    ),
    Area(
        "浦东新区",
        _ring("121.585,31.255 121.640,31.255 121.650,31.300 121.615,31.330 121.590,31.320 121.580,31.285"),
        8,
        _roads(
            "金桥路 新金桥路 杨高北路 五莲路 金高路 博兴路 张杨北路 巨峰路 东陆路 五洲大道 金海路 港城路 东靖路 莱阳路"
        ),
        _places(
            "金桥 121.600,31.265; 高桥 121.590,31.325; 外高桥 121.625,31.320; 高行 121.600,31.290; 曹路 121.645,31.275"
        ),
    ),
    Area(
        "浦东新区",
        _ring(
            "121.540,31.125 121.650,31.130 121.720,31.100 121.780,31.050 121.760,31.000 121.650,31.020 121.560,31.060"
        ),
        14,
        _roads(
            "沪南公路 康桥路 秀沿路 秀浦路 周祝公路 年家浜路 川周公路 航头路 鹤沙路 周邓公路 康沈路 "
            "申江南路 下盐路 南六公路"
        ),
        _places(
            "周浦 121.570,31.110; 康桥 121.585,31.122; 航头 121.600,31.050; "
            "惠南 121.755,31.050; 新场 121.645,31.030; 鹤沙 121.630,31.070"
        ),
    ),
    Area(
        "闵行区",
        _ring(
            "121.345,31.170 121.395,31.160 121.420,31.125 121.430,31.070 121.380,31.040 121.335,31.080 121.338,31.130"
        ),
        27,
        _roads(
            "七莘路 沪闵路 莘松路 都市路 莘朱路 报春路 春申路 吴中路 虹井路 漕宝路 顾戴路 银都路 莲花南路 "
            "古美路 平阳路 虹梅南路 龙茗路 疏影路 万源路 合川路 中春路 新镇路"
        ),
        _places(
            "莘庄 121.385,31.110; 七宝 121.350,31.155; 春申 121.405,31.105; "
            "梅陇 121.415,31.128; 古美 121.395,31.150; 颛桥 121.405,31.060"
        ),
    ),
    Area(
        "宝山区",
        _ring(
            "121.385,31.295 121.440,31.300 121.470,31.320 121.475,31.360 121.440,31.380 121.390,31.370 121.370,31.330"
        ),
        20,
        _roads(
            "共和新路 沪太路 殷高西路 长江西路 锦秋路 祁华路 陆翔路 共康路 通河路 呼兰路 泰和路 蕴川路 "
            "水产路 同济路 上大路 南陈路 宝杨路 丰翔路 真华路 爱辉路"
        ),
        _places(
            "大场 121.420,31.300; 顾村 121.385,31.350; 杨行 121.430,31.370; "
            "庙行 121.440,31.320; 淞南 121.465,31.345; 共康 121.455,31.307; "
            "通河 121.445,31.335"
        ),
    ),
    Area(
        "嘉定区",
        _ring(
            "121.170,31.285 121.230,31.290 121.320,31.275 121.345,31.300 121.300,31.360 "
            "121.280,31.400 121.230,31.400 121.200,31.340"
        ),
        18,
        _roads(
            "城中路 博乐路 塔城路 沪宜公路 嘉罗公路 清河路 曹安公路 墨玉路 安智路 德园路 古猗园路 陈翔路 "
            "胜辛路 金沙江西路 裕民南路 洪德路 平城路 宝安公路 叶城路"
        ),
        _places(
            "南翔 121.310,31.295; 安亭 121.180,31.295; 马陆 121.275,31.335; "
            "嘉定新城 121.250,31.355; 菊园 121.250,31.395"
        ),
    ),
    Area(
        "松江区",
        _ring(
            "121.190,31.015 121.260,31.010 121.310,31.040 121.325,31.090 121.322,31.132 121.270,31.120 121.210,31.070"
        ),
        18,
        _roads(
            "人民北路 中山中路 荣乐东路 谷阳北路 新松江路 文诚路 广富林路 沪亭北路 九新公路 涞亭南路 "
            "泗宝路 沪松公路 莘砖公路 玉树路 乐都路 嘉松南路 新车公路"
        ),
        _places(
            "九亭 121.315,31.120; 泗泾 121.265,31.110; 松江新城 121.215,31.035; "
            "大学城 121.205,31.055; 新桥 121.310,31.060; 洞泾 121.240,31.085"
        ),
    ),
    Area(
        "青浦区",
        _ring(
            "121.080,31.135 121.160,31.130 121.250,31.160 121.295,31.170 121.290,31.205 121.230,31.205 121.100,31.180"
        ),
        12,
        _roads(
            "城中北路 城中东路 公园东路 外青松公路 青安路 盈港东路 崧泽大道 华浦路 嘉松中路 诸光路 "
            "淀山湖大道 沪青平公路 漕盈路"
        ),
        _places(
            "徐泾 121.280,31.185; 赵巷 121.195,31.160; 青浦新城 121.120,31.150; "
            "夏阳 121.095,31.165; 盈浦 121.125,31.170"
        ),
    ),
    Area(
        "奉贤区",
        _ring("121.420,30.890 121.520,30.885 121.560,30.925 121.500,30.950 121.430,30.945"),
        10,
        _roads("解放东路 解放中路 南亭公路 环城东路 百齐路 运河北路 金海公路 沪杭公路 八字桥路 望园南路 育秀路"),
        _places("南桥 121.455,30.920; 金海 121.500,30.925; 奉贤新城 121.480,30.905"),
    ),
    Area(
        "金山区",
        _ring("121.290,30.750 121.345,30.750 121.350,30.790 121.290,30.790"),
        4,
        _roads("卫零路 卫清西路 龙胜路 蒙山路 金山大道 亭卫公路 板桥西路"),
        _places("山阳 121.330,30.775; 石化 121.335,30.755; 金山新城 121.300,30.770"),
    ),
    Area(
        "金山区",
        _ring("121.140,30.880 121.195,30.880 121.200,30.920 121.145,30.920"),
        3,
        _roads("亭枫公路 朱枫公路 沪杭公路"),
        _places("朱泾 121.170,30.900"),
    ),
)


_MANAGER_AREA = next(a for a in AREAS if a.district == "徐汇区")


def point_in_ring(lng: float, lat: float, ring: Sequence[tuple[float, float]]) -> bool:
    """Even-odd ray casting; ``ring`` is (lng, lat) vertices, not closed."""
    inside = False
    j = len(ring) - 1
    for i in range(len(ring)):
        xi, yi = ring[i]
        xj, yj = ring[j]
        if (yi > lat) != (yj > lat) and lng < (xj - xi) * (lat - yi) / (yj - yi) + xi:
            inside = not inside
        j = i
    return inside


def _sample_point(rng: random.Random, area: Area) -> tuple[float, float]:
    """A (lat, lng) inside ``area``, by rejection sampling in its bounding box (6 decimals, ~0.1 m)."""
    lngs = [p[0] for p in area.ring]
    lats = [p[1] for p in area.ring]
    while True:
        lng = round(rng.uniform(min(lngs), max(lngs)), 6)
        lat = round(rng.uniform(min(lats), max(lats)), 6)
        if point_in_ring(lng, lat, area.ring):
            return lat, lng


# --- What the shops are -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Chain:
    name: str
    kind: str  # full, maintenance, washing, parts, consignment
    weight: float


CHAINS = (
    Chain("安驰养车", "full", 6),
    Chain("申途汽车服务", "full", 5),
    Chain("佳途汽车服务中心", "full", 4),
    Chain("车安达汽车服务", "full", 3),
    Chain("蓝湾汽车保养", "maintenance", 4),
    Chain("诚修汽车维修", "maintenance", 4),
    Chain("沪安汽修", "maintenance", 3),
    Chain("速捷养车", "maintenance", 3),
    Chain("老周汽修", "maintenance", 1.5),
    Chain("好车坊洗车美容", "washing", 5),
    Chain("洁途洗车", "washing", 4),
    Chain("亮车屋汽车美容", "washing", 3),
    Chain("净享洗车", "washing", 3),
    Chain("星亮汽车美容", "washing", 2),
    Chain("轮安轮胎服务", "parts", 4),
    Chain("驰轮轮胎快修", "parts", 3),
    Chain("精配汽车用品", "parts", 2),
    Chain("申城二手车检测中心", "consignment", 1.8),
    Chain("车鉴通二手车寄售", "consignment", 1.3),
)
_CHAIN_WEIGHTS = [c.weight for c in CHAINS]

# (bay counts, their weights) per kind of shop.
_BAY_COUNTS = {
    "full": ((2, 3, 4, 5, 6), (1, 3, 3, 2, 1)),
    "maintenance": ((1, 2, 3, 4), (2, 3, 3, 1)),
    "washing": ((1, 2, 3, 4), (3, 4, 2, 1)),
    "parts": ((1, 2, 3), (4, 3, 1)),
    "consignment": ((1, 2, 3), (2, 2, 1)),
}
_CN_ORDINALS = "二三四五六七八九十"
_MOBILE_PREFIXES = ("133", "135", "136", "137", "138", "139", "150", "158", "159", "177", "186", "189")
# (reason, shortest, longest in days) for the whole store; reasons for one bay, by what the bay does.
_STORE_CLOSURE_REASONS = (("店休", 1, 1), ("员工培训", 1, 1), ("园区停电检修", 1, 1), ("门店升级改造", 3, 6))
_BAY_CLOSURE_REASONS = {
    MAINTENANCE: ("举升机年检", "设备维修"),
    WASHING: ("洗车机保养", "地面翻新"),
    PARTS: ("扒胎机维修", "设备维修"),
    CONSIGNMENT: ("检测设备校准",),
}


@dataclass(frozen=True)
class BayPlan:
    name: str
    categories: tuple[str, ...]


@dataclass(frozen=True)
class ClosurePlan:
    starts_at: dt.datetime
    ends_at: dt.datetime
    reason: str
    bay: int | None  # index into the store's bays; None closes the whole store


@dataclass(frozen=True)
class StorePlan:
    name: str
    address: str
    district: str
    lat: float
    lng: float
    phone: str
    status: str
    categories: tuple[str, ...]
    bays: tuple[BayPlan, ...]
    hours: tuple[dict, ...]
    closures: tuple[ClosurePlan, ...] = field(default=())


# What each kind of shop always does, and a sideline it takes on with some probability.
_KIND_CATEGORIES = {
    "full": ((MAINTENANCE, PARTS), WASHING, 0.7),
    "maintenance": ((MAINTENANCE,), PARTS, 0.6),
    "washing": ((WASHING,), PARTS, 0.15),
    "parts": ((PARTS,), MAINTENANCE, 0.5),
    "consignment": ((CONSIGNMENT,), MAINTENANCE, 0.5),
}


def _categories(rng: random.Random, kind: str) -> tuple[str, ...]:
    """The shop's categories, main trade first (bays are named after it)."""
    always, sideline, chance = _KIND_CATEGORIES[kind]
    return always + ((sideline,) if rng.random() < chance else ())


def _bays(rng: random.Random, kind: str, categories: tuple[str, ...]) -> tuple[BayPlan, ...]:
    """1-6 bays; every category of the store is served by at least one of them."""
    counts, weights = _BAY_COUNTS[kind]
    n = rng.choices(counts, weights)[0]
    served: list[list[str]] = [[] for _ in range(n)]
    for i, category in enumerate(categories):
        served[i % n].append(category)
    # Extra bays mostly do the shop's main trade (the first category).
    for bay in served[len(categories) :]:
        bay.append(categories[0] if rng.random() < 0.7 else rng.choice(categories))
    # Lifts that do servicing often change tyres too, and the other way round.
    if MAINTENANCE in categories and PARTS in categories:
        for bay in served:
            if bay[0] in (MAINTENANCE, PARTS) and rng.random() < 0.5:
                bay.append(PARTS if bay[0] == MAINTENANCE else MAINTENANCE)
    numbers: Counter[str] = Counter()
    plans = []
    for bay in served:
        main = bay[0]
        numbers[main] += 1
        k = numbers[main]
        name = {
            MAINTENANCE: f"{k}号工位",
            WASHING: f"洗车位{'ABCDEF'[k - 1]}",
            PARTS: f"快修位{k}",
            CONSIGNMENT: f"检测位{k}",
        }[main]
        plans.append(BayPlan(name, _in_catalogue_order(bay)))
    return tuple(plans)


def _in_catalogue_order(categories: Sequence[str]) -> tuple[str, ...]:
    return tuple(c for c in CATEGORY_ORDER if c in categories)


def _week(opens: str, closes: str, days: Sequence[int] = range(7)) -> list[dict]:
    return [{"weekday": d, "opens": opens, "closes": closes} for d in days]


def _hours(rng: random.Random, kind: str) -> tuple[dict, ...]:
    """A week of opening ranges; ``closes <= opens`` runs past midnight, 00:00-00:00 is all day."""
    if kind == "washing" and rng.random() < 0.18:
        return tuple(_week("00:00", "00:00"))
    patterns = {
        "standard": 40,
        "weekend_short": 10,
        "lunch": 12 if kind != "washing" else 3,
        "late": 10 if kind != "washing" else 25,
        "closed_day": 12,
        "overnight": 2 if kind != "washing" else 8,
        "night_wash": 0 if kind != "washing" else 6,
    }
    if kind == "consignment":
        patterns = {"standard": 5, "closed_day": 5}
    pattern = rng.choices(list(patterns), list(patterns.values()))[0]
    opens = rng.choice(("08:00", "08:30", "08:30", "09:00"))
    closes = rng.choice(("18:00", "18:30", "18:30", "19:00"))
    if pattern == "weekend_short":
        return tuple(_week(opens, closes, range(5)) + _week("09:00", "17:00", (5, 6)))
    if pattern == "lunch":
        days = range(7) if rng.random() < 0.6 else range(6)
        return tuple(sorted(_week("08:30", "12:00", days) + _week("13:30", "18:30", days), key=_row_key))
    if pattern == "late":
        return tuple(_week("09:00", "21:00"))
    if pattern == "closed_day":
        closed = rng.choices(range(7), (5, 2, 2, 1, 0, 0, 1))[0]
        return tuple(_week(opens, closes, [d for d in range(7) if d != closed]))
    if pattern == "overnight":
        return tuple(_week("10:00", "02:00"))
    if pattern == "night_wash":
        return tuple(sorted(_week("08:30", "18:30") + _week("20:00", "02:00", (4, 5)), key=_row_key))
    return tuple(_week(opens, closes))


def _row_key(row: dict) -> tuple[int, str]:
    return row["weekday"], row["opens"]


def _phone(rng: random.Random) -> str:
    if rng.random() < 0.12:
        return rng.choice(_MOBILE_PREFIXES) + f"{rng.randrange(10**8):08d}"
    return f"021-{rng.choice('56')}{rng.randrange(10**7):07d}"


def _nearest_place(area: Area, lat: float, lng: float) -> str:
    # Flat-earth distance is plenty at this scale; the cosine keeps east-west degrees honest.
    return min(area.places, key=lambda p: ((p[1] - lng) * 0.856) ** 2 + (p[2] - lat) ** 2)[0]


def _address(rng: random.Random, area: Area, road: str) -> str:
    top = 6000 if road.endswith("公路") else 2000
    return f"上海市{area.district}{road}{rng.randint(1, top)}号"


def _unique_name(chain: str, branch: str, taken: set[str]) -> str:
    name = f"{chain}({branch}店)"
    for i in range(1, 1000):
        if name not in taken:
            break
        ordinal = _CN_ORDINALS[i - 1] if i <= len(_CN_ORDINALS) else str(i + 1)
        name = f"{chain}({branch}{ordinal}店)"
    taken.add(name)
    return name


def _closures(rng: random.Random, bays: Sequence[BayPlan], today: dt.date) -> tuple[ClosurePlan, ...]:
    tz = zoneinfo.ZoneInfo(DEFAULT_TIMEZONE)
    roll = rng.random()
    if roll < 0.04:
        reason, min_days, max_days = rng.choice(_STORE_CLOSURE_REASONS)
        first = today + dt.timedelta(days=rng.randint(2, 28))
        last = first + dt.timedelta(days=rng.randint(min_days, max_days))
        return (
            ClosurePlan(
                dt.datetime.combine(first, dt.time(0, 0), tzinfo=tz),
                dt.datetime.combine(last, dt.time(0, 0), tzinfo=tz),
                reason,
                None,
            ),
        )
    if roll < 0.10 and len(bays) > 1:
        bay = rng.randrange(len(bays))
        day = today + dt.timedelta(days=rng.randint(1, 21))
        starts = dt.datetime.combine(day, dt.time(rng.choice((9, 13))), tzinfo=tz)
        length = dt.timedelta(hours=rng.choice((4, 24, 48, 72)))
        reason = rng.choice(_BAY_CLOSURE_REASONS[bays[bay].categories[0]])
        return (ClosurePlan(starts, starts + length, reason, bay),)
    return ()


def _statuses(rng: random.Random, count: int) -> list[str]:
    """Mostly active; ~6% probation, ~3% suspended, a rare terminated. Store 0 (the demo manager's) is active."""
    statuses = [StoreStatus.ACTIVE.value] * count
    if count < 2:
        return statuses
    others = list(range(1, count))
    rng.shuffle(others)
    wanted = (
        (StoreStatus.TERMINATED, max(1, round(count * 0.005))),
        (StoreStatus.SUSPENDED, max(1, round(count * 0.03))),
        (StoreStatus.PROBATION, max(1, round(count * 0.06))),
    )
    for status, n in wanted:
        for _ in range(min(n, len(others))):
            statuses[others.pop()] = status.value
    return statuses


def demo_store_plans(*, count: int, seed: int, today: dt.date) -> list[StorePlan]:
    """The ``count`` demo stores for ``seed``; pure, so the same arguments give the same list.

    ``today`` is the local date in Asia/Shanghai that closures are placed after.
    """
    rng = random.Random(seed)
    area_weights = [a.weight for a in AREAS]
    statuses = _statuses(rng, count)
    taken: set[str] = set()
    plans = []
    for i in range(count):
        # The first store is the demo manager's: a full-service shop in Xuhui, so every screen has something to show.
        area = _MANAGER_AREA if i == 0 else rng.choices(AREAS, area_weights)[0]
        chain = CHAINS[0] if i == 0 else rng.choices(CHAINS, _CHAIN_WEIGHTS)[0]
        road = rng.choice(area.roads)
        lat, lng = _sample_point(rng, area)
        branch = road if rng.random() < 0.65 else _nearest_place(area, lat, lng)
        categories = _categories(rng, chain.kind)
        if i == 0:
            categories = (MAINTENANCE, PARTS, WASHING)
        bays = _bays(rng, chain.kind, categories)
        plans.append(
            StorePlan(
                name=_unique_name(chain.name, branch, taken),
                address=_address(rng, area, road),
                district=area.district,
                lat=lat,
                lng=lng,
                phone=_phone(rng),
                status=statuses[i],
                categories=categories,
                bays=bays,
                hours=_hours(rng, chain.kind),
                closures=_closures(rng, bays, today),
            )
        )
    return plans


# --- Price lists ----------------------------------------------------------------------------------------

# A shop's posted price is for the country's best-selling car, a 2020 大众朗逸 (EA211 engine, 4 L of oil,
# 205/55R16): its part lines are the catalogue parts that fit it. Quotes for other cars swap parts and
# quantities (catalog.quotes); search and the reference bands compare these posted totals.
REFERENCE_CAR = {"make": "大众", "model": "朗逸", "year": 2020, "tyre_size": "205/55R16"}
ENGINE_OIL = "engine_oil"


@dataclass(frozen=True)
class Recipe:
    """What a normal shop in Shanghai charges for a service: labour (CNY, cheapest to dearest shop) and
    the part lines, as (part type, text the part's name must contain, quantity). Engine oil's quantity
    is the reference car's capacity in whole litres."""

    labour: tuple[int, int]
    parts: tuple[tuple[str, str, int], ...] = ()


# Totals then land where a Shanghai owner expects them: wash 35-60, interior 200-400, wax 150-300,
# minor service 300-650, major 500-1200, brake fluid 200-350, A/C 200-400, a tyre 30-60 plus the tyre,
# battery 400-900, wipers 80-200, front pads 400-900.
RECIPES: dict[str, Recipe] = {
    "minor_service": Recipe((80, 150), ((ENGINE_OIL, "", 0), ("oil_filter", "", 1))),
    "major_service": Recipe(
        (150, 300), ((ENGINE_OIL, "", 0), ("oil_filter", "", 1), ("air_filter", "", 1), ("cabin_filter", "", 1))
    ),
    "brake_fluid_change": Recipe((140, 260), (("brake_fluid", "", 1),)),
    "ac_service": Recipe((150, 330), (("refrigerant", "", 1),)),
    "standard_wash": Recipe((35, 60)),
    "interior_cleaning": Recipe((160, 330), (("care", "内饰", 1),)),
    "waxing": Recipe((60, 110), (("care", "车蜡", 1),)),
    "tyre_fitting": Recipe((30, 60), (("tyre", "", 1),)),
    "battery_replacement": Recipe((0, 60), (("battery", "", 1),)),
    "wiper_blades": Recipe((0, 20), (("wiper", "", 1),)),
    "brake_pads": Recipe((180, 300), (("brake_pad", "", 1),)),
    "consignment_inspection": Recipe((200, 380)),
}
# Shops price a part within this factor of its list price; the expensive ones well above it.
_MARKUP = (0.92, 1.15)
_DEAR_MARKUP = (1.3, 1.6)
# The expensive shops: this share of the visible stores, priced at this multiple of the city median.
EXPENSIVE_SHARE = 0.05
EXPENSIVE_FACTOR = (1.9, 2.8)
# An ordinary shop's posted price stays within this multiple of the city median (QA flags above 1.5x):
# one whose parts would put it higher posts the economy part instead, and trims labour if need be.
# Without it, front pads (Bosch 228 or Brembo 468 list) would flag every Brembo shop.
ORDINARY_CEILING = Decimal("1.4")
# Where a tier of shop picks among the fitting parts of a type, cheapest (0) to dearest (1).
_TIERS = {"budget": (0.0, 0.4), "mid": (0.3, 0.8), "premium": (0.65, 1.0)}
_TIER_WEIGHTS = {"budget": 3, "mid": 5, "premium": 2}
# Share of offerings with an older price still on record (version 1 below the current version 2).
_REPRICED_SHARE = 0.15


@dataclass(frozen=True)
class PartChoice:
    """A catalogue part that fits the reference car, as the price plans see it."""

    sku: str
    category: str
    part_type: str
    name: str
    list_price: Decimal


@dataclass(frozen=True)
class LinePlan:
    sku: str
    qty: Decimal
    unit_price: Decimal

    @property
    def amount(self) -> Decimal:
        return money(self.qty * self.unit_price)


@dataclass(frozen=True)
class VersionPlan:
    labour: Decimal
    lines: tuple[LinePlan, ...]
    duration_min: int
    days_ago: int

    @property
    def total(self) -> Decimal:
        return self.labour + sum((line.amount for line in self.lines), Decimal("0.00"))


@dataclass(frozen=True)
class OfferingPlan:
    store: int  # index into the store plans
    service: str
    versions: tuple[VersionPlan, ...]  # oldest first; the last one is in force


@dataclass(frozen=True)
class PricePlans:
    offerings: tuple[OfferingPlan, ...]
    expensive: frozenset[int]  # store indices priced at 1.9-2.8x the city median


@dataclass(frozen=True)
class _Shop:
    tier: str
    level: float  # where its labour sits in the recipe's range, 0-1
    markup: float


def _shop_price(value: float) -> Decimal:
    """Whole yuan as shops post them: multiples of 5 below 100, then ...8 (128, 198, 268); under 2.5: free."""
    if value < 2.5:
        return Decimal("0.00")
    if value < 100:
        return money(max(5, round(value / 5) * 5))
    return money(round(value / 10) * 10 - 2)


def _pick(rng: random.Random, candidates: Sequence[PartChoice], tier: str) -> PartChoice:
    lo, hi = _TIERS[tier]
    return candidates[min(len(candidates) - 1, int(rng.uniform(lo, hi) * len(candidates)))]


def _version(
    rng: random.Random,
    recipe: Recipe,
    shop: _Shop,
    candidates: Mapping[tuple[str, str, str], Sequence[PartChoice]],
    *,
    category: str,
    oil_litres: Decimal,
    duration_min: int,
    markup: tuple[float, float],
    total_at_least: Decimal | None = None,
    total_at_most: Decimal | None = None,
) -> VersionPlan:
    lines = []
    for part_type, name_has, qty in recipe.parts:
        options = candidates.get((category, part_type, name_has))
        if not options:
            continue  # nothing in the catalogue fits: the shop lists labour only
        part = _pick(rng, options, shop.tier)
        unit_price = money(round(float(part.list_price) * shop.markup * rng.uniform(*markup)))
        lines.append(LinePlan(part.sku, oil_litres if part_type == ENGINE_OIL else Decimal(qty), unit_price))
    lo, hi = recipe.labour
    position = min(1.0, max(0.0, shop.level + rng.uniform(-0.15, 0.15)))
    labour = _shop_price(lo + (hi - lo) * position)
    parts = sum((line.amount for line in lines), Decimal("0.00"))
    if total_at_least is not None:
        labour = max(labour, _shop_price(float(total_at_least - parts)))
    if total_at_most is not None:
        labour = max(Decimal("0.00"), min(labour, _shop_price(float(total_at_most - parts))))
    return VersionPlan(labour, tuple(lines), duration_min, days_ago=rng.randint(1, 30))


def _repriced(rng: random.Random, current: VersionPlan) -> tuple[VersionPlan, ...]:
    """The offering's history: usually just the current price, sometimes an older, lower labour before it."""
    if rng.random() >= _REPRICED_SHARE or current.labour < 20:
        return (current,)
    older = _shop_price(float(current.labour) * rng.uniform(0.85, 0.95))
    if older >= current.labour:
        return (current,)
    first = VersionPlan(older, current.lines, current.duration_min, days_ago=rng.randint(60, 400))
    return (first, current)


def demo_price_plans(
    *,
    plans: Sequence[StorePlan],
    seed: int,
    parts: Sequence[PartChoice],
    services: Mapping[str, tuple[str, int]],
    oil_litres: Decimal,
) -> PricePlans:
    """Price lists for the stores of :func:`demo_store_plans`; pure, like it.

    ``parts`` are the catalogue parts that fit the reference car, ``services`` maps each active service
    code with a recipe to (category, standard duration), in catalogue order. A store prices the services
    of its categories: the first of each category always, the others mostly. ~5% of the visible stores
    (never the demo manager's) are expensive: their totals are 1.9-2.8x the city median, so QA has
    something to find.
    """
    rng = random.Random(f"prices-{seed}")
    candidates: dict[tuple[str, str, str], list[PartChoice]] = {}
    for recipe_parts in (r.parts for r in RECIPES.values()):
        for part_type, name_has, _qty in recipe_parts:
            for category in {c for c, _ in services.values()}:
                candidates[(category, part_type, name_has)] = sorted(
                    (p for p in parts if p.category == category and p.part_type == part_type and name_has in p.name),
                    key=lambda p: (p.list_price, p.sku),
                )
    by_category: dict[str, list[str]] = {}
    for code, (category, _duration) in services.items():
        if code in RECIPES:
            by_category.setdefault(category, []).append(code)

    shops: list[_Shop] = []
    offered: list[tuple[int, str]] = []
    normal: dict[tuple[int, str], VersionPlan] = {}
    for i, plan in enumerate(plans):
        tier = rng.choices(list(_TIER_WEIGHTS), list(_TIER_WEIGHTS.values()))[0]
        shop = _Shop(tier, rng.triangular(0, 1, 0.45), rng.uniform(0.97, 1.05))
        shops.append(shop)
        for category in plan.categories:
            for k, code in enumerate(by_category.get(category, ())):
                if i == 0 or k == 0 or rng.random() < 0.85:
                    offered.append((i, code))
                    normal[(i, code)] = _version(
                        rng,
                        RECIPES[code],
                        shop,
                        candidates,
                        category=category,
                        oil_litres=oil_litres,
                        duration_min=services[code][1],
                        markup=_MARKUP,
                    )

    visible = [i for i, p in enumerate(plans) if p.status in VISIBLE_STATUSES]
    # Every visible store's normal price, the dear shops' included: the median as it would be without them.
    samples: dict[str, list[Decimal]] = {}
    for i, code in offered:
        if plans[i].status in VISIBLE_STATUSES:
            samples.setdefault(code, []).append(normal[(i, code)].total)
    medians = {code: statistics.median(totals) for code, totals in samples.items()}
    dear_rng = random.Random(f"prices-{seed}-expensive")
    pool = [i for i in visible if i != 0]
    expensive = set(dear_rng.sample(pool, min(len(pool), max(1, round(len(visible) * EXPENSIVE_SHARE)))))

    offerings = []
    for i, code in offered:
        current = normal[(i, code)]
        ceiling = medians[code] * ORDINARY_CEILING if code in medians else None
        if i not in expensive and ceiling is not None and current.total > ceiling:
            economy = _Shop("budget", shops[i].level, shops[i].markup)
            current = _version(
                rng,
                RECIPES[code],
                economy,
                candidates,
                category=services[code][0],
                oil_litres=oil_litres,
                duration_min=services[code][1],
                markup=_MARKUP,
                total_at_most=money(ceiling),
            )
        if i in expensive and code in medians:
            shop = _Shop("premium", 1.0, dear_rng.uniform(0.97, 1.05))
            current = _version(
                dear_rng,
                RECIPES[code],
                shop,
                candidates,
                category=services[code][0],
                oil_litres=oil_litres,
                duration_min=services[code][1],
                markup=_DEAR_MARKUP,
                total_at_least=money(medians[code] * Decimal(str(round(dear_rng.uniform(*EXPENSIVE_FACTOR), 2)))),
            )
        offerings.append(OfferingPlan(i, code, _repriced(rng, current)))
    return PricePlans(offerings=tuple(offerings), expensive=frozenset(expensive))


def _reference_car_parts() -> tuple[list[PartChoice], Decimal]:
    """The active catalogue parts that fit the reference car, and its engine oil in whole litres."""
    car = Vehicle(**REFERENCE_CAR)
    facts = VehicleFacts(vehicle=car, spec=vehicle_spec_for(car))
    rows = parts_fitting_facts(facts=facts).values_list("sku", "category_id", "part_type", "name", "list_price")
    litres = oil_litres_charged(facts.oil_litres) if facts.oil_litres else Decimal(4)
    return [PartChoice(*row) for row in rows.order_by("sku")], litres


def _demo_services() -> dict[str, tuple[str, int]]:
    services = service_list().filter(code__in=list(RECIPES)).order_by("category__sort_order", "sort_order", "code")
    return {s.code: (s.category_id, s.duration_min) for s in services}


@dataclass(frozen=True)
class PriceResult:
    offerings: int
    versions: int
    lines: int
    expensive_stores: int


def _bulk_create_offerings(stores: Sequence[Store], prices: PricePlans, today: dt.date) -> PriceResult:
    """Offerings, then their versions, then the part lines, then each offering's current version and total:
    five statements per batch, whatever the number of stores. Versions are immutable (a trigger refuses
    UPDATE), so an offering is written inactive and pointed at its last version at the end."""
    tz = zoneinfo.ZoneInfo(DEFAULT_TIMEZONE)
    noon = dt.datetime.combine(today, dt.time(12, 0), tzinfo=tz)
    offerings = Offering.objects.bulk_create(
        [
            Offering(
                store_id=stores[o.store].pk,
                service_id=o.service,
                is_active=False,
                updated_at=noon - dt.timedelta(days=o.versions[-1].days_ago),
            )
            for o in prices.offerings
        ],
        batch_size=BATCH,
    )
    version_plans = [
        (offering, n, v)
        for offering, o in zip(offerings, prices.offerings, strict=True)
        for n, v in enumerate(o.versions, 1)
    ]
    versions = OfferingVersion.objects.bulk_create(
        [
            OfferingVersion(
                offering_id=offering.pk,
                number=n,
                labour=v.labour,
                total=v.total,
                duration_min=v.duration_min,
                created_at=noon - dt.timedelta(days=v.days_ago),
            )
            for offering, n, v in version_plans
        ],
        batch_size=BATCH,
    )
    part_ids = dict(
        part_list().filter(sku__in={line.sku for _, _, v in version_plans for line in v.lines}).values_list("sku", "id")
    )
    lines = OfferingPartLine.objects.bulk_create(
        [
            OfferingPartLine(
                version_id=version.pk,
                position=position,
                part_id=part_ids[line.sku],
                qty=line.qty,
                unit_price=line.unit_price,
                amount=line.amount,
            )
            for version, (_, _, v) in zip(versions, version_plans, strict=True)
            for position, line in enumerate(v.lines, 1)
        ],
        batch_size=BATCH,
    )
    latest = OfferingVersion.objects.filter(offering=OuterRef("pk")).order_by("-number")
    Offering.objects.filter(pk__in=[o.pk for o in offerings]).update(
        current=Subquery(latest.values("pk")[:1]), total=Subquery(latest.values("total")[:1]), is_active=True
    )
    return PriceResult(
        offerings=len(offerings), versions=len(versions), lines=len(lines), expensive_stores=len(prices.expensive)
    )


def demo_load_prices(*, stores: Sequence[Store], plans: Sequence[StorePlan], seed: int, today: dt.date) -> PriceResult:
    """Write the price lists of :func:`demo_price_plans` for the stores just created, then compute every
    reference band once."""
    parts, litres = _reference_car_parts()
    prices = demo_price_plans(plans=plans, seed=seed, parts=parts, services=_demo_services(), oil_litres=litres)
    result = _bulk_create_offerings(stores, prices, today)
    reference_prices_recompute_all()
    return result


# --- Loading ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DemoResult:
    stores_by_status: dict[str, int]
    stores_by_district: dict[str, int]
    closures: int
    manager_store: Store
    application: PartnerApplication
    prices: PriceResult
    bookings: object = None  # bookings.demo.DemoBookings
    reviews: object = None  # reviews.demo.DemoReviews


def demo_present() -> bool:
    return Store.objects.exists() or User.objects.filter(phone__in=DEMO_PHONES).exists()


@transaction.atomic
def demo_reset() -> None:
    """Delete every store and partner application, and the demo accounts.

    Raises ``ProtectedError`` when other data (bookings, say) still points at them.
    """
    from bookings.demo import demo_bookings_reset
    from payments.demo import demo_money_reset, purging
    from reviews.demo import demo_reviews_reset

    demo_reviews_reset()
    demo_money_reset()
    purging(on=False)  # the rest of the load writes history that stays append-only
    demo_bookings_reset()
    PartnerApplication.objects.all().delete()
    # An offering points at its current version (PROTECT) and the version at its offering: unhook the
    # current versions first, or the cascade from the stores refuses to delete them.
    Offering.objects.filter(current__isnull=False).update(current=None, is_active=False)
    Store.objects.all().delete()
    User.objects.filter(phone__in=DEMO_PHONES).delete()


def _bulk_create_stores(plans: Sequence[StorePlan]) -> list[Store]:
    stores = Store.objects.bulk_create(
        [
            Store(
                name=p.name,
                address=p.address,
                city=CITY,
                location=Point(p.lng, p.lat, srid=4326),
                phone=p.phone,
                timezone=DEFAULT_TIMEZONE,
                status=p.status,
            )
            for p in plans
        ],
        batch_size=BATCH,
    )
    StoreCategory = Store.categories.through
    StoreCategory.objects.bulk_create(
        [StoreCategory(store_id=s.pk, category_id=c) for s, p in zip(stores, plans, strict=True) for c in p.categories],
        batch_size=BATCH,
    )
    OpeningHours.objects.bulk_create(
        [
            OpeningHours(store_id=s.pk, weekday=r.weekday, opens=r.opens, closes=r.closes)
            for s, p in zip(stores, plans, strict=True)
            for r in parse_ranges(p.hours)
        ],
        batch_size=BATCH,
    )
    StoreStatusEvent.objects.bulk_create(
        [StoreStatusEvent(store_id=s.pk, from_status="", to_status=s.status, reason=STATUS_REASON) for s in stores],
        batch_size=BATCH,
    )
    bays = Bay.objects.bulk_create(
        [Bay(store_id=s.pk, name=b.name) for s, p in zip(stores, plans, strict=True) for b in p.bays],
        batch_size=BATCH,
    )
    bay_plans = [b for p in plans for b in p.bays]
    BayCategory = Bay.categories.through
    BayCategory.objects.bulk_create(
        [
            BayCategory(bay_id=bay.pk, category_id=c)
            for bay, b in zip(bays, bay_plans, strict=True)
            for c in b.categories
        ],
        batch_size=BATCH,
    )
    closures = []
    first_bay = 0
    for store, plan in zip(stores, plans, strict=True):
        for c in plan.closures:
            bay_id = None if c.bay is None else bays[first_bay + c.bay].pk
            closures.append(
                Closure(store_id=store.pk, bay_id=bay_id, starts_at=c.starts_at, ends_at=c.ends_at, reason=c.reason)
            )
        first_bay += len(plan.bays)
    Closure.objects.bulk_create(closures, batch_size=BATCH)
    return stores


def _create_accounts(manager_store: Store) -> PartnerApplication:
    users = {
        a.phone: user_create(phone=a.phone, password=DEMO_PASSWORD, name=a.name, roles=list(a.roles))
        for a in DEMO_ACCOUNTS
    }
    for vehicle in OWNER_VEHICLES:
        vehicle_create(owner=users[OWNER.phone], **vehicle)
    membership_add(store=manager_store, user=users[MANAGER.phone], role=StaffRole.MANAGER)
    return application_submit(applicant=users[APPLICANT.phone], **APPLICATION)


@transaction.atomic
def demo_load(*, count: int, seed: int, reset: bool = False, today: dt.date | None = None) -> DemoResult:
    """Write ``count`` demo stores for ``seed`` and the demo accounts, in one transaction.

    With ``reset`` the existing stores, applications and demo accounts are deleted first (see
    :func:`demo_reset`); the caller checks :func:`demo_present` otherwise.
    """
    if count < 1:
        raise ValueError("count must be at least 1")
    if reset:
        demo_reset()
    today = today or timezone.localdate(timezone=zoneinfo.ZoneInfo(DEFAULT_TIMEZONE))
    plans = demo_store_plans(count=count, seed=seed, today=today)
    stores = _bulk_create_stores(plans)
    prices = demo_load_prices(stores=stores, plans=plans, seed=seed, today=today)
    application = _create_accounts(stores[0])
    bookings = _load_bookings(stores, seed)
    _load_coupons()
    reviews = _load_reviews(stores, seed)
    by_status = Counter(p.status for p in plans)
    return DemoResult(
        stores_by_status={s: by_status[s] for s in StoreStatus.values},
        stores_by_district=dict(Counter(p.district for p in plans).most_common()),
        closures=sum(len(p.closures) for p in plans),
        manager_store=stores[0],
        application=application,
        prices=prices,
        bookings=bookings,
        reviews=reviews,
    )


# Stores besides the manager's that get a few reviews each (each review is a booking paid and completed through the
# services, ~0.1 s): enough for the map's ratings to mean something.
REVIEWED_STORES = 12


def _load_reviews(stores: Sequence[Store], seed: int):
    from bookings.demo import CUSTOMER_PHONES
    from reviews.demo import demo_reviews_load

    users = {u.phone: u for u in User.objects.filter(phone__in=(MANAGER.phone, QA.phone))}
    customers = [
        (user, user.vehicles.order_by("id").first())
        for user in User.objects.filter(phone__in=CUSTOMER_PHONES).order_by("phone")
    ]
    visible = [s for s in stores[1:] if s.status in VISIBLE_STATUSES]
    return demo_reviews_load(
        store=stores[0],
        staff=users[MANAGER.phone],
        qa=users.get(QA.phone),
        customers=[c for c in customers if c[1] is not None],
        others=visible[:REVIEWED_STORES],
        seed=seed,
    )


def _load_coupons() -> None:
    from payments.demo import demo_coupons_load

    demo_coupons_load()


def _load_bookings(stores: Sequence[Store], seed: int):
    from bookings.demo import demo_bookings_load

    users = {u.phone: u for u in User.objects.filter(phone__in=(OWNER.phone, MANAGER.phone))}
    visible = [s for s in stores[1:] if s.status in VISIBLE_STATUSES]
    return demo_bookings_load(
        store=stores[0],
        staff=users[MANAGER.phone],
        owner=users[OWNER.phone],
        other_store=visible[0] if visible else None,
        seed=seed,
    )
