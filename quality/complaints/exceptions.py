from django.utils.translation import gettext_lazy as _

from chefu.errors import Conflict


class ComplaintNotAllowed(Conflict):
    """``details.reason``: ``not_ended`` (the booking is still under way and the store is not late),
    ``window_closed`` (more than 30 days after it ended), ``cancelled_by_owner``, ``expired``,
    ``category_not_allowed`` (only a ``no_show`` complaint may be filed on a booking the store did not start)."""

    code = "complaint_not_allowed"
    default_message = _("A complaint about this booking cannot be filed now.")

    def __init__(self, reason: str, **details):
        super().__init__(details={"reason": reason, **details})


class ComplaintExists(Conflict):
    code = "complaint_exists"
    default_message = _("You already have an open complaint of this kind about this booking.")


class ComplaintAnswered(Conflict):
    code = "complaint_answered"
    default_message = _("The store has already answered this complaint.")


class ComplaintResolved(Conflict):
    code = "complaint_resolved"
    default_message = _("This complaint has already been resolved.")
