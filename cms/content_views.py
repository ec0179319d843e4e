"""The content site's pages outside the page tree: the search over the site's pages, and the sitemap."""

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from wagtail.contrib.sitemaps.views import sitemap as wagtail_sitemap
from wagtail.models import Page

from cms import content

PER_PAGE = 10
QUERY_MAX = 100


def content_search(request: HttpRequest) -> HttpResponse:
    """Search the live pages with Wagtail's search backend (the database one): Chinese queries by character pairs."""
    query = (request.GET.get("q") or "").strip()[:QUERY_MAX]
    results = None
    if query:
        terms = content.cjk_query(query)
        found = Page.objects.live().public().search(terms, operator="and") if terms else []
        results = Paginator(found, PER_PAGE).get_page(request.GET.get("page"))
        results.object_list = [page.specific for page in results.object_list]
    return render(request, "cms/content/search.html", {"query": query, "results": results})


def sitemap(request: HttpRequest) -> HttpResponse:
    """The live pages of the site, for search engines (``wagtail.contrib.sitemaps``)."""
    return wagtail_sitemap(request)
