from django.apps import AppConfig


class PublicConfig(AppConfig):
    name = "public"
    verbose_name = "Public pages, posters and owners' searches"

    def ready(self) -> None:
        from . import checks  # noqa: F401
