"""Uploads to the API stop at ``PHOTO_MAX_BYTES`` while they stream in, before Django has written them anywhere.

Without this, Django's own handlers keep a large upload in memory or spool all of it to a temporary file before the
view can look at its size, so any signed-in client could fill the disk. The limit is per file and only for /api/
(the Wagtail back office takes larger documents and images).
"""

from django.conf import settings
from django.core.files.uploadhandler import FileUploadHandler
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from chefu.errors import ValidationFailed


class LimitedUploadHandler(FileUploadHandler):
    """First in ``FILE_UPLOAD_HANDLERS``: counts each file's bytes and refuses the request once one passes the
    limit. The refusal (``ValidationFailed``) leaves the parser and reaches the API's error handler as a 422."""

    def new_file(self, field_name, *args, **kwargs):
        self.field_name = field_name
        self.received = 0
        return super().new_file(field_name, *args, **kwargs)

    def receive_data_chunk(self, raw_data, start):
        if self.request is not None and self.request.path.startswith("/api/"):
            self.received += len(raw_data)
            limit = settings.PHOTO_MAX_BYTES
            if self.received > limit:
                message = _("The photo is larger than %(limit)s.") % {"limit": filesizeformat(limit)}
                raise ValidationFailed({self.field_name: message})
        return raw_data

    def file_complete(self, file_size):
        return None  # the next handler (memory or temporary file) builds the file
