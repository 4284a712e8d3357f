"""Personal data kept no longer than needed: old contact-view rows and old rate-limit counts are deleted.

`drain` is one of the background worker's WORKER_DRAINS: on each pass it does nothing unless a
day has gone by since this process last purged, so no cron is needed.
"""

from __future__ import annotations

import threading
import time
from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from . import ratelimits
from .models import ContactView

PURGE_EVERY_SECONDS = 24 * 3600
_lock = threading.Lock()
_last_purge: float | None = None


def expired_contact_views():
    cutoff = timezone.now() - timedelta(days=settings.CONTACT_VIEW_RETENTION_DAYS)
    return ContactView.objects.filter(viewed_at__lt=cutoff)


def purge() -> int:
    """Delete contact views past CONTACT_VIEW_RETENTION_DAYS and counts of windows over a day old."""
    deleted, _ = expired_contact_views().delete()
    return deleted + ratelimits.forget_windows_before(timezone.now() - timedelta(days=1))


def drain(worker_id: str) -> int:
    """The worker's daily purge; returns how many rows went (0 on the passes in between)."""
    global _last_purge
    with _lock:
        now = time.monotonic()
        if _last_purge is not None and now - _last_purge < PURGE_EVERY_SECONDS:
            return 0
        _last_purge = now
    return purge()
