"""Inspection photos for the people allowed to see them (``<img src>`` on the pages, or an API client's GET of the
``url`` its answers carry): the original or the dealers' masked copy, or a bare 404 for anyone else."""

from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.http import require_safe

from accounts.auth import request_user
from chefu.errors import NotFound
from chefu.private_media import private_file_response
from consignment.inspection.selectors import ORIGINALS, inspection_photo_get_for_viewer
from consignment.models import CONSIGNMENT_PHOTO_PREFIX


@require_safe
def consignment_photo(request: HttpRequest, path: str) -> HttpResponse:
    """``PRIVATE_MEDIA_URL`` + ``consignment/<path>``: signed in by the session cookie or a bearer token
    (:func:`consignment.inspection.selectors.inspection_photo_get_for_viewer` says who may see which copy)."""
    name = CONSIGNMENT_PHOTO_PREFIX + path
    try:
        photo = inspection_photo_get_for_viewer(user=request_user(request), name=name)
    except NotFound:
        raise Http404 from None
    return private_file_response(photo.image.name if name.startswith(ORIGINALS) else photo.masked.name)
