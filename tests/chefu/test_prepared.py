import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db.models import Value

from catalog.models import Category
from chefu.prepared import PreparedQuery

pytestmark = pytest.mark.django_db


def _codes(shape, *, code):
    queryset = Category.objects.order_by("code").values("code")
    return queryset.filter(code=code) if shape == "one" else queryset.exclude(code=code)


def test_rows_and_count_bind_each_call_s_values():
    query = PreparedQuery(_codes, {"code": "chefu:marker"})

    assert query.rows("one", {"code": "consignment"}, limit=10) == [{"code": "consignment"}]
    assert query.rows("one", {"code": "washing"}, limit=10) == [{"code": "washing"}]
    assert query.count("all-but", {"code": "washing"}) == 3
    assert query.rows("all-but", {"code": "washing"}, limit=2, offset=1) == [
        {"code": "maintenance"},
        {"code": "parts_install"},
    ]


def test_a_lookup_that_rewrites_the_marker_is_refused():
    def build(shape, *, prefix):
        return Category.objects.filter(code__startswith=prefix).values("code")

    with pytest.raises(ImproperlyConfigured, match="transformed"):
        PreparedQuery(build, {"prefix": "chefu:marker"}).template("s")


def test_a_value_equal_to_a_constant_of_the_query_is_not_taken_for_a_marker():
    def build(shape, *, code):
        return Category.objects.filter(code=code).exclude(code="washing").values("code")

    query = PreparedQuery(build, {"code": "chefu:marker"})
    template = query.template("s")
    assert template.slots.count("code") == 1 and None in template.slots
    assert query.rows("s", {"code": "washing"}, limit=5) == []
    assert query.rows("s", {"code": "maintenance"}, limit=5) == [{"code": "maintenance"}]


def test_equal_markers_are_refused():
    def build(shape, *, a, b):
        return Category.objects.filter(code=a).annotate(x=Value(b)).values("code")

    with pytest.raises(ImproperlyConfigured):
        PreparedQuery(build, {"a": "same", "b": "same"}).template("s")
