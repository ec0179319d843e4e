from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    """The outbox every app writes to. It stands just above the kernel, below accounts: it knows users only as
    ``settings.AUTH_USER_MODEL``."""

    name = "notifications"
    verbose_name = _("Notifications")
