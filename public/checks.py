"""Misconfiguration of the public side, reported by `manage.py check --deploy`."""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Tags, Warning, register

PER_PROCESS_CACHES = ("django.core.cache.backends.locmem.LocMemCache", "django.core.cache.backends.dummy.DummyCache")


@register(Tags.security, deploy=True)
def check_shared_cache(app_configs, **kwargs) -> list[Warning]:
    if settings.CACHES["default"]["BACKEND"] in PER_PROCESS_CACHES:
        return [
            Warning(
                "The cache lives in each process, so every web worker counts owners' photo searches on its own "
                "and the hourly limit is multiplied by the number of workers.",
                hint="Set CACHE_BACKEND=django.core.cache.backends.db.DatabaseCache and CACHE_LOCATION=reunite_cache, "
                "then run `manage.py createcachetable` (README, Production).",
                id="public.W001",
            )
        ]
    return []
