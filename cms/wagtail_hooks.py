"""The back office's menu for platform admins, by task: the content site's pages, and the day-to-day operations
(bookings and money, reviews and quality), which live in the Django admin and the QA console."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import Menu, MenuItem, SubmenuMenuItem
from wagtail.models import Page

from accounts.models import Role

# The content site's sections, by slug under the home page, in menu order.
CONTENT_SECTIONS = (
    ("guides", _("Service guides"), "doc-full"),
    ("promotions", _("Promotions"), "tag"),
    ("faq", _("FAQ"), "help"),
    ("news", _("News"), "doc-full-inverse"),
    ("standards", _("Store standard"), "tick-inverse"),
)


def _platform_admin(request) -> bool:
    user = request.user
    return user.is_superuser or Role.ADMIN in (getattr(user, "roles", None) or [])


class AdminOnlyItem(MenuItem):
    def is_shown(self, request):
        return _platform_admin(request)


class SectionItem(AdminOnlyItem):
    """A section of the content site, opened in the page explorer; the page is looked up when the menu is drawn."""

    def __init__(self, slug: str, label, icon_name: str, order: int):
        super().__init__(label, "#", name=f"content-{slug}", icon_name=icon_name, order=order)
        self.slug = slug

    def is_shown(self, request):
        return _platform_admin(request) and self._page() is not None

    def _page(self):
        return Page.objects.filter(slug=self.slug, depth=3).only("id").first()

    def render_component(self, request):
        page = self._page()
        self.url = reverse("wagtailadmin_explore", args=[page.id]) if page else "#"
        return super().render_component(request)


def _django_admin(app: str, model: str) -> str:
    return reverse(f"admin:{app}_{model}_changelist")


@hooks.register("register_admin_menu_item")
def content_site_menu():
    items = [SectionItem(slug, label, icon, order) for order, (slug, label, icon) in enumerate(CONTENT_SECTIONS)]
    return SubmenuMenuItem(_("Content site"), Menu(items=items), name="content-site", icon_name="globe", order=150)


@hooks.register("register_admin_menu_item")
def operations_menu():
    links = (
        (_("Bookings"), "bookings", "booking", "date"),
        (_("Payments"), "payments", "payment", "pick"),
        (_("Refunds"), "payments", "refund", "rotate"),
        (_("Payouts"), "payments", "payout", "redirect"),
        (_("Settlement statements"), "payments", "statement", "table"),
        (_("Coupons"), "payments", "coupon", "tag"),
        (_("Reviews"), "reviews", "review", "comment"),
        (_("QA follow-ups"), "reviews", "qafollowup", "warning"),
    )
    items = [
        AdminOnlyItem(label, _django_admin(app, model), name=f"ops-{model}", icon_name=icon, order=order)
        for order, (label, app, model, icon) in enumerate(links)
    ]
    items.append(AdminOnlyItem(_("QA console"), "/qa/", name="ops-qa-console", icon_name="tasks", order=len(items)))
    return SubmenuMenuItem(_("Operations"), Menu(items=items), name="operations", icon_name="cogs", order=250)
