"""The free rework a complaint's resolution may book."""

import datetime as dt

from django.utils.translation import gettext as _

from accounts.models import User
from chefu.errors import ValidationFailed
from quality.models import Complaint


def rework_book(*, complaint: Complaint, by: User, store_id: int | None, start: dt.datetime):
    raise ValidationFailed({"rework": _("Reworks cannot be booked yet.")})
