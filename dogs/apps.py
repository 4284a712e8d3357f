from django.apps import AppConfig


class DogsConfig(AppConfig):
    name = "dogs"
    verbose_name = "Owners and dogs"

    def ready(self) -> None:
        from . import signals  # noqa: F401  (connects the index-sync receivers)
