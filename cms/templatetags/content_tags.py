"""The content site's links in the footer of every page, in one query."""

from django import template
from django.utils.translation import gettext_lazy as _
from wagtail.models import Page

register = template.Library()

# The content pages the footer links to, by slug under the home page, in footer order.
FOOTER_PAGES = {
    "guides": _("Service guides"),
    "promotions": _("Promotions"),
    "faq": _("FAQ"),
    "news": _("News"),
}


@register.simple_tag(takes_context=True)
def content_links(context) -> list[dict]:
    """``[{"url", "label"}]`` for the footer pages that exist and are live; one query."""
    request = context.get("request")
    pages = Page.objects.live().filter(slug__in=FOOTER_PAGES, depth=3).only("id", "url_path", "slug", "path")
    by_slug = {page.slug: page for page in pages}
    links = []
    for slug, label in FOOTER_PAGES.items():
        page = by_slug.get(slug)
        url = page.get_url(request=request) if page else None
        if url:
            links.append({"url": url, "label": label})
    return links


@register.simple_tag(takes_context=True)
def content_meta(context) -> dict:
    """The description, title, type and canonical URL for a page's meta tags: a Wagtail page's own (its SEO title,
    its search description or the ``meta_description`` its view gives), else the site's."""
    page = context.get("page")
    is_page = isinstance(page, Page)
    request = context.get("request")
    url = page.get_full_url(request=request) if is_page else None
    return {
        "title": (page.seo_title or page.title) if is_page else "",
        "description": (page.search_description if is_page else "") or context.get("meta_description") or "",
        "type": context.get("og_type") or "website",
        "url": url or (request.build_absolute_uri() if request else ""),
        "canonical": url,
    }
