"""Limit/offset lists answered as ``{"items": [...], "count": N}`` (API.md)."""

from typing import Any

from django.db.models import QuerySet
from ninja import Field, Schema

MAX_LIMIT = 100


class PageParams(Schema):
    limit: int = Field(20, ge=1, le=MAX_LIMIT)
    offset: int = Field(0, ge=0)


def paginate(queryset: QuerySet, page: PageParams) -> dict[str, Any]:
    """One COUNT and one page query; ``items`` is the sliced, evaluated page."""
    count = queryset.count()
    items = list(queryset[page.offset : page.offset + page.limit]) if page.offset < count else []
    return {"items": items, "count": count}
