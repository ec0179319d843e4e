from django.urls import path

from cms import account_pages, content_views, owner_pages, partner_apply_pages, shop_pages, shop_settings_pages, views

app_name = "cms"

urlpatterns = [
    path("stores/<int:store_id>/", views.store_page, name="store"),
    path("me/bookings/", owner_pages.my_bookings, name="my_bookings"),
    path("me/bookings/<int:booking_id>/", owner_pages.order_page, name="owner_booking"),
    path("me/notifications/", owner_pages.inbox, name="inbox"),
    path("partner/schedule/", shop_pages.partner_schedule, name="partner_schedule"),
    path("partner/prices/", shop_settings_pages.partner_prices, name="partner_prices"),
    path("partner/settings/", shop_settings_pages.partner_settings, name="partner_settings"),
    path("partner/settlements/", shop_settings_pages.partner_settlements, name="partner_settlements"),
    path("partner/reviews/", shop_settings_pages.partner_reviews, name="partner_reviews"),
    path("partner/apply/", partner_apply_pages.partner_apply, name="partner_apply"),
    path("partner/settlements.csv", shop_settings_pages.partner_settlements_csv, name="partner_settlements_csv"),
    path("accounts/signin/", account_pages.signin, name="signin"),
    path("accounts/signup/", account_pages.signup, name="signup"),
    path("me/vehicles/", account_pages.my_vehicles, name="my_vehicles"),
    # Browsers ask for /favicon.ico whatever the page links: send them to the SVG one.
    path("favicon.ico", account_pages.favicon),
    path("search/", content_views.content_search, name="content_search"),
    path("sitemap.xml", content_views.sitemap, name="sitemap"),
]
