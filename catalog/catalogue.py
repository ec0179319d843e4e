"""The seed parts catalogue and the factory data of popular models, shipped as data.

What a Shanghai shop stocks in 2026, at list prices in CNY (what the brand's flagship stores on
Tmall/JD ask; shops price their own offerings against them): tyres of the common sizes, engine oil by
the litre, filters, batteries, wipers and front brake pads with make/model/year fitment, brake fluid,
refrigerant and care products.

Loaded by the data migration 0004. The loader only creates what is missing (SKUs, and specs by make,
model and first year), so prices, names, fitment rows and specs edited by platform admins in the back
office are kept. A deleted SKU comes back on the next load: retire a part by deactivating it.
"""

import re
from dataclasses import dataclass
from decimal import Decimal
from typing import NamedTuple

MAINTENANCE = "maintenance"
WASHING = "washing"
PARTS_INSTALL = "parts_install"

LAST_YEAR = 2026  # model years the seed data covers


class Fit(NamedTuple):
    """One fitment row: ``model`` empty means every model of the make; years are inclusive."""

    make: str
    model: str
    year_from: int
    year_to: int


@dataclass(frozen=True)
class PartSeed:
    sku: str
    brand: str
    name: str
    spec: str
    unit: str
    list_price: Decimal
    category: str
    part_type: str
    tyre_size: str = ""
    fits: tuple[Fit, ...] = ()


class SpecSeed(NamedTuple):
    make: str
    model: str
    year_from: int
    year_to: int
    engine_oil_l: Decimal | None  # None: a pure electric vehicle
    tyre_size: str


# --- Vehicles ------------------------------------------------------------------------------------------

# key: (make, model, first model year, last, engine oil incl. filter in litres or None, OE tyre size, tier).
# The tier (a economy, b mid, c premium) sets the price level of model-specific parts.
_MODELS = {
    "LAVIDA": ("大众", "朗逸", 2013, LAST_YEAR, "4.0", "205/55R16", "a"),
    "BORA": ("大众", "宝来", 2019, LAST_YEAR, "4.0", "205/55R16", "a"),
    "SAGITAR": ("大众", "速腾", 2019, LAST_YEAR, "4.0", "205/55R16", "b"),
    "PASSAT": ("大众", "帕萨特", 2017, LAST_YEAR, "5.7", "235/45R18", "b"),
    "TIGUANL": ("大众", "途观L", 2017, LAST_YEAR, "5.7", "235/55R18", "b"),
    "COROLLA": ("丰田", "卡罗拉", 2019, LAST_YEAR, "4.2", "205/55R16", "a"),
    "CAMRY": ("丰田", "凯美瑞", 2018, LAST_YEAR, "4.5", "215/55R17", "b"),
    "RAV4": ("丰田", "RAV4荣放", 2020, LAST_YEAR, "4.2", "225/65R17", "b"),
    "CIVIC": ("本田", "思域", 2016, LAST_YEAR, "3.7", "215/55R16", "b"),
    "ACCORD": ("本田", "雅阁", 2018, LAST_YEAR, "3.7", "225/50R17", "b"),
    "CRV": ("本田", "CR-V", 2017, LAST_YEAR, "3.7", "235/60R18", "b"),
    "SYLPHY": ("日产", "轩逸", 2019, LAST_YEAR, "4.0", "205/55R16", "a"),
    "XTRAIL": ("日产", "奇骏", 2021, LAST_YEAR, "4.6", "225/65R17", "b"),
    "EXCELLE": ("别克", "英朗", 2015, LAST_YEAR, "4.0", "205/55R16", "a"),
    "HANEV": ("比亚迪", "汉EV", 2020, LAST_YEAR, None, "245/45R19", "b"),
    "QINDMI": ("比亚迪", "秦PLUS DM-i", 2021, LAST_YEAR, "4.2", "225/60R16", "a"),
    "SONGDMI": ("比亚迪", "宋PLUS DM-i", 2021, LAST_YEAR, "4.2", "235/50R19", "b"),
    "SONGEV": ("比亚迪", "宋PLUS EV", 2021, LAST_YEAR, None, "235/50R19", "b"),
    "MODEL3": ("特斯拉", "Model 3", 2019, LAST_YEAR, None, "235/45R18", "c"),
    "MODELY": ("特斯拉", "Model Y", 2021, LAST_YEAR, None, "255/45R19", "c"),
    "BMW3": ("宝马", "3系", 2019, LAST_YEAR, "5.3", "225/50R17", "c"),
    "BENZC": ("奔驰", "C级", 2022, LAST_YEAR, "6.5", "225/50R17", "c"),
    "A4L": ("奥迪", "A4L", 2017, LAST_YEAR, "5.2", "225/50R17", "c"),
    "PREFACE": ("吉利", "星瑞", 2021, LAST_YEAR, "5.0", "235/45R18", "b"),
    "CS75PLUS": ("长安", "CS75 PLUS", 2020, LAST_YEAR, "4.5", "225/60R18", "a"),
    "H6": ("哈弗", "H6", 2021, LAST_YEAR, "4.5", "225/60R18", "a"),
    "MINIEV": ("五菱", "宏光MINIEV", 2020, LAST_YEAR, None, "145/70R12", "a"),
}

VEHICLE_SPECS = [
    SpecSeed(make, model, first, last, Decimal(oil) if oil else None, tyre)
    for make, model, first, last, oil, tyre, _ in _MODELS.values()
]


def _fit(key: str) -> Fit:
    make, model, first, last, *_ = _MODELS[key]
    return Fit(make, model, first, last)


def _label(key: str) -> str:
    make, model, *_ = _MODELS[key]
    return f"{make} {model}"


def _tier(key: str) -> str:
    return _MODELS[key][6]


_ICE = [key for key, row in _MODELS.items() if row[4] is not None]  # models with an engine

# --- Tyres ---------------------------------------------------------------------------------------------

# (brand code, brand, pattern code, pattern name, [(size, load index and speed rating, price per tyre)])
_TYRES = [
    ("MICH", "米其林 Michelin", "PRIM4", "浩悦4 PRIMACY 4", [
        ("195/65R15", "91V", "579"), ("205/55R16", "91W", "699"), ("215/55R17", "94V", "869"),
        ("225/45R17", "94W XL", "899"), ("225/50R17", "98W XL", "949"), ("235/45R18", "98W XL", "1099"),
        ("245/45R19", "102Y XL", "1399"),
    ]),
    ("MICH", "米其林 Michelin", "XM2P", "韧悦 ENERGY XM2+", [
        ("185/65R15", "88H", "459"), ("195/65R15", "91V", "489"), ("205/55R16", "91V", "569"),
        ("215/55R16", "97W XL", "629"), ("225/60R16", "98V", "639"),
    ]),
    ("MICH", "米其林 Michelin", "PS4", "竞驰 PILOT SPORT 4", [
        ("225/45R17", "94Y XL", "1039"), ("235/45R18", "98Y XL", "1299"), ("245/45R19", "102Y XL", "1599"),
        ("255/45R19", "104Y XL", "1699"),
    ]),
    ("MICH", "米其林 Michelin", "PSUV", "浩悦SUV+ PRIMACY SUV+", [
        ("225/65R17", "102H", "899"), ("225/55R18", "98V", "999"), ("225/60R18", "100H", "1049"),
        ("235/55R18", "100V", "1049"), ("235/60R18", "103V", "1099"), ("235/50R19", "99V", "1249"),
        ("235/55R19", "105V XL", "1299"),
    ]),
    ("BRID", "普利司通 Bridgestone", "T005A", "泰然者 TURANZA T005A", [
        ("195/65R15", "91H", "449"), ("205/55R16", "91V", "539"), ("215/55R17", "94V", "689"),
        ("225/45R17", "91W", "729"), ("225/50R17", "94V", "759"), ("235/45R18", "94W", "899"),
        ("245/45R19", "98W", "1199"),
    ]),
    ("BRID", "普利司通 Bridgestone", "EP150", "ECOPIA EP150", [
        ("185/65R15", "88H", "359"), ("195/65R15", "91H", "389"), ("225/60R16", "98V", "469"),
    ]),
    ("BRID", "普利司通 Bridgestone", "AL001", "ALENZA 001", [
        ("225/65R17", "102H", "849"), ("225/60R18", "100H", "929"), ("235/55R18", "100V", "959"),
        ("235/60R18", "103V", "999"), ("235/55R19", "101V", "1199"), ("255/45R19", "104W XL", "1349"),
    ]),
    ("CONT", "马牌 Continental", "UC6", "UltraContact UC6", [
        ("195/65R15", "91V", "449"), ("205/55R16", "91V", "529"), ("215/55R16", "97W XL", "569"),
        ("215/55R17", "94W", "699"), ("225/45R17", "94W XL", "729"), ("225/50R17", "98W XL", "759"),
        ("235/45R18", "98W XL", "899"),
    ]),
    ("CONT", "马牌 Continental", "CC7", "ComfortContact CC7", [
        ("185/65R15", "88H", "369"), ("195/65R15", "91V", "399"), ("205/55R16", "91V", "459"),
        ("225/60R16", "98V", "529"),
    ]),
    ("CONT", "马牌 Continental", "UC6S", "UltraContact UC6 SUV", [
        ("225/65R17", "102V", "759"), ("225/55R18", "98V", "839"), ("225/60R18", "100V", "869"),
        ("235/55R18", "100V", "869"), ("235/60R18", "103V", "899"), ("235/50R19", "99V", "1059"),
        ("235/55R19", "105V XL", "1099"),
    ]),
    ("CONT", "马牌 Continental", "EC6Q", "EcoContact 6Q ContiSeal 自修补", [
        ("235/45R18", "98W XL", "1099"), ("255/45R19", "104W XL", "1399"),
    ]),
    ("GOOD", "固特异 Goodyear", "ATM2", "Assurance TripleMax 2", [
        ("185/65R15", "88H", "359"), ("195/65R15", "91H", "389"), ("205/55R16", "91V", "449"),
        ("225/60R16", "98V", "499"),
    ]),
    ("GOOD", "固特异 Goodyear", "EGP2", "EfficientGrip Performance 2", [
        ("215/55R17", "94W", "629"), ("225/45R17", "94W XL", "659"), ("225/50R17", "98W XL", "689"),
        ("235/45R18", "98W XL", "799"),
    ]),
    ("GOOD", "固特异 Goodyear", "EG2SUV", "EfficientGrip 2 SUV", [
        ("225/65R17", "102H", "699"), ("225/55R18", "98V", "759"), ("225/60R18", "100H", "779"),
        ("235/55R18", "100V", "799"), ("235/60R18", "107V XL", "829"), ("235/55R19", "105V XL", "999"),
    ]),
    ("GOOD", "固特异 Goodyear", "EF1A5", "鹰驰F1 非对称5代 Eagle F1 Asymmetric 5", [
        ("245/45R19", "102Y XL", "1199"), ("255/45R19", "104Y XL", "1299"),
    ]),
    ("PIRE", "倍耐力 Pirelli", "P7C2", "新P7 Cinturato P7 (P7C2)", [
        ("205/55R16", "91V", "569"), ("215/55R17", "94W", "719"), ("225/45R17", "94W XL", "749"),
        ("225/50R17", "98Y XL", "779"), ("235/45R18", "98Y XL", "899"), ("245/45R19", "102Y XL", "1149"),
    ]),
    ("PIRE", "倍耐力 Pirelli", "SVERDE", "Scorpion Verde", [
        ("225/65R17", "102H", "799"), ("235/55R18", "100V", "899"), ("235/50R19", "99V", "1059"),
        ("235/55R19", "101V", "1099"),
    ]),
    ("PIRE", "倍耐力 Pirelli", "PZ4", "P ZERO PZ4", [("255/45R19", "104Y XL", "1599")]),
    ("HANK", "韩泰 Hankook", "K125", "Ventus Prime3 K125", [
        ("195/65R15", "91V", "359"), ("205/55R16", "91V", "409"), ("215/55R16", "93V", "449"),
        ("215/55R17", "94V", "519"), ("225/45R17", "94W XL", "539"), ("225/50R17", "98W XL", "559"),
        ("235/45R18", "98W XL", "649"),
    ]),
    ("HANK", "韩泰 Hankook", "H308", "Kinergy EX H308", [
        ("185/65R15", "88H", "279"), ("195/65R15", "91H", "299"), ("225/60R16", "98H", "369"),
    ]),
    ("HANK", "韩泰 Hankook", "RA33", "Dynapro HP2 RA33", [
        ("225/65R17", "102H", "589"), ("225/55R18", "98V", "629"), ("225/60R18", "100H", "649"),
        ("235/55R18", "100V", "659"), ("235/60R18", "103V", "679"), ("235/50R19", "99H", "779"),
        ("235/55R19", "101H", "799"),
    ]),
    ("HANK", "韩泰 Hankook", "IONEVO", "iON evo 电动车专用", [
        ("245/45R19", "102Y XL", "1099"), ("255/45R19", "104Y XL", "1199"),
    ]),
    ("LING", "玲珑 Linglong", "CM", "舒适大师 Comfort Master", [
        ("145/70R12", "69T", "179"), ("185/65R15", "88H", "239"), ("195/65R15", "91V", "259"),
        ("205/55R16", "91V", "289"), ("215/55R16", "93V", "299"), ("215/55R17", "94V", "359"),
        ("225/60R16", "98V", "309"),
    ]),
    ("LING", "玲珑 Linglong", "SM", "运动大师 Sport Master", [
        ("225/45R17", "94Y XL", "389"), ("225/50R17", "98Y XL", "399"), ("235/45R18", "98Y XL", "449"),
        ("245/45R19", "102Y XL", "539"), ("255/45R19", "104Y XL", "569"),
    ]),
    ("LING", "玲珑 Linglong", "GM4X4", "GREEN-Max 4x4 HP", [
        ("225/65R17", "102H", "409"), ("225/55R18", "98V", "439"), ("225/60R18", "100H", "449"),
        ("235/55R18", "100V", "459"), ("235/60R18", "103V", "469"), ("235/50R19", "99W", "519"),
        ("235/55R19", "105V XL", "529"),
    ]),
]  # fmt: skip


def _tyres() -> list[PartSeed]:
    parts = []
    for code, brand, pattern_code, pattern, sizes in _TYRES:
        short_brand = brand.split(" ")[0]
        for size, load_speed, price in sizes:
            parts.append(
                PartSeed(
                    sku=f"TYR-{code}-{pattern_code}-{re.sub(r'[^0-9]', '', size)}",
                    brand=brand,
                    name=f"{short_brand} {pattern} {size} {load_speed}",
                    spec=f"{size} {load_speed}",
                    unit="条",
                    list_price=Decimal(price),
                    category=PARTS_INSTALL,
                    part_type="tyre",
                    tyre_size=size,
                )
            )
    return parts


# --- Engine oil, by the litre (no fitment rows: every engine; an EV gets none, see catalog.fitment) ----------

# (SKU code, brand, product, [(viscosity, API grade, price per litre)])
_OILS = [
    ("MOB1", "美孚 Mobil", "美孚1号 全合成机油",
     [("0W-20", "SP", "128"), ("5W-30", "SP", "118"), ("5W-40", "SP", "118")]),
    ("SHHU", "壳牌 Shell", "壳牌超凡喜力 全合成机油",
     [("0W-20", "SP", "118"), ("5W-30", "SP", "108"), ("5W-40", "SP", "108")]),
    ("SHHX7", "壳牌 Shell", "壳牌喜力 HX7 合成技术机油", [("5W-30", "SN PLUS", "68")]),
    ("CAEG", "嘉实多 Castrol", "嘉实多极护 EDGE 全合成机油",
     [("0W-20", "SP", "125"), ("5W-30", "SP", "115"), ("5W-40", "SP", "115")]),
    ("GWJJ", "长城 Great Wall", "长城金吉星 全合成机油",
     [("0W-20", "SP", "62"), ("5W-30", "SP", "56"), ("5W-40", "SN", "56")]),
]  # fmt: skip


def _oils() -> list[PartSeed]:
    return [
        PartSeed(
            sku=f"OIL-{code}-{grade.replace('-', '')}",
            brand=brand,
            name=f"{product} {grade}",
            spec=f"{grade} API {api}",
            unit="升",
            list_price=Decimal(price),
            category=MAINTENANCE,
            part_type="engine_oil",
        )
        for code, brand, product, grades in _OILS
        for grade, api, price in grades
    ]


# --- Filters, batteries, wipers and brake pads, with fitment -------------------------------------------

BOSCH = ("BOSC", "博世 Bosch")
MANN = ("MANN", "曼牌 MANN-FILTER")

# Oil filters go by engine family: (code, label, price tier, fitment rows).
_OIL_FILTER_FAMILIES = [
    ("EA211", "大众 EA211 1.2T/1.4T/1.5L", "a", [_fit("LAVIDA"), _fit("BORA"), _fit("SAGITAR")]),
    ("EA888", "大众/奥迪 EA888 2.0T", "b", [_fit("PASSAT"), _fit("TIGUANL"), _fit("A4L")]),
    ("TOYOTA", "丰田 全系", "a", [Fit("丰田", "", 2012, LAST_YEAR)]),
    ("HONDA", "本田 全系", "a", [Fit("本田", "", 2012, LAST_YEAR)]),
    ("NISSAN", "日产 全系", "a", [Fit("日产", "", 2012, LAST_YEAR)]),
    ("BUICK15", "别克 1.3T/1.5L", "a", [_fit("EXCELLE")]),
    ("BYDDMI", "比亚迪 DM-i 1.5L", "a", [_fit("QINDMI"), _fit("SONGDMI")]),
    ("B48", "宝马 B48 2.0T", "c", [_fit("BMW3")]),
    ("M254", "奔驰 M254 1.5T/2.0T", "c", [_fit("BENZC")]),
    ("GEELY20T", "吉利 2.0TD", "b", [_fit("PREFACE")]),
    ("BLUEWHALE", "长安 蓝鲸 1.5T", "a", [_fit("CS75PLUS")]),
    ("GW4B15", "长城 GW4B15 1.5T", "a", [_fit("H6")]),
]
_PRICES = {
    # (part type, brand code): price by tier a / b / c
    ("oil_filter", "BOSC"): {"a": "38", "b": "45", "c": "68"},
    ("oil_filter", "MANN"): {"a": "48", "b": "56", "c": "88"},
    ("air_filter", "BOSC"): {"a": "55", "b": "68", "c": "98"},
    ("air_filter", "MANN"): {"a": "69", "b": "85", "c": "128"},
    ("cabin_filter", "BOSC"): {"a": "79", "b": "89", "c": "129"},
    ("cabin_filter", "MANN"): {"a": "139", "b": "159", "c": "199"},
    ("wiper", "BOSC"): {"a": "168", "b": "198", "c": "258"},
    ("wiper", "VALE"): {"a": "128", "b": "148", "c": "198"},
    ("brake_pad", "BOSC"): {"a": "228", "b": "298", "c": "398"},
    ("brake_pad", "BREM"): {"a": "468", "b": "568", "c": "798"},
    ("brake_pad", "ADVI"): {"a": "358", "b": "428", "c": "528"},
}

# Front wiper blade lengths in inches (driver, passenger); the MINIEV has a single blade.
_WIPER_SIZES = {
    "LAVIDA": (24, 18), "BORA": (24, 18), "SAGITAR": (24, 19), "PASSAT": (24, 19), "TIGUANL": (26, 16),
    "COROLLA": (26, 14), "CAMRY": (26, 18), "RAV4": (26, 16), "CIVIC": (26, 16), "ACCORD": (26, 16),
    "CRV": (26, 17), "SYLPHY": (26, 14), "XTRAIL": (26, 16), "EXCELLE": (26, 16), "HANEV": (26, 16),
    "QINDMI": (24, 16), "SONGDMI": (26, 16), "SONGEV": (26, 16), "MODEL3": (26, 19), "MODELY": (26, 19),
    "BMW3": (24, 19), "BENZC": (24, 22), "A4L": (24, 20), "PREFACE": (26, 16), "CS75PLUS": (26, 16),
    "H6": (26, 16), "MINIEV": (16, None),
}  # fmt: skip

_JAPANESE = {"丰田", "本田", "日产"}


def _price(part_type: str, brand_code: str, tier: str) -> Decimal:
    return Decimal(_PRICES[(part_type, brand_code)][tier])


def _oil_filters() -> list[PartSeed]:
    return [
        PartSeed(
            sku=f"OFL-{brand_code}-{family}",
            brand=brand,
            name=f"{brand.split(' ')[0]} 机油滤清器（{label}）",
            spec=label,
            unit="个",
            list_price=_price("oil_filter", brand_code, tier),
            category=MAINTENANCE,
            part_type="oil_filter",
            fits=tuple(fits),
        )
        for family, label, tier, fits in _OIL_FILTER_FAMILIES
        for brand_code, brand in (BOSCH, MANN)
    ]


def _model_filters() -> list[PartSeed]:
    parts = []
    for key in _MODELS:
        for brand_code, brand in (BOSCH, MANN):
            short = brand.split(" ")[0]
            if key in _ICE:
                parts.append(
                    PartSeed(
                        sku=f"AFL-{brand_code}-{key}",
                        brand=brand,
                        name=f"{short} 空气滤清器（{_label(key)}）",
                        spec="发动机进气滤芯",
                        unit="个",
                        list_price=_price("air_filter", brand_code, _tier(key)),
                        category=MAINTENANCE,
                        part_type="air_filter",
                        fits=(_fit(key),),
                    )
                )
            kind = "活性炭" if brand_code == "BOSC" else "FreciousPlus 抗菌防霾"
            parts.append(
                PartSeed(
                    sku=f"CFL-{brand_code}-{key}",
                    brand=brand,
                    name=f"{short} 空调滤清器 {kind}（{_label(key)}）",
                    spec=f"{kind} PM2.5",
                    unit="个",
                    list_price=_price("cabin_filter", brand_code, _tier(key)),
                    category=MAINTENANCE,
                    part_type="cabin_filter",
                    fits=(_fit(key),),
                )
            )
    return parts


def _wipers() -> list[PartSeed]:
    parts = []
    for key, (driver, passenger) in _WIPER_SIZES.items():
        size = f'{driver}"+{passenger}"' if passenger else f'{driver}"'
        unit = "对" if passenger else "支"
        for brand_code, brand, product in (
            ("BOSC", "博世 Bosch", "风翼 Aerotwin 无骨雨刮"),
            ("VALE", "法雷奥 Valeo", "SilencioX.TRM 无骨雨刮"),
        ):
            parts.append(
                PartSeed(
                    sku=f"WIP-{brand_code}-{key}",
                    brand=brand,
                    name=f"{brand.split(' ')[0]} {product} {size}（{_label(key)}）",
                    spec=f"前雨刮 {size}",
                    unit=unit,
                    list_price=_price("wiper", brand_code, _tier(key)),
                    category=PARTS_INSTALL,
                    part_type="wiper",
                    fits=(_fit(key),),
                )
            )
    return parts


def _brake_pads() -> list[PartSeed]:
    parts = []
    for key, (make, *_) in _MODELS.items():
        brands = [("BOSC", "博世 Bosch", "陶瓷配方")]
        if key != "MINIEV":
            # Japanese makes: the OE supplier's aftermarket line; the others: Brembo.
            brands.append(
                ("ADVI", "爱德克斯 ADVICS", "原厂配套") if make in _JAPANESE else ("BREM", "布雷博 Brembo", "低金属")
            )
        for brand_code, brand, compound in brands:
            parts.append(
                PartSeed(
                    sku=f"BPD-{brand_code}-{key}",
                    brand=brand,
                    name=f"{brand.split(' ')[0]} 前刹车片 {compound}（{_label(key)}）",
                    spec="前轴一套（4片）",
                    unit="套",
                    list_price=_price("brake_pad", brand_code, _tier(key)),
                    category=PARTS_INSTALL,
                    part_type="brake_pad",
                    fits=(_fit(key),),
                )
            )
    return parts


# Plug-in and pure EVs ship with a 12 V lithium battery from the maker: no catalogue battery fits them.
_BATTERIES = [
    # (group code, spec, [(brand code, brand, product, price)], fitment rows)
    ("55B24L", "55B24L 12V 45Ah",
     [("CAML", "骆驼 Camel", "免维护蓄电池", "339"), ("VART", "瓦尔塔 VARTA", "蓝标 免维护蓄电池", "419")],
     [Fit("丰田", "", 2012, LAST_YEAR), Fit("本田", "", 2012, LAST_YEAR), Fit("日产", "", 2012, LAST_YEAR)]),
    ("L2400", "L2-400 12V 60Ah",
     [("CAML", "骆驼 Camel", "免维护蓄电池", "469"), ("VART", "瓦尔塔 VARTA", "蓝标 免维护蓄电池", "599")],
     [_fit("LAVIDA"), _fit("BORA"), _fit("SAGITAR"), _fit("EXCELLE"), _fit("PREFACE"), _fit("CS75PLUS"),
      _fit("H6")]),
    ("EFBH6", "EFB H6 12V 70Ah 启停",
     [("CAML", "骆驼 Camel", "EFB 启停蓄电池", "729"), ("VART", "瓦尔塔 VARTA", "EFB 启停蓄电池", "899")],
     [_fit("PASSAT"), _fit("TIGUANL")]),
    ("AGMH7", "AGM H7 12V 80Ah 启停",
     [("CAML", "骆驼 Camel", "AGM 启停蓄电池", "1199"), ("VART", "瓦尔塔 VARTA", "银标 AGM 启停蓄电池", "1589")],
     [_fit("A4L"), _fit("BMW3"), _fit("BENZC")]),
]  # fmt: skip


def _batteries() -> list[PartSeed]:
    return [
        PartSeed(
            sku=f"BAT-{brand_code}-{group}",
            brand=brand,
            name=f"{brand.split(' ')[0]} {product} {spec}",
            spec=spec,
            unit="块",
            list_price=Decimal(price),
            category=PARTS_INSTALL,
            part_type="battery",
            fits=tuple(fits),
        )
        for group, spec, products, fits in _BATTERIES
        for brand_code, brand, product, price in products
    ]


# --- Fluids and care products --------------------------------------------------------------------------

# Makers that fill R1234yf in the models and years the catalogue covers; the rest fill R134a. Only listed
# makes get a refrigerant: a car of another make is quoted without one (the shop checks the label).
_R1234YF_MAKES = [("宝马", 2017), ("奔驰", 2017), ("特斯拉", 2019)]
_R134A_MAKES = [
    "大众", "丰田", "本田", "日产", "别克", "比亚迪", "奥迪", "吉利", "长安", "哈弗", "五菱",
    "现代", "起亚", "马自达", "福特", "雪佛兰", "奇瑞", "荣威", "传祺", "红旗", "宝骏",
]  # fmt: skip


def _fluids_and_care() -> list[PartSeed]:
    r134a = tuple(Fit(make, "", 2005, LAST_YEAR) for make in _R134A_MAKES)
    r1234yf = tuple(Fit(make, "", first, LAST_YEAR) for make, first in _R1234YF_MAKES)
    rows = [
        # (SKU, brand, name, spec, unit, price, category, part type, fitment rows)
        ("BFL-BOSC-DOT4-1L", "博世 Bosch", "博世 刹车油 DOT4", "DOT4 1L", "瓶", "59",
         MAINTENANCE, "brake_fluid", ()),
        ("BFL-CAST-DOT4-1L", "嘉实多 Castrol", "嘉实多 刹车油 DOT4", "DOT4 1L", "瓶", "69",
         MAINTENANCE, "brake_fluid", ()),
        ("REF-JUHU-R134A-500G", "巨化 Juhua", "巨化 R134a 汽车空调冷媒", "R134a 500g", "瓶", "45",
         MAINTENANCE, "refrigerant", r134a),
        ("REF-HONE-R1234YF-500G", "霍尼韦尔 Honeywell", "霍尼韦尔 Solstice yf R1234yf 汽车空调冷媒",
         "R1234yf 500g", "瓶", "398", MAINTENANCE, "refrigerant", r1234yf),
        ("REF-CHEM-R1234YF-500G", "科慕 Chemours", "科慕 Opteon YF R1234yf 汽车空调冷媒",
         "R1234yf 500g", "瓶", "368", MAINTENANCE, "refrigerant", r1234yf),
        ("CAR-TURT-WASH-2L", "龟牌 Turtle Wax", "龟牌 水蜡洗车液", "2L 中性", "瓶", "45", WASHING, "care", ()),
        ("CAR-3M-WASH-473ML", "3M", "3M 洗车香波 PN39000", "473ml 浓缩", "瓶", "49", WASHING, "care", ()),
        ("CAR-TURT-WAX-ICE", "龟牌 Turtle Wax", "龟牌 冰蜡 ICE 液体车蜡", "500ml", "瓶", "89", WASHING, "care", ()),
        ("CAR-MEGU-WAX-ULT", "美光 Meguiar's", "美光 终极液体车蜡 Ultimate Liquid Wax", "473ml", "瓶", "189",
         WASHING, "care", ()),
        ("CAR-3M-INT-650ML", "3M", "3M 多功能泡沫清洁剂（内饰）", "650ml", "瓶", "39", WASHING, "care", ()),
        ("CAR-CHIEF-INT-500ML", "车仆 Chief", "车仆 内饰清洁剂", "500ml", "瓶", "29", WASHING, "care", ()),
        ("CAR-TURT-WHEEL-680ML", "龟牌 Turtle Wax", "龟牌 轮毂清洗剂", "680ml", "瓶", "49", WASHING, "care", ()),
    ]  # fmt: skip
    return [
        PartSeed(sku, brand, name, spec, unit, Decimal(price), category, part_type, fits=fits)
        for sku, brand, name, spec, unit, price, category, part_type, fits in rows
    ]


PARTS: list[PartSeed] = [
    *_tyres(),
    *_oils(),
    *_oil_filters(),
    *_model_filters(),
    *_batteries(),
    *_wipers(),
    *_brake_pads(),
    *_fluids_and_care(),
]


class CatalogueLoad(NamedTuple):
    parts: int
    fitments: int
    specs: int


def load_catalogue(Category, Part, PartFitment, VehicleSpec) -> CatalogueLoad:
    """Create the seed parts (with their fitment rows) and vehicle specs that are missing; touch nothing
    that exists. Takes the model classes, so a data migration can pass its historical models. Returns
    how many rows were created. A handful of queries, whatever the catalogue's size."""
    categories = {c.code: c for c in Category.objects.filter(code__in={p.category for p in PARTS})}
    existing = set(Part.objects.filter(sku__in=[p.sku for p in PARTS]).values_list("sku", flat=True))
    seeds = [p for p in PARTS if p.sku not in existing]
    created = Part.objects.bulk_create(
        Part(
            sku=p.sku,
            brand=p.brand,
            name=p.name,
            spec=p.spec,
            unit=p.unit,
            list_price=p.list_price,
            category=categories[p.category],
            part_type=p.part_type,
            tyre_size=p.tyre_size,
        )
        for p in seeds
    )
    fitments = PartFitment.objects.bulk_create(
        PartFitment(part=part, make=f.make, model=f.model, year_from=f.year_from, year_to=f.year_to)
        for part, seed in zip(created, seeds, strict=True)
        for f in seed.fits
    )
    known = set(VehicleSpec.objects.values_list("make", "model", "year_from"))
    specs = VehicleSpec.objects.bulk_create(
        VehicleSpec(**s._asdict()) for s in VEHICLE_SPECS if (s.make, s.model, s.year_from) not in known
    )
    return CatalogueLoad(parts=len(created), fitments=len(fitments), specs=len(specs))
