"""Demo content for the content site, in Chinese: the service guides, the FAQ, the news and the promotions.

Written through Wagtail's page API (``add_child`` and a published revision, as an editor would) and idempotent: a page
that exists (by slug under its parent) is left as the editors have it, so running the load twice adds nothing."""

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone
from wagtail.models import Page

from catalog.models import Service
from cms.models import (
    ArticlePage,
    FaqPage,
    HomePage,
    NewsIndexPage,
    PromotionsPage,
    ServiceGuideIndexPage,
    ServiceGuidePage,
)

# service code -> (slug, summary, what is included, advice)
GUIDES = {
    "minor_service": (
        "minor-service",
        "每 5000–10000 公里一次：换机油和机滤，顺带把灯光、胎压、液位和刹车查一遍。",
        "<ul><li>放净旧机油，按车型规格加注新机油</li><li>更换机油滤清器</li>"
        "<li>检查灯光、胎压、各液位和刹车片厚度</li><li>复位保养提示</li></ul>",
        "<p>机油标号以车主手册为准；报价会按您的车型给出所需机油量和配件，到店不再加价。</p>",
    ),
    "major_service": (
        "major-service",
        "每 2 万–4 万公里一次：机油、机滤、空气滤芯、空调滤芯一起换，并做全车检查。",
        "<ul><li>更换机油和机油滤清器</li><li>更换空气滤芯和空调滤芯</li>"
        "<li>全车检查：底盘、悬挂、刹车系统、皮带和电瓶</li></ul>",
        "<p>空调滤芯在梅雨季和春季柳絮多的时候更容易脏，可以适当提前更换。</p>",
    ),
    "brake_fluid_change": (
        "brake-fluid-change",
        "刹车油会吸水，一般两年或 4 万公里换一次，关系到刹车的可靠。",
        "<ul><li>抽出旧刹车油</li><li>加注 DOT4 刹车油</li><li>逐个车轮排气，检查刹车踏板行程</li></ul>",
        "<p>更换后头几脚刹车请轻踩，确认踏板感觉正常再上路。</p>",
    ),
    "ac_service": (
        "ac-service",
        "空调不凉、有异味？清洗蒸发箱，检测并补充冷媒。",
        "<ul><li>清洗蒸发箱和风道</li><li>检测冷媒压力，按需补充</li><li>检查出风口温度</li></ul>",
        "<p>入夏前做一次空调保养，排队的人少，效果也最明显。</p>",
    ),
    "standard_wash": (
        "standard-wash",
        "车身外部清洗擦干，轮毂清洁，约半小时。",
        "<ul><li>预冲洗、泡沫清洗车身</li><li>轮毂和轮胎清洁</li><li>擦干车身和玻璃</li></ul>",
        "",
    ),
    "tyre_fitting": (
        "tyre-fitting",
        "单条轮胎拆装，含动平衡和新气门嘴；轮胎可在门店选购。",
        "<ul><li>拆下旧胎、安装新胎</li><li>更换气门嘴</li><li>做动平衡，按规格充气</li></ul>",
        "<p>同轴两条轮胎建议一起更换；新胎头 200 公里请避免急加速和急刹车。</p>",
    ),
    "battery_replacement": (
        "battery-replacement",
        "冬天打不着火？更换蓄电池并检测充电系统。",
        "<ul><li>检测旧蓄电池和发电机充电电压</li><li>更换同规格蓄电池</li><li>旧电池由门店回收</li></ul>",
        "<p>带启停功能的车需要 AGM 或 EFB 电池，报价会按车型自动匹配。</p>",
    ),
    "brake_pads": (
        "brake-pads",
        "前轴刹车片更换，同时检查刹车盘磨损。",
        "<ul><li>拆下旧刹车片，测量刹车盘厚度</li><li>安装新刹车片，润滑导向销</li><li>试车确认</li></ul>",
        "<p>刹车时有尖锐的金属声，多半是刹车片到了磨损极限，请尽快更换。</p>",
    ),
}

FAQ = [
    ("heading", "预约与到店"),
    (
        "question",
        "页面上显示的价格就是最终价格吗？",
        "<p>是的。选好车辆后，门店页面显示的是按您的车型算出的报价，含配件和工时，到店不再加价。如需额外项目，门店会在平台上提出，您确认后才会施工。</p>",
    ),
    (
        "question",
        "可以改约或取消吗？",
        "<p>可以。在“我的预约”里改约或取消，页面会先告诉您按规则能退多少钱，您确认后才生效。</p>",
    ),
    ("question", "到店后要等多久？", "<p>预约的时段为您保留工位。门店最早可在预约开始前 2 小时为您登记到店。</p>"),
    ("heading", "支付与优惠"),
    ("question", "优惠券怎么用？", "<p>支付时选择可用的优惠券即可。每笔预约只能用一张，满足门槛才可使用。</p>"),
    (
        "question",
        "钱是直接付给门店吗？",
        "<p>不是。您的付款由平台担保，服务完成后才结算给门店；有纠纷时平台介入处理。</p>",
    ),
    ("heading", "服务质量"),
    (
        "question",
        "平台如何保证门店的服务质量？",
        '<p>每家合作门店都按<a href="/standards/">车服门店服务标准</a>接受检查，包括暗访。'
        "不达标的项目须限期整改，严重问题会被立即暂停接单。</p>",
    ),
    ("question", "对服务不满意怎么办？", "<p>在订单页面提交投诉，附上照片和说明，平台质检会在规定时间内处理。</p>"),
]

ARTICLES = [
    (
        "chefu-shanghai-launch",
        "车服在上海上线：明码标价，在线预约",
        30,
        "首批合作门店覆盖上海各区，保养、洗车、轮胎和电瓶服务都能在线预约。",
        "<p>车服今天在上海上线。车主选好车型后即可看到每家门店按车型计算的报价，配件和工时一目了然。</p>"
        "<p>所有合作门店都按统一的服务标准接受检查，付款由平台担保，服务完成后才结算给门店。</p>",
    ),
    (
        "summer-ac-tips",
        "入夏前，空调保养做了吗？",
        10,
        "空调不凉、有异味，往往是蒸发箱脏了或冷媒不足。",
        "<p>夏天来临前给空调做一次保养：清洗蒸发箱、检测冷媒，开空调时更凉快，也没有异味。</p>"
        "<p>在车服预约空调保养，门店会按标准检查单逐项记录并拍照，您在订单页就能看到。</p>",
    ),
    (
        "price-bands-explained",
        "参考价区间是怎么算的？",
        3,
        "每项服务的参考价区间来自本市合作门店的实时价格。",
        "<p>我们把本市所有在营合作门店某项服务的当前价格排序，取中间一半的范围作为参考区间，并标出中位价。</p>"
        "<p>门店调价后区间会自动更新，您在服务指南和门店页面上看到的都是最新数据。</p>",
    ),
]

PROMOTIONS = [
    ("XINKE30", "新用户首单立减 30 元", "<p>第一次在车服预约，满 199 元即减 30 元。</p>"),
    ("BAOYANG15", "保养季 85 折", "<p>小保养、大保养都能用，最高减 60 元。</p>"),
]


@dataclass(frozen=True)
class DemoContent:
    guides: int
    articles: int
    created: int


def _publish(parent: Page, page: Page) -> Page:
    parent.add_child(instance=page)
    page.save_revision().publish()
    return page


def _child(parent: Page, slug: str) -> Page | None:
    return parent.get_children().filter(slug=slug).specific().first()


def demo_content_load(*, today: dt.date | None = None) -> DemoContent:
    """Create the content pages that are missing under the home page; returns how many of each there are."""
    today = today or timezone.localdate()
    home = HomePage.objects.first()
    if home is None:
        return DemoContent(guides=0, articles=0, created=0)
    created = 0

    index = _child(home, "guides")
    if index is None:
        index = _publish(
            home,
            ServiceGuideIndexPage(
                title="服务指南",
                slug="guides",
                intro="<p>每项标准服务包含什么、门店按哪些项目逐项检查、本市门店通常收多少钱。</p>",
                search_description="车服标准服务指南：服务内容、标准检查单和本市参考价区间。",
            ),
        )
        created += 1
    services = {service.code: service for service in Service.objects.filter(code__in=GUIDES)}
    have = set(ServiceGuidePage.objects.values_list("service_id", flat=True))
    for code, (slug, summary, included, advice) in GUIDES.items():
        if code in have or code not in services or _child(index, slug):
            continue
        _publish(
            index,
            ServiceGuidePage(
                title=services[code].name_zh,
                slug=slug,
                service=services[code],
                summary=summary,
                included=included,
                advice=advice,
                search_description=summary,
            ),
        )
        created += 1

    if _child(home, "faq") is None:
        body = [
            {"type": "heading", "value": entry[1]}
            if entry[0] == "heading"
            else {"type": "question", "value": {"question": entry[1], "answer": entry[2]}}
            for entry in FAQ
        ]
        _publish(
            home,
            FaqPage(
                title="常见问题", slug="faq", body=body, search_description="关于预约、价格、支付和服务质量的常见问题。"
            ),
        )
        created += 1

    news = _child(home, "news")
    if news is None:
        news = _publish(home, NewsIndexPage(title="新闻动态", slug="news", search_description="车服的新闻和用车提示。"))
        created += 1
    for slug, title, days_ago, intro, body in ARTICLES:
        if _child(news, slug) is None:
            _publish(
                news,
                ArticlePage(
                    title=title,
                    slug=slug,
                    date=today - dt.timedelta(days=days_ago),
                    intro=intro,
                    body=body,
                    search_description=intro,
                ),
            )
            created += 1

    if _child(home, "promotions") is None:
        _publish(
            home,
            PromotionsPage(
                title="优惠活动",
                slug="promotions",
                intro="<p>以下优惠在支付时选择即可使用，条件以券面为准。</p>",
                promotions=[
                    {"type": "promotion", "value": {"coupon": code, "headline": headline, "text": text}}
                    for code, headline, text in PROMOTIONS
                ],
                search_description="车服正在进行的优惠活动。",
            ),
        )
        created += 1

    return DemoContent(
        guides=ServiceGuidePage.objects.child_of(index).count(),
        articles=ArticlePage.objects.child_of(news).count(),
        created=created,
    )
