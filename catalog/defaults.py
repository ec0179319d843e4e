"""Platform-defined standard services, shipped as data. Loaded by a data migration; the loader only
creates what is missing, so edits made by platform admins in the back office are kept."""

# (code, category, name_zh, name_en, duration_min, description_zh, description_en)
STANDARD_SERVICES = [
    (
        "minor_service",
        "maintenance",
        "小保养（机油+机滤）",
        "Minor service (oil and filter)",
        60,
        "更换发动机机油和机油滤清器，检查灯光、胎压、液位和刹车。",
        "Engine oil and oil filter change; check of lights, tyre pressure, fluid levels and brakes.",
    ),
    (
        "major_service",
        "maintenance",
        "大保养（机油+三滤）",
        "Major service (oil and three filters)",
        120,
        "更换机油、机滤、空气滤芯和空调滤芯，全车检查。",
        "Oil, oil filter, air filter and cabin filter change, with a full vehicle inspection.",
    ),
    (
        "brake_fluid_change",
        "maintenance",
        "更换刹车油",
        "Brake-fluid change",
        45,
        "排空旧刹车油，加注 DOT4 刹车油并排气。",
        "Drain the old fluid, refill with DOT 4 and bleed the brakes.",
    ),
    (
        "ac_service",
        "maintenance",
        "空调保养（清洗+加氟）",
        "Air-conditioning service",
        60,
        "清洗蒸发箱，检测并补充冷媒。",
        "Evaporator cleaning, refrigerant check and top-up.",
    ),
    (
        "standard_wash",
        "washing",
        "标准洗车",
        "Standard wash",
        30,
        "车身外部清洗、擦干，轮毂清洁。",
        "Exterior wash and dry, wheels cleaned.",
    ),
    (
        "interior_cleaning",
        "washing",
        "内饰清洗",
        "Interior cleaning",
        90,
        "座椅、地毯、顶棚和仪表台深度清洁。",
        "Deep cleaning of seats, carpets, headliner and dashboard.",
    ),
    ("waxing", "washing", "打蜡", "Waxing", 60, "洗车后全车打蜡抛光。", "Wash, then a full wax and polish."),
    (
        "tyre_fitting",
        "parts_install",
        "轮胎安装（单条）",
        "Tyre fitting (per tyre)",
        30,
        "拆装一条轮胎，含动平衡和气门嘴。",
        "Fit one tyre, with balancing and a new valve.",
    ),
    (
        "battery_replacement",
        "parts_install",
        "更换蓄电池",
        "Battery replacement",
        30,
        "更换蓄电池并检测充电系统。",
        "Battery replacement and a charging-system check.",
    ),
    (
        "wiper_blades",
        "parts_install",
        "更换雨刮片",
        "Wiper blades",
        15,
        "更换前雨刮片一对。",
        "Replace the pair of front wiper blades.",
    ),
    (
        "brake_pads",
        "parts_install",
        "更换刹车片（前轮）",
        "Brake pads (front axle)",
        60,
        "更换前轴刹车片，检查刹车盘。",
        "Replace the front brake pads and check the discs.",
    ),
    (
        "consignment_inspection",
        "consignment",
        "寄售车辆检测",
        "Consignment inspection",
        30,
        "半小时标准化检测，出具电子检测报告。",
        "A half-hour standard inspection producing an electronic report.",
    ),
]


def load_standard_services(Category, Service) -> int:
    """Create the standard services that are missing. Takes the model classes, so a data migration can
    pass its historical models. Returns how many were created."""
    created = 0
    for order, (code, category, zh, en, minutes, desc_zh, desc_en) in enumerate(STANDARD_SERVICES):
        _, was_created = Service.objects.get_or_create(
            code=code,
            defaults={
                "category": Category.objects.get(code=category),
                "name_zh": zh,
                "name_en": en,
                "duration_min": minutes,
                "description_zh": desc_zh,
                "description_en": desc_en,
                "kind": "standard",
                "sort_order": order,
            },
        )
        created += was_created
    return created
