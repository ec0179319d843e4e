from django.urls import path

from quality import views

app_name = "quality"

urlpatterns = [
    path("", views.risk_table, name="risk_table"),
    path("stores/<int:store_id>/", views.store_page, name="store"),
    path("alerts/", views.alerts, name="alerts"),
    path("complaints/", views.complaint_queue, name="complaints"),
    path("complaints/<int:complaint_id>/", views.complaint_page, name="complaint"),
]
