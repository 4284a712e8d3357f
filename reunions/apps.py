from django.apps import AppConfig


class ReunionsConfig(AppConfig):
    name = "reunions"
    verbose_name = "Lost, found and reunions"

    def ready(self) -> None:
        from . import signals  # noqa: F401  (deletes a claim's photo file with the claim)
        from .account_data import register_sections

        register_sections()
