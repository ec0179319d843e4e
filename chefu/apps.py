from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ChefuConfig(AppConfig):
    name = "chefu"
    verbose_name = _("Platform")

    def ready(self) -> None:
        from chefu import checks  # noqa: F401  (registers the system checks)
