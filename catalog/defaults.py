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


# Services that work on the engine: an electric vehicle is not offered them (Service.needs_engine).
ENGINE_SERVICES = ("minor_service", "major_service")


def mark_engine_services(Service) -> int:
    """Mark :data:`ENGINE_SERVICES` as needing an engine. Takes the model class, so a data migration can pass its
    historical model. Returns how many rows changed."""
    return Service.objects.filter(code__in=ENGINE_SERVICES, needs_engine=False).update(needs_engine=True)


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


# What staff confirm when they do each standard service: {service code: [(code, label_zh, label_en, required)]}.
# Bookings copy the list when they are made; completing a booking needs every required item answered.
STANDARD_CHECKLISTS = {
    "minor_service": [
        (
            "oil_drained_refilled",
            "放净旧机油，按规定加注新机油至油尺上下限之间",
            "Old oil drained; new oil filled to between the dipstick marks",
            True,
        ),
        ("oil_filter_replaced", "更换机油滤清器（密封圈涂抹机油）", "Oil filter replaced (seal oiled)", True),
        (
            "drain_plug_torqued",
            "放油螺栓更换垫片并按规定力矩拧紧",
            "Drain plug refitted with a new washer and torqued to spec",
            True,
        ),
        (
            "no_leaks_after_start",
            "启动怠速后检查放油螺栓及机滤处无渗漏",
            "No leaks at the drain plug or filter after an idle run",
            True,
        ),
        ("service_reminder_reset", "保养提示归零", "Service reminder reset", False),
        ("tyre_pressures_set", "四轮胎压按标准调整", "Tyre pressures set to spec", False),
        ("odometer_recorded", "拍照记录仪表里程", "Odometer reading photographed", False),
    ],
    "major_service": [
        (
            "oil_drained_refilled",
            "放净旧机油，按规定加注新机油至油尺上下限之间",
            "Old oil drained; new oil filled to between the dipstick marks",
            True,
        ),
        ("oil_filter_replaced", "更换机油滤清器（密封圈涂抹机油）", "Oil filter replaced (seal oiled)", True),
        ("air_filter_replaced", "更换空气滤芯，清洁滤清器壳体", "Air filter replaced, housing cleaned", True),
        ("cabin_filter_replaced", "更换空调滤芯", "Cabin filter replaced", True),
        (
            "no_leaks_after_start",
            "启动怠速后检查放油螺栓及机滤处无渗漏",
            "No leaks at the drain plug or filter after an idle run",
            True,
        ),
        (
            "fluid_levels_checked",
            "检查冷却液、刹车油、玻璃水液位",
            "Coolant, brake-fluid and washer levels checked",
            False,
        ),
        ("service_reminder_reset", "保养提示归零", "Service reminder reset", False),
    ],
    "brake_fluid_change": [
        (
            "bled_all_corners",
            "加注DOT4刹车油，按顺序四轮排气至无气泡",
            "Filled with DOT 4 and bled at all four wheels until free of bubbles",
            True,
        ),
        ("bleed_screws_tight", "放气螺丝拧紧，清洁后无渗漏", "Bleed screws tightened, cleaned, not leaking", True),
        ("reservoir_level_max", "储液罐液位加至MAX线，盖紧盖子", "Reservoir filled to MAX, cap closed", True),
        ("pedal_feel_firm", "刹车踏板脚感坚实、无下沉", "Brake pedal firm, does not sink", True),
        ("water_content_tested", "检测刹车油含水量", "Fluid tested for water content", False),
    ],
    "ac_service": [
        ("evaporator_cleaned", "清洗蒸发箱", "Evaporator cleaned", True),
        ("leak_tested", "空调管路及接头检漏无泄漏", "A/C lines and joints leak-tested", True),
        (
            "refrigerant_charged",
            "按标定量加注冷媒，记录加注克数",
            "Refrigerant charged to the specified amount (grams noted)",
            True,
        ),
        ("pressures_normal", "高低压侧压力正常", "High- and low-side pressures normal", True),
        ("outlet_temperature_measured", "测量并记录出风口温度", "Outlet temperature measured and noted", True),
    ],
    "standard_wash": [
        (
            "walkround_photos",
            "洗车前环车检查，拍照记录原有划痕",
            "Walk-round before washing; existing scratches photographed",
            True,
        ),
        (
            "body_washed_dried",
            "车身清洗并擦干，无泡沫残留和水渍",
            "Body washed and dried, no foam or water spots left",
            True,
        ),
        ("wheels_cleaned", "轮毂及轮胎清洁", "Wheels and tyres cleaned", True),
        ("glass_cleaned", "车窗玻璃及后视镜清洁", "Windows and mirrors cleaned", False),
        ("door_jambs_wiped", "门边、门槛擦拭干净", "Door jambs and sills wiped", False),
    ],
    "interior_cleaning": [
        ("belongings_secured", "车内个人物品清点并妥善归置", "Owner's belongings listed and put safely aside", True),
        ("vacuumed", "座椅、地毯及后备厢吸尘", "Seats, carpets and boot vacuumed", True),
        ("seats_carpets_cleaned", "座椅、地毯深度清洗", "Seats and carpets deep-cleaned", True),
        ("dashboard_cleaned", "仪表台、中控台及门板清洁", "Dashboard, centre console and door panels cleaned", True),
        ("headliner_cleaned", "顶棚清洁", "Headliner cleaned", False),
        ("left_dry", "交车前座椅、地毯无明显潮湿", "Seats and carpets not noticeably damp at handover", True),
    ],
    "waxing": [
        ("washed_dried", "打蜡前车身洗净擦干", "Body washed and dried before waxing", True),
        ("wax_applied", "全车漆面均匀上蜡", "Wax applied evenly to all paintwork", True),
        ("buffed_no_residue", "抛光后缝隙、饰条无蜡迹残留", "Buffed; no wax left in gaps or on trim", True),
        ("trim_masked", "塑料件及胶条已遮蔽保护", "Plastic trim and seals masked", False),
    ],
    "tyre_fitting": [
        (
            "tyre_matches_order",
            "新胎规格及旋转方向与订单一致，记录DOT生产周期",
            "Tyre size and rotation direction match the order; DOT date noted",
            True,
        ),
        ("valve_replaced", "更换气门嘴", "Valve replaced", True),
        ("wheel_balanced", "做动平衡，残余不平衡量≤5克", "Wheel balanced, residual imbalance at most 5 g", True),
        (
            "nuts_torqued",
            "轮胎螺栓用扭力扳手按原厂力矩对角紧固",
            "Wheel nuts torqued to spec in a star pattern with a torque wrench",
            True,
        ),
        ("pressure_set", "胎压按车门标签数值调整", "Pressure set to the door-placard value", True),
        ("tpms_no_warning", "胎压监测无报警", "Tyre-pressure monitor shows no warning", False),
    ],
    "battery_replacement": [
        ("memory_saver_used", "接记忆保护器或记录音响密码", "Memory saver connected or radio code noted", False),
        ("battery_matches", "新电池型号、容量与原车一致", "New battery's type and capacity match the original", True),
        ("terminals_tight", "正负极桩头紧固并涂抹保护剂", "Terminals tight and protected with grease", True),
        (
            "charging_voltage_measured",
            "启动后测量充电电压（13.5–14.8V）",
            "Charging voltage measured with the engine running (13.5–14.8 V)",
            True,
        ),
        ("old_battery_recycled", "旧电池回收登记", "Old battery logged for recycling", False),
    ],
    "wiper_blades": [
        ("blade_sizes_match", "主副驾雨刮片尺寸与车型一致", "Blade lengths match the car on both sides", True),
        ("blades_seated", "雨刮片卡扣安装到位", "Blades clicked home on the arms", True),
        ("wipe_tested", "喷水试刮，无异响、无水痕", "Spray test: no chatter, no streaks", True),
        ("washer_fluid_topped", "玻璃水加满", "Washer fluid topped up", False),
    ],
    "brake_pads": [
        ("pad_thickness_measured", "测量并记录旧刹车片厚度", "Old pad thickness measured and noted", True),
        (
            "discs_checked",
            "检查刹车盘厚度及磨损，无沟槽、变形",
            "Disc thickness and wear checked; no scoring or warping",
            True,
        ),
        (
            "caliper_bolts_torqued",
            "新刹车片安装到位，卡钳螺栓按规定力矩紧固",
            "New pads fitted; caliper bolts torqued to spec",
            True,
        ),
        ("pedal_pumped", "挪车前踩实刹车踏板", "Brake pedal pumped firm before the car is moved", True),
        ("fluid_level_checked", "检查刹车油液位", "Brake-fluid level checked", False),
        ("test_drive", "路试：制动无异响、无跑偏", "Test drive: brakes quiet, car does not pull", True),
    ],
    "consignment_inspection": [
        ("vin_matches_documents", "车架号与行驶证、登记证书一致", "VIN matches the registration documents", True),
        ("odometer_photographed", "拍照记录仪表里程", "Odometer reading photographed", True),
        ("exterior_photographed", "车身外观多角度拍照", "Exterior photographed from all sides", False),
    ],
}


def load_standard_checklists(Service, ServiceChecklistItem) -> int:
    """Create the standard checklist items that are missing, for the standard services that exist. Takes the
    model classes, so a data migration can pass its historical models. Items already there (edited or not) are
    left alone. Returns how many were created."""
    services = list(Service.objects.filter(code__in=STANDARD_CHECKLISTS).values_list("code", flat=True))
    existing = set(ServiceChecklistItem.objects.filter(service_id__in=services).values_list("service_id", "code"))
    missing = [
        ServiceChecklistItem(
            service_id=service,
            code=code,
            label_zh=zh,
            label_en=en,
            required=required,
            position=(index + 1) * 10,
        )
        for service in services
        for index, (code, zh, en, required) in enumerate(STANDARD_CHECKLISTS[service])
        if (service, code) not in existing
    ]
    ServiceChecklistItem.objects.bulk_create(missing)
    return len(missing)
