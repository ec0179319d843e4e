from django.apps import AppConfig


class ChefuConfig(AppConfig):
    name = "chefu"
    verbose_name = "Chefu"

    def ready(self) -> None:
        from chefu import checks  # noqa: F401  (registers the system checks)
