from django.urls import path

from consignment.auctions import views as auction_views
from consignment.dealers import views as dealer_views
from consignment.deals.urls import urlpatterns as deal_urlpatterns
from consignment.inspection.urls import urlpatterns as inspection_urlpatterns

app_name = "consignment"

# The consignment pages: the seller's, the dealer's, the inspector's (issue 14, item 8).
urlpatterns: list = [
    *inspection_urlpatterns,
    *deal_urlpatterns,
    path("auctions/", auction_views.dealer_auctions, name="auctions"),
    path("auctions/<int:auction_id>/", auction_views.auction_page, name="auction"),
    path("listings/<int:listing_id>/auction/", auction_views.start_page, name="auction_start"),
    path("qa/dealers/", dealer_views.qa_dealers, name="qa_dealers"),
]
