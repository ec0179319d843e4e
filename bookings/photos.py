"""Photos staff take at the shop for a booking: evidence for checklist answers and for proposed extra work.

Every photo goes through :func:`chefu.images.image_clean` (format, size and pixel limits, re-encoded to a metadata-free
JPEG) before anything is stored, so what the owner sees never carries the phone's GPS position. The files are private
(:mod:`chefu.private_media`): only the booking's owner, its store's staff and QA are shown them
(:func:`bookings.selectors.photo_get_for_viewer`, :func:`bookings.views.booking_photo`).
"""

from django.core.files import File
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import User
from bookings.exceptions import BookingNotAtShop
from bookings.lock_objects import booking_lock
from bookings.models import Booking, BookingStatus, Photo
from bookings.selectors import booking_access_check
from chefu.errors import ValidationFailed
from chefu.images import FIELD, image_clean

# Shop-floor work (photos, checklist answers, extra work) happens while the car is at the shop.
AT_SHOP = (BookingStatus.CHECKED_IN, BookingStatus.IN_SERVICE)
# Far more than any job needs; a cap keeps a runaway client from filling the storage through one booking.
MAX_PHOTOS_PER_BOOKING = 60


def require_at_shop(booking: Booking) -> None:
    """409 ``booking_not_at_shop`` unless the booking is checked in or in service."""
    if booking.status not in AT_SHOP:
        raise BookingNotAtShop(status=booking.status)


def photo_add(*, booking_id: int, by: User | None, upload: File) -> Photo:
    """Store ``upload`` as a photo of the booking, taken by ``by`` (staff of the booking's store or an admin; None:
    the platform's own code). ``NotFound`` for a missing booking and for anyone else
    (:func:`bookings.selectors.booking_access_check`, before the upload is even decoded); ``ValidationFailed``
    (``details.fields.photo``) for a file that is not an accepted image or is over the limits;
    ``BookingNotAtShop`` unless the car is at the shop.

    The image is decoded and re-encoded before the transaction opens (it is the slow part, and needs no lock); then the
    booking row is locked (:func:`bookings.lock_objects.booking_lock`) while its status and photo count are
    checked. The file is written to storage before the row: if the transaction then fails the file stays behind,
    unreferenced."""
    booking_access_check(user=by, booking_id=booking_id)
    clean = image_clean(upload)
    with transaction.atomic():
        booking = booking_lock(booking_id)
        require_at_shop(booking)
        if Photo.objects.filter(booking=booking).count() >= MAX_PHOTOS_PER_BOOKING:
            raise ValidationFailed(
                {FIELD: _("A booking has at most %(count)d photos.") % {"count": MAX_PHOTOS_PER_BOOKING}}
            )
        photo = Photo(booking=booking, width=clean.width, height=clean.height, size=clean.size, uploaded_by=by)
        photo.image.save(clean.content.name, clean.content, save=False)
        photo.full_clean(exclude=["booking", "uploaded_by"])
        photo.save()
    return photo
