from django.db.models import QuerySet

from catalog.models import Category


def category_list() -> QuerySet[Category]:
    return Category.objects.all()


def category_codes() -> set[str]:
    return set(Category.objects.values_list("code", flat=True))
