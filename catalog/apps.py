from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CatalogConfig(AppConfig):
    name = "catalog"
    verbose_name = _("Catalog")

    def ready(self) -> None:
        from catalog import kinds, subscribers
        from chefu.events import subscribe
        from stores.events import StoreStatusChanged

        kinds.register(kinds.STANDARD)
        subscribe(StoreStatusChanged, subscribers.store_status_changed_reprice)
