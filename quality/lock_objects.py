"""Row locks of the quality app, in one place. A complaint's row is locked after its booking's
(``bookings.lock_objects.booking_lock``) when both are taken, so resolving a complaint (which refunds through the
booking) and filing another on the same booking take them in the same order. Every lock is ``FOR UPDATE OF`` the
model's own table.
"""

from chefu.errors import NotFound
from quality.models import Complaint


def complaint_lock(complaint_id: int) -> Complaint:
    """``SELECT ... FOR UPDATE`` of the complaint's row; NotFound when there is none."""
    complaint = Complaint.objects.select_for_update(of=("self",)).filter(pk=complaint_id).first()
    if complaint is None:
        raise NotFound()
    return complaint
