import datetime as dt

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail import blocks
from wagtail.admin.panels import FieldPanel
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Page
from wagtail.search import index

from cms import content
from quality.standards import standards_in_force


class HomePage(Page):
    """The site root: what Chefu is, and the way into shop search."""

    intro = models.CharField(verbose_name=_("intro"), max_length=200, blank=True)
    body = RichTextField(verbose_name=_("body"), blank=True)

    content_panels = [*Page.content_panels, FieldPanel("intro"), FieldPanel("body")]
    parent_page_types = ["wagtailcore.Page"]
    max_count = 1

    search_fields = [*Page.search_fields, index.SearchField("intro"), index.SearchField("body")]

    class Meta:
        verbose_name = _("home page")
        verbose_name_plural = _("home pages")


class StandardsPage(Page):
    """The store standard in force, generated from the quality app's published standards (``quality.standards``):
    what every partner store is audited against. The editors write the introduction; the items come from the
    standards themselves, so the page changes the moment a new version is published."""

    intro = RichTextField(verbose_name=_("intro"), blank=True)

    content_panels = [*Page.content_panels, FieldPanel("intro")]
    parent_page_types = ["cms.HomePage"]
    subpage_types: list[str] = []
    max_count = 1
    template = "cms/standards.html"

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["standards"] = standards_for_page(english=(request.LANGUAGE_CODE or "").startswith("en"))
        return context

    class Meta:
        verbose_name = _("standards page")
        verbose_name_plural = _("standards pages")


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


# The content site: service guides, FAQ, news and promotions. What changes with the business (a service's checklist,
# the city bands, a coupon's terms) is read live from the domain apps when the page renders, never copied into it.


class ContentSearchMixin:
    """Chinese has no spaces between words, and PostgreSQL's full-text parser takes a run of Chinese characters as one
    token: each page also indexes the characters and character pairs of its text (``content.cjk_terms``), and the
    search page asks for the pairs of the query (``content.cjk_query``)."""

    def search_text(self) -> str:
        return ""

    def cjk_terms(self) -> str:
        return content.cjk_terms(f"{self.title} {self.search_description} {self.search_text()}")


def cjk_search_fields(*fields: str) -> list:
    return [
        *Page.search_fields,
        *(index.SearchField(name) for name in fields),
        index.SearchField("cjk_terms"),
        index.FilterField("live"),
    ]


class ServiceGuideIndexPage(ContentSearchMixin, Page):
    """The list of service guides, one per standard service, at /guides/."""

    intro = RichTextField(_("introduction"), blank=True)

    content_panels = [*Page.content_panels, FieldPanel("intro")]
    parent_page_types = ["cms.HomePage"]
    subpage_types = ["cms.ServiceGuidePage"]
    max_count = 1
    template = "cms/content/guide_index.html"
    search_fields = cjk_search_fields("intro")

    class Meta:
        verbose_name = _("service guide index")
        verbose_name_plural = _("service guide indexes")

    def search_text(self) -> str:
        return content.plain(self.intro)

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["guides"] = (
            ServiceGuidePage.objects.child_of(self).live().select_related("service", "service__category")
        )
        return context


class ServiceGuidePage(ContentSearchMixin, Page):
    """One standard service explained: what is included (written by the editors), its standard checklist and the city
    price bands (both read from the catalogue when the page renders)."""

    service = models.ForeignKey(
        "catalog.Service", verbose_name=_("standard service"), on_delete=models.PROTECT, related_name="+"
    )
    summary = models.CharField(_("short summary"), max_length=200, blank=True)
    included = RichTextField(_("what is included"), blank=True)
    advice = RichTextField(_("advice for owners"), blank=True)

    content_panels = [
        *Page.content_panels,
        FieldPanel("service"),
        FieldPanel("summary"),
        FieldPanel("included"),
        FieldPanel("advice"),
    ]
    parent_page_types = ["cms.ServiceGuideIndexPage"]
    subpage_types: list[str] = []
    template = "cms/content/guide.html"
    search_fields = [
        *cjk_search_fields("summary", "included", "advice"),
        index.RelatedFields("service", [index.SearchField("name_zh"), index.SearchField("name_en")]),
    ]

    class Meta:
        verbose_name = _("service guide")
        verbose_name_plural = _("service guides")
        constraints = [models.UniqueConstraint(fields=["service"], name="service_guide_one_per_service")]

    def search_text(self) -> str:
        return " ".join([self.service.name_zh, self.summary, content.plain(self.included), content.plain(self.advice)])

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context.update(content.guide_live(service=self.service))
        context["meta_description"] = self.summary
        return context


class QuestionBlock(blocks.StructBlock):
    question = blocks.CharBlock(label=_("question"), max_length=200)
    answer = blocks.RichTextBlock(label=_("answer"), features=["bold", "italic", "link", "ol", "ul"])

    class Meta:
        icon = "help"
        label = _("question and answer")


class FaqPage(ContentSearchMixin, Page):
    """Questions owners ask, grouped under headings."""

    intro = RichTextField(_("introduction"), blank=True)
    body = StreamField(
        [
            ("heading", blocks.CharBlock(label=_("heading"), max_length=80, icon="title")),
            ("question", QuestionBlock()),
        ],
        verbose_name=_("questions"),
        blank=True,
    )

    content_panels = [*Page.content_panels, FieldPanel("intro"), FieldPanel("body")]
    parent_page_types = ["cms.HomePage"]
    subpage_types: list[str] = []
    max_count = 1
    template = "cms/content/faq.html"
    search_fields = cjk_search_fields("intro", "body")

    class Meta:
        verbose_name = _("FAQ page")
        verbose_name_plural = _("FAQ pages")

    def search_text(self) -> str:
        parts = [content.plain(self.intro)]
        for block in self.body:
            if block.block_type == "heading":
                parts.append(block.value)
            else:
                parts += [block.value["question"], content.plain(block.value["answer"].source)]
        return " ".join(parts)


class NewsIndexPage(ContentSearchMixin, Page):
    """The news: articles newest first."""

    intro = RichTextField(_("introduction"), blank=True)

    content_panels = [*Page.content_panels, FieldPanel("intro")]
    parent_page_types = ["cms.HomePage"]
    subpage_types = ["cms.ArticlePage"]
    max_count = 1
    template = "cms/content/news_index.html"
    search_fields = cjk_search_fields("intro")

    class Meta:
        verbose_name = _("news index")
        verbose_name_plural = _("news indexes")

    def search_text(self) -> str:
        return content.plain(self.intro)

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["articles"] = ArticlePage.objects.child_of(self).live().order_by("-date", "-first_published_at")
        return context


def _today() -> dt.date:
    return timezone.localdate()


class ArticlePage(ContentSearchMixin, Page):
    """One news article."""

    date = models.DateField(_("date"), default=_today)
    intro = models.CharField(_("introduction"), max_length=250, blank=True)
    body = RichTextField(_("body"), blank=True)

    content_panels = [*Page.content_panels, FieldPanel("date"), FieldPanel("intro"), FieldPanel("body")]
    parent_page_types = ["cms.NewsIndexPage"]
    subpage_types: list[str] = []
    template = "cms/content/article.html"
    search_fields = [*cjk_search_fields("intro", "body"), index.FilterField("date")]

    class Meta:
        verbose_name = _("article")
        verbose_name_plural = _("articles")

    def search_text(self) -> str:
        return f"{self.intro} {content.plain(self.body)}"

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["og_type"] = "article"
        context["meta_description"] = self.intro
        return context


def listed_coupon_choices() -> list[tuple[str, str]]:
    """The coupons a promotion may point at: the listed, active ones (read when the editor opens the page)."""
    from payments.selectors import coupon_listed_list

    return [(coupon.code, f"{coupon.code} · {coupon.name}") for coupon in coupon_listed_list()]


class PromotionBlock(blocks.StructBlock):
    coupon = blocks.ChoiceBlock(label=_("coupon"), choices=listed_coupon_choices)
    headline = blocks.CharBlock(label=_("headline"), max_length=80, required=False)
    text = blocks.RichTextBlock(label=_("text"), features=["bold", "italic", "link"], required=False)

    class Meta:
        icon = "tag"
        label = _("promotion")


class PromotionsPage(ContentSearchMixin, Page):
    """The current promotions, each tied to a coupon offered at checkout. Its terms are read live from the coupon;
    a promotion whose coupon is no longer listed, active, valid now or within its budget is not shown."""

    intro = RichTextField(_("introduction"), blank=True)
    promotions = StreamField([("promotion", PromotionBlock())], verbose_name=_("promotions"), blank=True)

    content_panels = [*Page.content_panels, FieldPanel("intro"), FieldPanel("promotions")]
    parent_page_types = ["cms.HomePage"]
    subpage_types: list[str] = []
    max_count = 1
    template = "cms/content/promotions.html"
    search_fields = cjk_search_fields("intro")

    class Meta:
        verbose_name = _("promotions page")
        verbose_name_plural = _("promotions pages")

    def search_text(self) -> str:
        parts = [content.plain(self.intro)]
        for block in self.promotions:
            parts += [block.value["headline"], content.plain(block.value["text"].source)]
        return " ".join(parts)

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["offers"] = content.promotions_live(blocks=[block.value for block in self.promotions])
        return context
