"""The demo's quality history (issue 13, item 12): after ``seed_demo`` the QA console is alive."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from quality.models import ActionStatus, Audit, AuditStatus, Complaint, CorrectiveAction, StoreKpi
from stores.models import Store, StoreStatus, StoreStatusEvent

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("committing")]


def test_the_demo_has_a_store_on_probation_one_suspended_complaints_in_each_state_and_planned_audits(client):
    out = StringIO()
    call_command("seed_demo", stores=30, stdout=out)
    assert "Quality: 3 audits, 5 complaints" in out.getvalue()
    assert "Quality run: " in out.getvalue()

    probation = StoreStatusEvent.objects.filter(to_status="probation", reason_category="audit_failed").get().store
    assert probation.status == StoreStatus.PROBATION
    overdue = CorrectiveAction.objects.filter(store=probation, status=ActionStatus.OPEN, due__lt=timezone.localdate())
    assert overdue.count() == 2
    suspended = StoreStatusEvent.objects.filter(to_status="suspended", reason_category="critical_failure").get()
    assert suspended.store.status == StoreStatus.SUSPENDED and suspended.evidence["audit_id"]
    assert Audit.objects.filter(store=suspended.store, critical_failed=True).exists()

    states = set(Complaint.objects.values_list("status", "outcome"))
    assert states == {("open", ""), ("answered", ""), ("resolved", "rejected"), ("resolved", "upheld")}
    late = Complaint.objects.filter(status="open", respond_by__lt=timezone.now())
    assert late.count() == 1
    assert Audit.objects.filter(status=AuditStatus.PLANNED).count() > 10
    assert StoreKpi.objects.filter(window_days=90).count() == Store.objects.exclude(status="terminated").count()

    client.login(phone="13800000003", password="chefu-demo-2026")
    page = client.get("/qa/")
    assert page.status_code == 200 and probation.name in page.content.decode()

    call_command("seed_demo", stores=30, reset=True, stdout=StringIO())  # the history goes with the reset
    assert Complaint.objects.count() == 5
