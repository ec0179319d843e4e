"""Booking photos, for the people allowed to see them (``<img src>`` on the pages, or an API client's GET).

Not a JSON endpoint: the answer is the image itself, or a bare 404 for anyone else.
"""

from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.http import require_safe

from accounts.auth import request_user
from bookings.models import PHOTO_PREFIX
from bookings.selectors import photo_get_for_viewer
from chefu.errors import NotFound
from chefu.private_media import private_file_response


@require_safe
def booking_photo(request: HttpRequest, path: str) -> HttpResponse:
    """``PRIVATE_MEDIA_URL`` + ``bookings/<path>``: the photo, to its booking's owner, the store's staff and QA.
    Signed in by the session cookie or a bearer token; 404 for everyone else and for a photo that is not there."""
    try:
        photo = photo_get_for_viewer(user=request_user(request), name=PHOTO_PREFIX + path)
    except NotFound:
        raise Http404 from None
    return private_file_response(photo.image.name)
