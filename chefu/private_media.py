"""Files only some people may see (booking photos): kept outside MEDIA_ROOT, so nothing under MEDIA_URL (Django's
DEBUG serving, nginx's /media/ alias) can reach them, and handed out only by views that check who asks.

:func:`private_storage` is the storage such file fields use: ``PRIVATE_MEDIA_ROOT`` on disk, URLs under
``PRIVATE_MEDIA_URL`` (routed to those views). :func:`private_file_response` answers with the file: streamed by
Django, or, where ``PRIVATE_MEDIA_ACCEL_REDIRECT`` names nginx's internal location for PRIVATE_MEDIA_ROOT, as an
empty response with ``X-Accel-Redirect`` so nginx sends the bytes. A system check (:mod:`chefu.checks`) refuses to
start with private files inside MEDIA_ROOT or STATIC_ROOT, or under their URLs.
"""

import mimetypes
import posixpath

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.http import FileResponse, Http404, HttpResponse
from django.utils.functional import cached_property
from django.utils.http import content_disposition_header
from django.utils.module_loading import import_string

# The browser may keep a copy for the viewer only, never a shared cache; Vary because who asks decides.
CACHE_CONTROL = "private, max-age=3600"
VARY = "Cookie, Authorization"


class PrivateFileSystemStorage(FileSystemStorage):
    """FileSystemStorage rooted at ``PRIVATE_MEDIA_ROOT`` with URLs under ``PRIVATE_MEDIA_URL``, both read from the
    settings when first needed (and again after a test overrides them)."""

    @cached_property
    def base_location(self):
        return self._value_or_setting(self._location, settings.PRIVATE_MEDIA_ROOT)

    @cached_property
    def base_url(self):
        url = self._value_or_setting(self._base_url, settings.PRIVATE_MEDIA_URL)
        return url if url.endswith("/") else url + "/"

    def _clear_cached_properties(self, setting, **kwargs):
        super()._clear_cached_properties(setting, **kwargs)
        if setting == "PRIVATE_MEDIA_ROOT":
            self.__dict__.pop("base_location", None)
            self.__dict__.pop("location", None)
        elif setting == "PRIVATE_MEDIA_URL":
            self.__dict__.pop("base_url", None)


_storage = None


def private_storage():
    """The one private storage (a callable, so migrations name it rather than freeze its settings): the class
    ``PRIVATE_MEDIA_STORAGE`` names, PrivateFileSystemStorage by default."""
    global _storage
    if _storage is None:
        _storage = import_string(settings.PRIVATE_MEDIA_STORAGE)()
    return _storage


def private_file_response(name: str) -> HttpResponse:
    """The stored file ``name`` of :func:`private_storage`, for a viewer already allowed to see it. Http404 when the
    file is gone."""
    storage = private_storage()
    content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
    accel = settings.PRIVATE_MEDIA_ACCEL_REDIRECT
    if accel:
        response = HttpResponse(content_type=content_type)
        response["X-Accel-Redirect"] = posixpath.join(accel, name)
    else:
        try:
            handle = storage.open(name, "rb")
        except FileNotFoundError:
            raise Http404 from None
        response = FileResponse(handle, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(False, posixpath.basename(name))
    response["Cache-Control"] = CACHE_CONTROL
    response["Vary"] = VARY
    return response
