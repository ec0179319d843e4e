"""Row locks of the inspection report. A report is changed under its booking's lock
(:func:`bookings.lock_objects.booking_lock`, taken first), then its own row's; its publication, which runs after the
booking has completed, takes the report's row alone."""

from consignment.models import InspectionReport


def report_lock(*, booking_id: int) -> InspectionReport | None:
    """``SELECT ... FOR UPDATE`` of the booking's report's own row; None when the booking has no report yet."""
    return InspectionReport.objects.select_for_update(of=("self",)).filter(booking_id=booking_id).first()
