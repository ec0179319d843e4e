"""What happens to an inspection report, for the rest of consignment (and the apps above) to react to."""

from dataclasses import dataclass

from chefu.events import Event


@dataclass(frozen=True)
class ReportPublished(Event):
    """The inspection booking completed: its report is published (immutable from now on) and the seller's listing
    made, in ``draft``."""

    name = "consignment.report_published"
    report_id: int
    listing_id: int
    booking_id: int
    seller_id: int
