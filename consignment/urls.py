from consignment.deals.urls import urlpatterns as deal_urlpatterns

app_name = "consignment"

# The consignment pages: the seller's, the dealer's, the inspector's (issue 14, item 8).
urlpatterns: list = []
urlpatterns += deal_urlpatterns
