from django.db import models
from wagtail.admin.panels import FieldPanel
from wagtail.fields import RichTextField
from wagtail.models import Page

from quality.standards import standards_in_force


class HomePage(Page):
    """The site root: what Chefu is, and the way into shop search."""

    intro = models.CharField(max_length=200, blank=True)
    body = RichTextField(blank=True)

    content_panels = [*Page.content_panels, FieldPanel("intro"), FieldPanel("body")]
    parent_page_types = ["wagtailcore.Page"]
    max_count = 1


class StandardsPage(Page):
    """The store standard in force, generated from the quality app's published standards (``quality.standards``):
    what every partner store is audited against. The editors write the introduction; the items come from the
    standards themselves, so the page changes the moment a new version is published."""

    intro = RichTextField(blank=True)

    content_panels = [*Page.content_panels, FieldPanel("intro")]
    parent_page_types = ["cms.HomePage"]
    subpage_types: list[str] = []
    max_count = 1
    template = "cms/standards.html"

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["standards"] = standards_for_page(english=(request.LANGUAGE_CODE or "").startswith("en"))
        return context


def standards_for_page(*, english: bool) -> list[dict]:
    """The standards in force, each with its items, in the reader's language first and the other one beside it."""
    return [
        {
            "standard": standard,
            "title": standard.title_en if english else standard.title_zh,
            "other_title": standard.title_zh if english else standard.title_en,
            "items": [
                {
                    "item": item,
                    "text": item.text_en if english else item.text_zh,
                    "other_text": item.text_zh if english else item.text_en,
                }
                for item in standard.items.all()
            ],
        }
        for standard in standards_in_force()
    ]
