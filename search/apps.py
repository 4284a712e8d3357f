from django.apps import AppConfig


class SearchConfig(AppConfig):
    name = "search"
    verbose_name = "Photo search"

    def ready(self) -> None:
        # search follows dogs' changes; dogs never imports search.
        from . import checks, receivers  # noqa: F401
