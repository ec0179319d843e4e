from django.urls import path

from quality.console import audits as views_audits
from quality.console import claims as views_claims
from quality.console import moderation as views_moderation
from quality.console import rules as views_rules
from quality.console import views

app_name = "quality"

urlpatterns = [
    path("", views.risk_table, name="risk_table"),
    path("stores/<int:store_id>/", views.store_page, name="store"),
    path("alerts/", views.alerts, name="alerts"),
    path("complaints/", views.complaint_queue, name="complaints"),
    path("complaints/<int:complaint_id>/", views.complaint_page, name="complaint"),
    path("audits/", views_audits.audit_list, name="audits"),
    path("audits/<int:audit_id>/", views_audits.audit_page, name="audit"),
    path("audit-plan/", views_audits.audit_plan, name="audit_plan"),
    path("rules/", views_rules.rules, name="rules"),
    path("applications/", views_moderation.applications, name="applications"),
    path("reviews/", views_moderation.reviews, name="reviews"),
    path("claims/", views_claims.claim_queue, name="claims"),
    path("claims/<int:claim_id>/", views_claims.claim_page, name="claim"),
]
