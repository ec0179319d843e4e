from django.apps import AppConfig


class KindsAppConfig(AppConfig):
    name = "tests.kinds_app"
    label = "test_kinds_app"
    verbose_name = "Test service kinds"

    def ready(self) -> None:
        from catalog import kinds
        from tests.kinds_app.kinds import INSPECTION_DEMO

        kinds.register(INSPECTION_DEMO)
