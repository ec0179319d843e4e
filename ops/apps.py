from django.apps import AppConfig


class OpsConfig(AppConfig):
    """What operators watch: the business counters (fed by the domain events) and GET /metrics. Above the apps it
    counts; only the root urls import it."""

    name = "ops"
    verbose_name = "Operations"

    def ready(self) -> None:
        from ops import metrics

        metrics.subscribe_all()
