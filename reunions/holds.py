"""Holds ending soon: the shelter's software hears of each found dog once ("hold.expiring"), without cron.

The worker calls `drain` on every pass (settings.WORKER_DRAINS); it looks at most every
HOLD_CHECK_SECONDS per process. A report's timestamp, set with a conditional update in the same
transaction as its event, makes each event go out once however many workers look at once.
"""

from __future__ import annotations

import time
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from shelters.models import WebhookEvent
from shelters.services import emit

from .models import FoundReport

_last_look: float | None = None


def drain(worker_id: str) -> int:
    """Emit "hold.expiring" for holds ending within HOLD_EXPIRING_DAYS; returns how many were emitted."""
    global _last_look
    now = time.monotonic()
    if _last_look is not None and now - _last_look < settings.HOLD_CHECK_SECONDS:
        return 0
    _last_look = now
    soon = timezone.localdate() + timedelta(days=settings.HOLD_EXPIRING_DAYS)
    emitted = 0
    for report in FoundReport.objects.hold_ending_by(soon).select_related("shelter"):
        emitted += announce_hold_ending(report)
    return emitted


def announce_hold_ending(report: FoundReport) -> int:
    with transaction.atomic():
        claimed = FoundReport.objects.filter(pk=report.pk, hold_expiring_sent_at__isnull=True).update(
            hold_expiring_sent_at=timezone.now()
        )
        if not claimed:
            return 0  # another worker told the shelter a moment ago
        data = {
            "found_dog": {"id": report.pk, "hold_until": report.hold_until.isoformat(), "days_left": report.days_left}
        }
        emit(report.shelter, WebhookEvent.HOLD_EXPIRING, data)
    return 1
