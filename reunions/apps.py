from django.apps import AppConfig


class ReunionsConfig(AppConfig):
    name = "reunions"
    verbose_name = "Lost, found and reunions"
