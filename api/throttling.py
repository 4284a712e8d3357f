"""At most API_REQUESTS_PER_MINUTE requests per API key; over it, 429 with Retry-After.

A fixed window counted in Django's cache with `add` then `incr`, which are atomic in the
shared caches (database, Memcached, Redis): parallel requests cannot all read the same count.
"""

from __future__ import annotations

import time

from django.conf import settings
from django.core.cache import cache
from rest_framework.throttling import BaseThrottle

WINDOW_SECONDS = 60


class PerKeyThrottle(BaseThrottle):
    def allow_request(self, request, view) -> bool:
        api_key = request.auth
        if api_key is None:  # the schema and the docs: no key, nothing to count
            return True
        now = time.time()
        window = int(now // WINDOW_SECONDS)
        counter = f"api:requests:{api_key.prefix}:{window}"
        cache.add(counter, 0, timeout=WINDOW_SECONDS + 5)
        try:
            count = cache.incr(counter)
        except ValueError:  # evicted between add and incr
            cache.set(counter, 1, timeout=WINDOW_SECONDS + 5)
            count = 1
        self._wait = (window + 1) * WINDOW_SECONDS - now
        return count <= settings.API_REQUESTS_PER_MINUTE

    def wait(self) -> float:
        return self._wait
