"""The store standard Chefu ships with: version 1 of each category, published. Loaded by a data migration; the
loader creates only the codes that have no version yet, so versions QA has drafted or published are left alone.

Weights are relative within a standard (1-100). Critical items fail an audit whatever its score: work that endangers
people or the environment, or deceives the owner."""

# {code: (category, title_zh, title_en, [(item code, text_zh, text_en, weight, critical, evidence_required)])}
DEFAULT_STANDARDS = {
    "facility": (
        "facility",
        "场地与设施",
        "Facility",
        [
            (
                "lift_inspected",
                "举升机有特种设备检验合格标志且在有效期内，安全锁止装置有效",
                "Every lift carries a valid inspection certificate and its safety locks work",
                30,
                True,
                True,
            ),
            (
                "workshop_clean",
                "车间地面无油污积水，通道畅通，工位标识清楚",
                "Workshop floor free of oil and water, walkways clear, bays marked",
                15,
                False,
                False,
            ),
            (
                "fire_safety",
                "灭火器数量充足、压力正常、在检验期内，消防通道未被占用",
                "Enough charged, inspected fire extinguishers; fire exits unobstructed",
                25,
                True,
                True,
            ),
            (
                "lighting_ventilation",
                "工位照明充足，喷漆和尾气区域通风良好",
                "Bays well lit; paint and exhaust areas ventilated",
                15,
                False,
                False,
            ),
            (
                "signage_licence_posted",
                "营业执照和平台合作标识在显眼处公示",
                "Business licence and Chefu partner sign displayed where customers see them",
                15,
                False,
                True,
            ),
        ],
    ),
    "tools": (
        "tools",
        "工具与计量校准",
        "Tools and calibration",
        [
            (
                "torque_wrench_calibrated",
                "扭力扳手有一年内的校准记录",
                "Torque wrenches calibrated within the last 12 months, with records",
                30,
                False,
                True,
            ),
            (
                "alignment_calibrated",
                "四轮定位仪按厂家要求校准并有记录",
                "Wheel-alignment rig calibrated as its maker requires, with records",
                20,
                False,
                False,
            ),
            (
                "diagnostic_tools",
                "配备与所服务车型匹配的故障诊断设备且软件在更新期内",
                "Diagnostic equipment for the makes served, with current software",
                20,
                False,
                False,
            ),
            (
                "ac_recovery_machine",
                "空调作业使用冷媒回收加注机，不直接排放冷媒",
                "A/C work uses a refrigerant recovery machine; refrigerant is never vented",
                20,
                True,
                False,
            ),
            (
                "tools_stored",
                "工具定置存放，无破损工具在用",
                "Tools kept in their places; no damaged tool in use",
                10,
                False,
                False,
            ),
        ],
    ),
    "licences": (
        "licences",
        "资质与人员证书",
        "Licences and staff certificates",
        [
            (
                "repair_licence",
                "持有有效的机动车维修经营备案及营业执照，经营范围覆盖平台上架服务",
                "Valid vehicle-repair registration and business licence covering every service listed on Chefu",
                30,
                True,
                True,
            ),
            (
                "refrigerant_certificate",
                "从事空调冷媒作业的技师持有制冷作业操作证",
                "Technicians doing A/C refrigerant work hold the refrigeration operator certificate",
                25,
                True,
                True,
            ),
            (
                "technician_certificates",
                "每个班次至少一名持证机动车维修技师在岗",
                "At least one certified vehicle technician on every shift",
                20,
                False,
                False,
            ),
            (
                "electrical_certificate",
                "涉及新能源车高压作业的人员持有电工作业证",
                "Staff working on high-voltage EV systems hold the electrician certificate",
                15,
                True,
                False,
            ),
            (
                "staff_roster",
                "平台上登记的员工与在岗人员一致",
                "Staff registered on Chefu match the people at work",
                10,
                False,
                False,
            ),
        ],
    ),
    "parts": (
        "parts",
        "配件存储与来源",
        "Parts storage and provenance",
        [
            (
                "no_counterfeit_parts",
                "未发现假冒或翻新冒充新品的配件",
                "No counterfeit parts, nor refurbished parts sold as new",
                35,
                True,
                True,
            ),
            (
                "purchase_invoices",
                "机油、滤芯、刹车片等主要配件有进货发票或供应商凭证可追溯",
                "Oil, filters, brake pads and other main parts traceable to invoices or supplier documents",
                25,
                False,
                True,
            ),
            (
                "storage_conditions",
                "配件分类存放，防潮防晒，油品密封",
                "Parts sorted and kept dry and out of the sun; oils sealed",
                15,
                False,
                False,
            ),
            (
                "expiry_checked",
                "有保质期的油液和胶类未过期",
                "Fluids and adhesives with a shelf life are within it",
                15,
                False,
                False,
            ),
            (
                "old_parts_returned",
                "更换下的旧件按车主意愿交还或展示",
                "Replaced parts are returned or shown to the owner as they wish",
                10,
                False,
                False,
            ),
        ],
    ),
    "waste": (
        "waste",
        "废油与危废处置",
        "Waste-oil and hazardous-waste disposal",
        [
            (
                "no_illegal_dumping",
                "未发现废机油、冷却液等倾倒入下水道或土壤",
                "No waste oil, coolant or other fluid poured into drains or soil",
                35,
                True,
                False,
            ),
            (
                "waste_contract",
                "与有资质的危废处置单位签订合同并有转移联单",
                "A contract with a licensed hazardous-waste contractor, with transfer manifests",
                25,
                False,
                True,
            ),
            (
                "waste_storage",
                "废油、废滤芯、废电池分类存放在防渗漏的专用容器和区域",
                "Waste oil, filters and batteries kept apart in leak-proof containers in a marked area",
                25,
                False,
                True,
            ),
            (
                "waste_log",
                "危废产生和转移有台账记录",
                "A log of hazardous waste produced and handed over",
                15,
                False,
                False,
            ),
        ],
    ),
    "prices": (
        "prices",
        "价格公示",
        "Posted price list",
        [
            (
                "price_list_posted",
                "服务价格表在接待区公示，与平台标价一致",
                "A price list in the reception area matching the prices on Chefu",
                35,
                False,
                True,
            ),
            (
                "labour_rates_posted",
                "工时费标准和配件价格可供查阅",
                "Labour rates and parts prices available to read",
                20,
                False,
                False,
            ),
            (
                "written_quote",
                "增项作业前向车主出具书面报价并取得同意",
                "Extra work is quoted in writing and agreed by the owner before it starts",
                30,
                True,
                False,
            ),
            (
                "itemized_invoice",
                "结算单逐项列明配件和工时",
                "The final bill itemizes parts and labour",
                15,
                False,
                False,
            ),
        ],
    ),
    "customer_area": (
        "customer_area",
        "客户区域",
        "Customer area",
        [
            (
                "waiting_area_clean",
                "休息区整洁，座位充足",
                "The waiting area is clean with enough seats",
                25,
                False,
                False,
            ),
            (
                "restroom",
                "提供干净可用的洗手间",
                "A clean, working restroom is available",
                20,
                False,
                False,
            ),
            (
                "workshop_view",
                "车主可观看作业过程或查看作业照片",
                "Owners can watch the work or see photos of it",
                20,
                False,
                False,
            ),
            (
                "vehicle_protection",
                "作业时使用座椅套、方向盘套和翼子板护垫",
                "Seat, steering-wheel and wing covers are used during work",
                20,
                False,
                True,
            ),
            (
                "complaint_channel",
                "公示平台投诉渠道",
                "The Chefu complaint channel is displayed",
                15,
                False,
                False,
            ),
        ],
    ),
}


def load_default_standards(Standard, StandardItem) -> int:
    """Create and publish version 1 of each default code that has no version yet. Takes the model classes, so a data
    migration can pass its historical models. Returns how many standards were created.

    The items are written while the standard is a draft, then it is published: the database refuses items into a
    published standard."""
    from django.utils import timezone

    existing = set(Standard.objects.filter(code__in=DEFAULT_STANDARDS).values_list("code", flat=True))
    created = 0
    for code, (category, title_zh, title_en, items) in DEFAULT_STANDARDS.items():
        if code in existing:
            continue
        standard = Standard.objects.create(
            code=code, category=category, version=1, title_zh=title_zh, title_en=title_en
        )
        StandardItem.objects.bulk_create(
            StandardItem(
                standard=standard,
                code=item_code,
                text_zh=text_zh,
                text_en=text_en,
                weight=weight,
                critical=critical,
                evidence_required=evidence,
                position=(index + 1) * 10,
            )
            for index, (item_code, text_zh, text_en, weight, critical, evidence) in enumerate(items)
        )
        Standard.objects.filter(pk=standard.pk).update(published_at=timezone.now())
        created += 1
    return created
