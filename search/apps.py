from django.apps import AppConfig


class SearchConfig(AppConfig):
    """Reads that span apps (the nearby search with prices and next slots): above the domain apps, below web."""

    name = "search"
    verbose_name = "Search"
