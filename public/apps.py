from django.apps import AppConfig


class PublicConfig(AppConfig):
    name = "public"
    verbose_name = "Public pages, posters and claims"

    def ready(self) -> None:
        from . import signals  # noqa: F401  (deletes a claim's photo file with the claim)
