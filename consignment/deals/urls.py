"""The seller's and the dealer's deal pages, under /consignment/ (``consignment.urls`` adds them)."""

from django.urls import path

from consignment.deals import views

urlpatterns = [
    path("deals/", views.deal_list, name="deals"),
    path("deals/<int:deal_id>/", views.deal_page, name="deal"),
]
