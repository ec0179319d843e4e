"""Pages of the payments app (under ``/api/v1/payments/`` because that is where SandboxProvider's pay URL points)."""

from django.urls import path

from payments import views

app_name = "payments"

urlpatterns = [
    path("sandbox/<str:out_trade_no>", views.sandbox_cashier, name="sandbox_cashier"),
]
