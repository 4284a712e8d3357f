"""At most API_REQUESTS_PER_MINUTE requests per API key; over it, 429 with Retry-After.

Counted in the database (dogs.ratelimits, the same fixed windows as owners' claims and
searches), so every web process shares one count without a shared cache server.
"""

from __future__ import annotations

from django.conf import settings
from rest_framework.throttling import BaseThrottle

from dogs import ratelimits

WINDOW_SECONDS = 60


class PerKeyThrottle(BaseThrottle):
    def allow_request(self, request, view) -> bool:
        api_key = request.auth
        if api_key is None:  # the schema and the docs: no key, nothing to count
            return True
        allowance = ratelimits.take("api", api_key.prefix, settings.API_REQUESTS_PER_MINUTE, WINDOW_SECONDS)
        self._wait = allowance.retry_after
        return allowance.allowed

    def wait(self) -> float:
        return self._wait
