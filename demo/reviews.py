"""Demo reviews (``seed_demo``): past bookings of the demo customers, paid through the sandbox, completed and
reviewed through the services, so every rating on the demo map comes from real, verified reviews.

The first demo store gets a full page of them (with store replies, a follow-up, one held for QA because it carries a
phone number and one QA hid, with its reason); a number of other stores get a few each.
"""

import datetime as dt
import random
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from bookings import services as booking_services
from catalog.quotes import service_applies
from demo.bookings import bookable_offerings, checklist_pass, free_slots
from demo.payments import demo_pay, purging
from reviews import reputation, services
from reviews.models import Review
from stores.models import Store

# (ratings: quality, attitude, timeliness, price transparency, environment), text, tags
GOOD = (
    ((5, 5, 5, 5, 5), "师傅很专业，换机油前先带我看了油尺和滤芯，价格和App上报价一分不差。", ["skilled", "fair_price"]),
    (
        (5, 5, 4, 5, 4),
        "预约十点到店，十分钟内就开始施工，一个小时搞定。休息区有咖啡，体验不错。",
        ["on_time", "comfortable_lounge"],
    ),
    ((5, 4, 5, 5, 5), "第二次来了，检查单每一项都拍了照，心里很踏实。", ["explained", "genuine_parts"]),
    ((4, 5, 5, 5, 4), "店长态度很好，没有推销额外项目，该换的才换。", ["friendly", "fair_price"]),
    ((5, 5, 5, 4, 5), "洗得很干净，轮毂缝里都刷到了，下次还来。", ["clean"]),
    ((4, 4, 4, 5, 4), "整体满意，价格透明，就是停车位稍微有点紧张。", ["fair_price"]),
)
MIXED = (
    ((4, 3, 3, 4, 3), "活干得还行，但比预约时间晚了二十分钟才开始，前台也没主动解释。", ["slow"]),
    ((3, 4, 3, 3, 4), "价格和报价一致，不过等待区有点乱，希望改进。", ["fair_price"]),
)
POOR = (
    ((2, 1, 2, 3, 2), "到店后又被推荐加做三项保养，拒绝后态度明显变差，不会再来。", ["upsell", "poor_communication"]),
)
REPLIES = (
    "感谢您的认可，我们会继续保持！",
    "谢谢支持，欢迎下次再来，保养周期到了我们会提醒您。",
    "抱歉让您久等，我们已调整排班，下次一定准时开工。",
)
FOLLOW_UP = "开了一个月回来追评：发动机声音明显安静了，油耗也正常，推荐。"
HELD_TEXT = "师傅手艺不错，想直接约的加我微信13912345678，比平台便宜。"
HIDDEN_TEXT = "还行吧。"
HIDE_REASON = "经核实，该评价与本次服务无关（车主评价的是另一家门店）。"


@dataclass(frozen=True)
class DemoReviews:
    stores: int
    reviews: int


def past_booking(store: Store, owner: User, vehicle, *, day: dt.date, rng: random.Random):
    tz = ZoneInfo(store.timezone)
    # A free check is not a paid booking to review; an oil change is not for an electric car.
    offered = [
        o
        for o in bookable_offerings(store)
        if o.current.total > 0 and service_applies(service=o.service, vehicle=vehicle)
    ]
    if not offered:
        return None
    offering = rng.choice(offered)
    booked_at = dt.datetime.combine(day - dt.timedelta(days=1), dt.time(20, 0), tzinfo=tz)
    slots = free_slots(store, offering, day, booked_at)
    if not slots:
        return None
    slot = rng.choice(slots)
    return booking_services.booking_create(
        owner=owner, store=store, service=offering.service, vehicle=vehicle, start=slot.start, now=booked_at
    )


def complete_at_shop(booking, staff: User | None) -> None:
    """The car (of a past booking) came at its start and was taken in then; the job is completed now, which is when
    its review window opens."""
    booking_services.booking_check_in(booking_id=booking.pk, by=staff, now=booking.start)
    booking_services.booking_start(booking_id=booking.pk, by=staff, now=booking.start + dt.timedelta(minutes=2))
    checklist_pass(booking, staff)
    booking_services.booking_complete(booking_id=booking.pk, by=staff)


def _review(store, customers, *, day, rng, staff, pick, text=None, tags=None):
    owner, vehicle = customers[rng.randrange(len(customers))]
    booking = past_booking(store, owner, vehicle, day=day, rng=rng)
    if booking is None:
        return None
    if booking.quote_total <= 0:  # nothing to pay for this car: not a booking a review can come from
        booking_services.booking_cancel(booking_id=booking.pk, by=owner, reason="demo", now=booking.created_at)
        return None
    demo_pay(booking)
    complete_at_shop(booking, staff)
    ratings, default_text, default_tags = pick
    names = ("quality", "attitude", "timeliness", "price_transparency", "environment")
    return services.review_create(
        booking_id=booking.pk,
        owner=owner,
        ratings=dict(zip(names, ratings, strict=True)),
        text=default_text if text is None else text,
        tags=default_tags if tags is None else tags,
    )


def demo_reviews_load(
    *,
    store: Store,
    staff: User,
    qa: User | None,
    customers: list[tuple],
    others: list[Store],
    seed: int,
    now: dt.datetime | None = None,
) -> DemoReviews:
    """Reviews for ``store`` (the manager's) and a few for each of ``others``, from ``customers`` [(user, car)]."""
    rng = random.Random(seed)
    now = now or timezone.now()
    today = now.astimezone(ZoneInfo(store.timezone)).date()
    written = []
    days = [today - dt.timedelta(days=n) for n in range(2, 26)]
    # the manager's store: a page of them, with the whole life of a review shown once each
    for n, day in enumerate(days[:9]):
        pick = (GOOD + GOOD + MIXED + POOR)[n % (2 * len(GOOD) + len(MIXED) + len(POOR))]
        review = _review(store, customers, day=day, rng=rng, staff=staff, pick=pick)
        if review is None:
            continue
        written.append(review)
        if n % 3 == 0:
            services.reply_add(review_id=review.pk, by=staff, text=REPLIES[n % len(REPLIES)])
    if written:
        services.follow_up_add(review_id=written[0].pk, owner=written[0].owner, text=FOLLOW_UP)
    held = _review(store, customers, day=days[10], rng=rng, staff=staff, pick=GOOD[0], text=HELD_TEXT)
    hidden = _review(store, customers, day=days[11], rng=rng, staff=staff, pick=MIXED[0], text=HIDDEN_TEXT)
    if hidden is not None and qa is not None:
        services.review_hide(review_id=hidden.pk, by=qa, reason=HIDE_REASON)
    written += [r for r in (held, hidden) if r is not None]
    # other stores: two to five each, mostly good, as a real city's map looks
    for other in others:
        for day in rng.sample(days, rng.randint(2, 5)):
            pool = GOOD if rng.random() < 0.8 else MIXED + POOR
            review = _review(other, customers, day=day, rng=rng, staff=None, pick=rng.choice(pool))
            if review is not None:
                written.append(review)
    # Each review rates its store against the platform mean of its moment (reviews' subscriber recounts the store
    # after the review commits): once those recounts have run, bring every store onto the final mean, as the hourly
    # job would. On commit, after the recounts (callbacks run in the order they were registered).
    transaction.on_commit(reputation.ratings_refresh_all)
    return DemoReviews(stores=1 + len(others), reviews=len(written))


def demo_reviews_reset() -> None:
    """Delete every review (with its trail and revisions): part of the demo reset."""
    purging()
    Review.objects.all().delete()
