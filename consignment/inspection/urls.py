"""The inspection's pages under /consignment/ (``consignment.urls`` includes these in its namespace)."""

from django.urls import path

from consignment.inspection import views

urlpatterns = [
    path("inspection/<int:booking_id>/", views.inspection_form, name="inspection_form"),
    path("my/", views.my_listings, name="my_listings"),
    path("my/<int:listing_id>/", views.listing_page, name="listing"),
]
