from django.apps import AppConfig


class DogsConfig(AppConfig):
    name = "dogs"
    verbose_name = "Owners and dogs"

    def ready(self) -> None:
        from . import signals  # noqa: F401  (deletes a photo's files with it)
        from .account_data import register_own_sections

        register_own_sections()
