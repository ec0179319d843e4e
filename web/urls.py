"""The root urls: the API at /api/v1, the back offices, private media, and Wagtail's pages for everything else."""

from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path
from django.views.static import serve
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.documents import urls as wagtaildocs_urls

from bookings.models import PHOTO_PREFIX
from bookings.views import booking_photo
from chefu.errors import api_not_found
from consignment.inspection.photos import consignment_photo
from consignment.models import CONSIGNMENT_PHOTO_PREFIX
from ops.views import metrics
from quality.models import QUALITY_PHOTO_PREFIX
from quality.photos import quality_photo
from web.api import api

urlpatterns = [
    # The sandbox provider's pay page lives where its pay URL points, beside the payments API.
    path("api/v1/payments/", include("payments.urls")),
    path("api/v1/", api.urls),
    re_path(r"^api/", api_not_found),
    path("django-admin/", admin.site.urls),
    path("admin/", include(wagtailadmin_urls)),
    path("documents/", include(wagtaildocs_urls)),
    path("i18n/", include("django.conf.urls.i18n")),
    # Booking photos are private (chefu.private_media): served by a view that checks who asks, never from MEDIA_URL.
    path(f"{settings.PRIVATE_MEDIA_URL.strip('/')}/{PHOTO_PREFIX}<path:path>", booking_photo, name="booking_photo"),
    # Quality photos likewise: an audit's to QA only, an action's to QA and the store, a complaint's also to its owner.
    path(
        f"{settings.PRIVATE_MEDIA_URL.strip('/')}/{QUALITY_PHOTO_PREFIX}<path:path>",
        quality_photo,
        name="quality_photo",
    ),
    # Inspection photos likewise: the original to the store, QA and the seller; the plate-masked copy to dealers too.
    path(
        f"{settings.PRIVATE_MEDIA_URL.strip('/')}/{CONSIGNMENT_PHOTO_PREFIX}<path:path>",
        consignment_photo,
        name="consignment_photo",
    ),
    # Prometheus's scrape: to the allowed networks or the metrics token only (ops/views.py).
    path("metrics", metrics, name="metrics"),
    path("qa/", include("quality.urls")),  # the QA console
    path("consignment/", include("consignment.urls")),  # the seller's, the dealer's and the inspector's pages
    path("partner/quality/", include("quality.urls_partner")),  # the shop's side of quality
    path("", include("cms.urls")),
]


def media_urlpatterns() -> list:
    """MEDIA_URL answered by the site itself from MEDIA_ROOT (DEBUG, or MEDIA_SERVED_BY_DJANGO where no web server is
    in front). A function, so a test can mount this very route where the setting is off."""
    return [re_path(rf"^{settings.MEDIA_URL.strip('/')}/(?P<path>.*)$", serve, {"document_root": settings.MEDIA_ROOT})]


if settings.DEBUG or settings.MEDIA_SERVED_BY_DJANGO:
    urlpatterns += media_urlpatterns()

# Wagtail's page tree serves everything else, starting with the home page at /.
urlpatterns.append(path("", include(wagtail_urls)))
