"""Reading reviews: the public list of a store's published ones, an owner's own, and QA's queues."""

from django.db.models import Avg, Count, Exists, OuterRef, Prefetch, Q, QuerySet

from accounts.auth import require_role
from accounts.models import User
from chefu.errors import NotFound
from reviews.models import (
    FollowUp,
    QaFollowUp,
    QaFollowUpStatus,
    ReportStatus,
    Review,
    ReviewPhoto,
    ReviewReport,
    ReviewStatus,
    StoreReputation,
)

SORTS = {
    "newest": ("-created_at", "-id"),
    "lowest": ("overall", "-created_at", "-id"),
    "highest": ("-overall", "-created_at", "-id"),
}


def _with_parts(queryset: QuerySet[Review]) -> QuerySet[Review]:
    return queryset.select_related(
        "owner", "booking__vehicle", "booking__service", "reply", "follow_up"
    ).prefetch_related(Prefetch("photos", queryset=ReviewPhoto.objects.order_by("created_at", "id")))


def store_reviews(
    *,
    store_id: int,
    sort: str = "newest",
    min_rating: float | None = None,
    max_rating: float | None = None,
    tag: str | None = None,
    with_photos: bool = False,
    with_text: bool = False,
) -> QuerySet[Review]:
    """A store's published reviews (held and hidden ones never), sorted and filtered. The caller checks that the
    public may see the store (``stores.selectors.store_get_visible``)."""
    queryset = Review.objects.filter(store_id=store_id, status=ReviewStatus.PUBLISHED)
    if min_rating is not None:
        queryset = queryset.filter(overall__gte=min_rating)
    if max_rating is not None:
        queryset = queryset.filter(overall__lte=max_rating)
    if tag:
        queryset = queryset.filter(tags__contains=[tag])
    if with_photos:
        queryset = queryset.filter(Exists(ReviewPhoto.objects.filter(review=OuterRef("pk"))))
    if with_text:
        queryset = queryset.exclude(text="")
    return _with_parts(queryset).order_by(*SORTS[sort])


def store_reputation(*, store_id: int) -> StoreReputation:
    """The store's numbers (an empty row's worth when it has no review yet)."""
    return StoreReputation.objects.filter(store_id=store_id).first() or StoreReputation(store_id=store_id)


def review_for_booking(*, owner: User, booking_id: int) -> Review:
    review = _with_parts(Review.objects.filter(booking_id=booking_id, owner=owner)).first()
    if review is None:
        raise NotFound()
    return review


def qa_reviews(*, user: User, status: str | None = None, reported: bool | None = None, store_id: int | None = None):
    require_role(user, "qa")
    queryset = Review.objects.all()
    if status:
        queryset = queryset.filter(status=status)
    if store_id:
        queryset = queryset.filter(store_id=store_id)
    if reported is not None:
        open_report = Exists(ReviewReport.objects.filter(review=OuterRef("pk"), status=ReportStatus.OPEN))
        queryset = queryset.filter(open_report if reported else ~open_report)
    return (
        _with_parts(queryset.select_related("store"))
        .prefetch_related("moderation", "revisions", "reports")
        .order_by("-created_at", "-id")
    )


def qa_review(*, user: User, review_id: int) -> Review:
    review = qa_reviews(user=user).filter(pk=review_id).first()
    if review is None:
        raise NotFound()
    return review


def qa_follow_ups(*, user: User, status: str | None = QaFollowUpStatus.OPEN) -> QuerySet[QaFollowUp]:
    require_role(user, "qa")
    queryset = QaFollowUp.objects.select_related("review", "store").order_by("-created_at", "-id")
    return queryset.filter(status=status) if status else queryset


def qa_store_stats(*, user: User, store_id: int) -> dict:
    """Every review of the store, hidden and held ones included: what QA judges a store on."""
    require_role(user, "qa")
    reviews = Review.objects.filter(store_id=store_id)
    numbers = reviews.aggregate(
        total=Count("pk"),
        published=Count("pk", filter=Q(status=ReviewStatus.PUBLISHED)),
        held=Count("pk", filter=Q(status=ReviewStatus.HELD)),
        hidden=Count("pk", filter=Q(status=ReviewStatus.HIDDEN)),
        low=Count("pk", filter=Q(overall__lte=2)),
        mean_all=Avg("overall"),
        mean_published=Avg("overall", filter=Q(status=ReviewStatus.PUBLISHED)),
    )
    # Apart: joining the reports into the aggregate above would count a review once per report.
    numbers["open_reports"] = ReviewReport.objects.filter(review__store_id=store_id, status=ReportStatus.OPEN).count()
    numbers["follow_ups"] = FollowUp.objects.filter(review__store_id=store_id).count()
    return numbers
