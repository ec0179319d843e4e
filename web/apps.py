from django.apps import AppConfig


class WebConfig(AppConfig):
    """The top of the house: the API assembly and the root urls. Nothing imports it but Django's settings."""

    name = "web"
    verbose_name = "Web"
