"""Catalog factories: parts. Services come from the data migration (catalog.defaults)."""

import itertools
from decimal import Decimal

import factory

from catalog.models import Category, Part, PartFitment

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
