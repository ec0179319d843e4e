"""The one API at /api/v1: every app's routers mounted on the kernel's ChefuAPI.

The assembly lives here, at the top, because it names every app; an app never imports it."""

from accounts.api import auth_router, me_router
from accounts.api_notifications import router as notifications_router
from accounts.api_session import session_router
from bookings.api import availability_router, bookings_router
from bookings.api_partner import owner_supplements_router, partner_bookings_router, partner_closures_router
from bookings.api_qa import qa_bookings_router
from catalog import kinds
from catalog.api import router as catalog_router
from catalog.api_prices import partner_offerings_router, store_prices_router
from catalog.api_quotes import quotes_router
from chefu.api import ChefuAPI
from chefu.health import router as health_router
from chefu.openapi import TAGS
from consignment.dealers.api import dealers_router, qa_dealers_router
from consignment.deals.api import qa_claims_router
from consignment.inspection.api import partner_inspection_router
from payments.api import booking_pay_router, payments_router
from payments.api_partner import partner_settlements_router
from quality.api_audits import partner_quality_router, public_standards_router, qa_quality_router
from quality.api_kpis import partner_kpis_router, qa_kpis_router
from quality.api_sanctions import qa_sanctions_router
from quality.complaints.api import (
    booking_complaints_router,
    complaints_router,
    me_complaints_router,
    partner_complaints_router,
    qa_complaints_router,
)
from reviews.api import (
    booking_review_router,
    partner_reviews_router,
    qa_reviews_router,
    reviews_router,
    store_reviews_router,
)
from search.api import nearby_router
from stores.api import geo_router, partner_router, qa_router, stores_router
from stores.api_me import me_stores_router

api = ChefuAPI(
    title="Chefu API",
    version="1",
    description="车服 Chefu: partner car-service shops, transparent prices, bookings. See API.md.",
    urls_namespace="api",
    openapi_extra={"tags": TAGS},
)

api.add_router("", health_router)
api.add_router("/auth", auth_router)
api.add_router("/auth", session_router)
api.add_router("/me", me_stores_router)
api.add_router("/me", me_router)
api.add_router("/me/notifications", notifications_router)
api.add_router("/catalog", catalog_router)
api.add_router("/stores", nearby_router)
api.add_router("/stores", stores_router)
api.add_router("/stores", store_prices_router)
api.add_router("/stores", quotes_router)
api.add_router("/stores", availability_router)
api.add_router("/bookings", bookings_router)
api.add_router("/bookings", owner_supplements_router)
api.add_router("/bookings", booking_pay_router)
api.add_router("/payments", payments_router)
api.add_router("/geo", geo_router)
api.add_router("/partner", partner_router)
api.add_router("/partner", partner_closures_router)
api.add_router("/partner", partner_offerings_router)
api.add_router("/partner", partner_bookings_router)
api.add_router("/partner", partner_settlements_router)
api.add_router("/qa", qa_router)
api.add_router("/qa", qa_sanctions_router)
api.add_router("/qa", qa_bookings_router)
api.add_router("/bookings", booking_review_router)
api.add_router("/reviews", reviews_router)
api.add_router("/stores", store_reviews_router)
api.add_router("/partner", partner_reviews_router)
api.add_router("/qa", qa_reviews_router)
api.add_router("/bookings", booking_complaints_router)
api.add_router("/complaints", complaints_router)
api.add_router("/me", me_complaints_router)
api.add_router("/partner", partner_complaints_router)
api.add_router("/qa", qa_complaints_router)
api.add_router("/quality", public_standards_router)
api.add_router("/qa", qa_quality_router)
api.add_router("/partner", partner_quality_router)
api.add_router("/qa", qa_kpis_router)
api.add_router("/partner", partner_kpis_router)
api.add_router("/partner", partner_inspection_router)
api.add_router("/dealers", dealers_router)
api.add_router("/qa", qa_dealers_router)
api.add_router("/qa", qa_claims_router)

# Workflow plug-ins (service kinds) may bring their own endpoints, mounted under their code.
for _prefix, _router in kinds.api_routers():
    api.add_router(f"/{_prefix}", _router)
