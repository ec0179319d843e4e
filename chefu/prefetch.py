"""Relations given rather than read: for an object whose related rows the caller already holds (a row it has just
written, rows it read in the same statement as the object), so that ``obj.relation.all()`` answers from them without
a query, exactly as after ``prefetch_related``."""

from collections.abc import Iterable

from django.db.models import Model


def relation_given(instance: Model, relation: str, rows: Iterable[Model]) -> None:
    """Make ``instance.<relation>.all()`` (a reverse foreign key or a many-to-many) answer ``rows``, in their order."""
    manager = getattr(instance, relation)
    # where prefetch_related_objects puts the rows it read: a many-to-many manager names it, a reverse foreign key's
    # is the relation's cache name
    cache_name = getattr(manager, "prefetch_cache_name", None) or manager.field.remote_field.cache_name
    queryset = manager.get_queryset()  # lazy: no query
    queryset._result_cache = list(rows)
    queryset._prefetch_done = True
    if not hasattr(instance, "_prefetched_objects_cache"):
        instance._prefetched_objects_cache = {}
    instance._prefetched_objects_cache[cache_name] = queryset
