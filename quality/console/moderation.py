"""The QA console's partner applications (approve with notes, reject with a reason) and review moderation (the held
and reported reviews, the hidden ones to restore, the low ratings to follow up). Writes go through stores.services and
reviews.services, reads through their selectors, as their JSON APIs do."""

from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.utils.translation import gettext_lazy

from chefu.errors import ApplicationError, NotFound
from quality.console.pages import PAGE_SIZE, qa_page, refusal, render
from reviews import selectors as review_selectors
from reviews import services as review_services
from reviews.models import ReviewStatus
from stores import selectors as store_selectors
from stores import services as store_services
from stores.models import ApplicationStatus


def _id(value: str | None) -> int:
    value = (value or "").strip()
    if not value.isdigit() or len(value) > 9:
        raise Http404
    return int(value)


def _text(request: HttpRequest, name: str) -> str:
    return request.POST.get(name, "")[:2000].replace("\x00", "")


@qa_page
def applications(request: HttpRequest) -> HttpResponse:
    """Partner applications, the submitted ones first in line; each approved (with notes) or rejected (a reason)."""
    error, failed = None, None
    if request.method == "POST":
        failed = _id(request.POST.get("application_id"))
        try:
            application = store_selectors.application_get(application_id=failed)
            if request.POST.get("decision") == "approve":
                store_services.application_approve(
                    application=application, by=request.user, notes=_text(request, "notes")
                )
            else:
                store_services.application_reject(
                    application=application, by=request.user, reason=_text(request, "reason")
                )
        except NotFound:
            raise Http404 from None
        except ApplicationError as refused:
            error = f"{application.name}: {refusal(refused)}"
        else:
            return HttpResponseRedirect(request.get_full_path())
    status = request.GET.get("status", ApplicationStatus.SUBMITTED)
    if status not in ApplicationStatus.values:
        status = ""
    queryset = store_selectors.application_list(status=status or None)
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "quality/console/applications.html",
        page=page,
        status=status,
        statuses=ApplicationStatus.choices,
        error=error,
        failed=failed,
        form=request.POST if error else {},
    )


# The review queue's tabs: (key, heading, filters of reviews.selectors.qa_reviews).
QUEUES = [
    ("held", gettext_lazy("Held by the automatic check"), {"status": ReviewStatus.HELD}),
    ("reported", gettext_lazy("Reported by the store"), {"reported": True}),
    ("hidden", gettext_lazy("Hidden"), {"status": ReviewStatus.HIDDEN}),
]
# What each button does: the reviews service, and the parts a follow-up or reply moderation names.
_MODERATE = {
    "publish": review_services.review_publish,
    "hide": review_services.review_hide,
    "restore": review_services.review_restore,
}


def _moderate(request: HttpRequest) -> None:
    form = request.POST
    verb = form.get("verb", "")
    review_id = _id(form.get("review_id"))
    reason = _text(request, "reason")
    part = form.get("part", "")
    if part in ("follow_up", "reply") and verb in ("publish", "hide"):
        review_services.part_moderate(
            review_id=review_id, part=part, by=request.user, reason=reason, publish=verb == "publish"
        )
    elif verb in _MODERATE and not part:
        _MODERATE[verb](review_id=review_id, by=request.user, reason=reason)
    else:
        raise Http404


@qa_page
def reviews(request: HttpRequest) -> HttpResponse:
    """The moderation queue (held, reported, hidden) with publish / hide / restore, each with a reason; and the low
    ratings to follow up with the store, closed with a note."""
    error = None
    if request.method == "POST":
        try:
            if "follow_up_id" in request.POST:
                review_services.qa_follow_up_close(
                    follow_up_id=_id(request.POST.get("follow_up_id")), by=request.user, note=_text(request, "note")
                )
            else:
                _moderate(request)
        except NotFound:
            raise Http404 from None
        except ApplicationError as refused:
            error = f"#{request.POST.get('review_id', '')[:12]} {refusal(refused)}"
        else:
            return HttpResponseRedirect(request.get_full_path())
    queue = request.GET.get("queue", "held")
    filters = next((f for key, _label, f in QUEUES if key == queue), None)
    if filters is None:
        queue, filters = "held", QUEUES[0][2]
    queryset = review_selectors.qa_reviews(user=request.user, **filters)
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    follow_ups = review_selectors.qa_follow_ups(user=request.user)[:PAGE_SIZE]
    return render(
        request,
        "quality/console/reviews.html",
        page=page,
        queue=queue,
        queues=[(key, label) for key, label, _f in QUEUES],
        follow_ups=follow_ups,
        error=error,
    )
