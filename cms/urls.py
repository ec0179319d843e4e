from django.urls import path

from cms import shop_pages, views

app_name = "cms"

urlpatterns = [
    path("stores/<int:store_id>/", views.store_page, name="store"),
    path("me/bookings/", views.my_bookings, name="my_bookings"),
    path("partner/schedule/", shop_pages.partner_schedule, name="partner_schedule"),
]
