"""The consignment kind's API, mounted at /api/v1/consignment by the kinds registry (``ConsignmentKind.api_router``).
Each sub-domain keeps its own router; this module only assembles them. Endpoints outside /consignment (``/dealers``,
``/qa/dealers``, ``/qa/claims``, ``/partner/bookings/{id}/inspection-report``) are mounted by ``web/api.py``."""

from ninja import Router

from consignment.auctions.api import router as auctions_router
from consignment.deals.api import deals_router
from consignment.inspection.api import inspection_router

router = Router(tags=["consignment"])
router.add_router("", inspection_router)
router.add_router("", auctions_router)
router.add_router("/deals", deals_router)
