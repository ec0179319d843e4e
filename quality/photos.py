"""Quality photos (audits, corrective actions, complaints) for the people allowed to see them: ``<img src>`` on the
pages, or an API client's GET of the ``url`` its answers carry. The image itself, or a bare 404 for anyone else."""

from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.http import require_safe

from accounts.auth import request_user
from chefu.errors import NotFound
from chefu.private_media import private_file_response
from quality.models import QUALITY_PHOTO_PREFIX
from quality.selectors import quality_photo_get_for_viewer


@require_safe
def quality_photo(request: HttpRequest, path: str) -> HttpResponse:
    """``PRIVATE_MEDIA_URL`` + ``quality/<path>``: signed in by the session cookie or a bearer token
    (:func:`quality.selectors.quality_photo_get_for_viewer` says who may see which photo)."""
    try:
        photo = quality_photo_get_for_viewer(user=request_user(request), name=QUALITY_PHOTO_PREFIX + path)
    except NotFound:
        raise Http404 from None
    return private_file_response(photo.image.name)
