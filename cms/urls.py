from django.urls import path

from cms import account_pages, shop_pages, views

app_name = "cms"

urlpatterns = [
    path("stores/<int:store_id>/", views.store_page, name="store"),
    path("me/bookings/", views.my_bookings, name="my_bookings"),
    path("partner/schedule/", shop_pages.partner_schedule, name="partner_schedule"),
    path("accounts/signin/", account_pages.signin, name="signin"),
    path("accounts/signup/", account_pages.signup, name="signup"),
    path("me/vehicles/", account_pages.my_vehicles, name="my_vehicles"),
    # Browsers ask for /favicon.ico whatever the page links: send them to the SVG one.
    path("favicon.ico", account_pages.favicon),
]
