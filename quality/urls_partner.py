from django.urls import path

from quality.console import partner as views_partner

app_name = "quality_partner"

urlpatterns = [
    path("", views_partner.quality_page, name="page"),
]
