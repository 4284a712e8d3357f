"""Rate limits counted in the database, so they hold across processes and under parallel requests.

One row per (scope, key, fixed window) holds the count. It is raised by a single conditional
UPDATE (`count < limit`), which the database applies one request at a time (a row lock on
PostgreSQL, the write lock on SQLite), and a unique constraint decides which of two first
requests creates the row. Keys are stored as keyed hashes: an email address or an IP address
being counted is never written down in clear.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils.crypto import salted_hmac

from .models import RateLimitCount


@dataclass(frozen=True)
class Allowance:
    allowed: bool
    retry_after: int  # seconds until the next one is allowed, when it is not


def hashed_key(key: str) -> str:
    return salted_hmac("reunite.ratelimits", key, algorithm="sha256").hexdigest()


def take(scope: str, key: str, limit: int, window_seconds: int) -> Allowance:
    """Count one request for `key` in this fixed window of `scope`; refused once `limit` were counted."""
    now = time.time()
    start = int(now // window_seconds) * window_seconds
    retry_after = int(start + window_seconds - now) + 1
    row = {"scope": scope, "key": hashed_key(key), "window_start": datetime.fromtimestamp(start, UTC)}
    rows = RateLimitCount.objects.filter(**row)
    if _count_one(rows, limit):
        return Allowance(True, 0)
    if limit > 0:
        try:
            with transaction.atomic():
                RateLimitCount.objects.create(**row, count=1)
            return Allowance(True, 0)
        except IntegrityError:
            # A parallel first request made the row a moment ago: count against it.
            if _count_one(rows, limit):
                return Allowance(True, 0)
    return Allowance(False, retry_after)


def _count_one(rows, limit: int) -> bool:
    return rows.filter(count__lt=limit).update(count=F("count") + 1) == 1


def forget_windows_before(moment: datetime) -> int:
    """Delete counts of windows that started before `moment`; returns how many rows went."""
    deleted, _ = RateLimitCount.objects.filter(window_start__lt=moment).delete()
    return deleted
