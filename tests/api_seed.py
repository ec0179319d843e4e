"""The seeded world the whole-API tests call into: the OpenAPI sweep (tests/chefu/test_openapi_sweep.py) and the
schemathesis run (tests/contract/test_schemathesis.py).

A store with services, prices and bays and a manager; an owner with a vehicle, a completed, paid and reviewed booking
and a pending one; a QA user. Made once per module inside a transaction rolled back when the module ends; each request
runs in a savepoint of it (``undone``) with the throttles cleared, so each one meets the world as it was made.
"""

import contextlib

from django.db import transaction
from django_redis import get_redis_connection

from payments.providers.base import autocommit_baseline
from tests.conftest import issue_token
from tests.factories import UserFactory, VehicleFactory

NEW_PHONE = "13912345678"  # no account: the phone a sign-up may use


def _audit_seed(qa, store):
    """An audit in progress and a corrective action (from a finalized audit) of the store."""
    from django.utils import timezone

    from quality import audits
    from quality.models import CorrectiveAction, StandardItem

    def audit():
        return audits.audit_create(
            by=qa, store_id=store.pk, standard_code="prices", kind="scheduled", scheduled_for=timezone.localdate()
        )

    finalized = audit()
    codes = StandardItem.objects.filter(standard_id=finalized.standard_id).values_list("code", "evidence_required")
    audits.audit_results_set(
        audit_id=finalized.pk,
        by=qa,
        items=[audits.ResultSpec(code, "na" if evidence else "fail") for code, evidence in codes],
    )
    audits.audit_finalize(audit_id=finalized.pk, by=qa)
    return audit(), CorrectiveAction.objects.filter(audit=finalized).first()


class World:
    """Real rows for the path parameters (``ids``, ``strings``, by parameter name) and a user per role."""

    def __init__(self):
        from reviews import services as review_services
        from stores.services import membership_add
        from tests.payments.test_settlements import new_booking
        from tests.reviews.conftest import RATINGS, done_booking

        self.done = done_booking()
        self.store = self.done.store
        self.owner = self.done.owner
        self.vehicle = VehicleFactory(owner=self.owner)
        self.pending = new_booking(self.store, owner=self.owner, days=3)
        self.manager = UserFactory(roles=["owner"])
        membership_add(store=self.store, user=self.manager, role="manager")
        self.qa = UserFactory(roles=["owner", "qa"])
        self.review = review_services.review_create(
            booking_id=self.done.pk, owner=self.owner, ratings=RATINGS, text="很好", tags=[]
        )
        self.audit, self.action = _audit_seed(self.qa, self.store)
        offering = self.store.offerings.first()
        payment = self.done.payments.first()
        self.ids = {
            "store_id": self.store.pk,
            "booking_id": self.pending.pk,
            "review_id": self.review.pk,
            "payment_id": payment.pk,
            "offering_id": offering.pk if offering else 1,
            "vehicle_id": self.vehicle.pk,
            "number": 1,
            "application_id": 1,
            "message_id": 1,
            "supplement_id": 1,
            "follow_up_id": 1,
            "bay_id": self.store.bays.first().pk,
            "audit_id": self.audit.pk,
            "action_id": self.action.pk,
            "standard_id": self.audit.standard_id,
        }
        self.strings = {
            "provider": "sandbox",
            "service_code": "minor_service",
            "service": "minor_service",
            "part": "reply",
            "phone": NEW_PHONE,
        }
        self.users = {"owner": self.owner, "manager": self.manager, "qa": self.qa}

    def token(self, role: str) -> str:
        return issue_token(self.users[role])


@contextlib.contextmanager
def world_kept(make=World):
    """A world made by ``make`` inside a transaction rolled back when the block ends; inside, the transaction stands
    for autocommit, as a test's own does (a payment provider may be called)."""
    with transaction.atomic(), autocommit_baseline():
        yield make()
        transaction.set_rollback(True)


@contextlib.contextmanager
def undone():
    """The block's writes are rolled back when it ends; inside, the rolled-back block stands for autocommit, as the
    test's own transaction does (a payment provider may be called)."""
    with transaction.atomic():
        with autocommit_baseline():
            yield
        transaction.set_rollback(True)


def throttles_clear() -> None:
    """Sign-in, SMS-code and registration counters (accounts.throttling): a few requests would use them up."""
    redis = get_redis_connection("default")
    keys = list(redis.scan_iter("chefu:throttle:*"))
    if keys:
        redis.delete(*keys)


def geocoder_local(settings, fake) -> None:
    """Geocoding asks the local Nominatim ``fake`` (tests.fakes.nominatim): a 404 for a place it does not know, not a
    503 for want of the internet."""
    settings.GEOCODER = {**settings.GEOCODER, "domain": fake.domain, "scheme": "http", "min_interval_s": 0.0}
