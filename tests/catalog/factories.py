"""Catalog factories: parts. Services come from the data migration (catalog.defaults)."""

import itertools
from decimal import Decimal

import factory
from django.utils import timezone

from catalog.models import Category, Offering, OfferingVersion, Part, PartFitment

_skus = itertools.count(1)


class PartFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Part

    sku = factory.LazyFunction(lambda: f"TEST-{next(_skus):05d}")
    brand = "美孚"
    name = "美孚1号 全合成机油 0W-20"
    spec = "0W-20 SP"
    unit = "升"
    list_price = Decimal("98.00")
    category = factory.LazyFunction(lambda: Category.objects.get(code="maintenance"))
    part_type = "engine_oil"
    tyre_size = ""


class PartFitmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PartFitment

    part = factory.SubFactory(PartFactory)
    make = "大众"
    model = ""
    year_from = 2010
    year_to = 2030


def set_price(store, service_code: str, total: str, *, duration_min: int = 60) -> Offering:
    """The store's price for the service becomes ``total``: a new immutable version, all labour.

    Written through the ORM for tests about what reads prices (bands, search), not about editing
    them; those go through ``catalog.pricing.offering_set_price``.
    """
    offering, _ = Offering.objects.get_or_create(store=store, service_id=service_code, defaults={"is_active": False})
    version = OfferingVersion.objects.create(
        offering=offering,
        number=offering.versions.count() + 1,
        labour=Decimal(total),
        total=Decimal(total),
        duration_min=duration_min,
    )
    offering.current = version
    offering.total = version.total
    offering.is_active = True
    offering.updated_at = timezone.now()
    offering.save()
    return offering
