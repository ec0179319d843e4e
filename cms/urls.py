from django.urls import path

from cms import owner_pages, views

app_name = "cms"

urlpatterns = [
    path("stores/<int:store_id>/", views.store_page, name="store"),
    path("me/bookings/", owner_pages.my_bookings, name="my_bookings"),
    path("me/bookings/<int:booking_id>/", owner_pages.order_page, name="owner_booking"),
    path("me/notifications/", owner_pages.inbox, name="inbox"),
    path("partner/schedule/", views.partner_schedule, name="partner_schedule"),
]
