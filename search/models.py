from __future__ import annotations

from django.db import models, transaction
from django.db.models import F
from django.utils import timezone


class IndexGeneration(models.Model):
    """A counter bumped on every index write, so each process's embedded index notices others' writes."""

    value = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"index generation {self.value}"

    @classmethod
    def current(cls) -> int:
        return cls.objects.filter(pk=1).values_list("value", flat=True).first() or 0

    @classmethod
    def bump(cls) -> int:
        with transaction.atomic():
            if not cls.objects.filter(pk=1).update(value=F("value") + 1):
                cls.objects.get_or_create(pk=1, defaults={"value": 0})
                cls.objects.filter(pk=1).update(value=F("value") + 1)
            return cls.current()


class PendingIndexUpdateQuerySet(models.QuerySet):
    def failing(self) -> PendingIndexUpdateQuerySet:
        return self.filter(attempts__gt=0)

    def due(self, now) -> PendingIndexUpdateQuerySet:
        """Past their back-off and not held by a live worker."""
        return self.filter(next_attempt_at__lte=now).exclude(locked_until__gt=now)

    def backlog(self) -> dict:
        """What staff are shown: how many changes wait, and the latest reason."""
        latest = self.failing().order_by("-updated_at").values_list("last_error", flat=True).first()
        return {"count": self.count(), "last_error": latest or ""}


class PendingIndexUpdate(models.Model):
    """The outbox: a photo whose embedding or index entry must be brought in line with the database.

    Written in the same transaction as the change, so a crash or an unreachable
    index loses nothing; the background worker applies it. What to do is read from
    the database when the row is applied: a photo without a current embedding is
    embedded, one that exists is upserted, one that is gone is deleted, so retries
    are idempotent and a delete is never undone by an older upsert.
    """

    photo_id = models.BigIntegerField(unique=True)
    # Bumped each time the photo changes again, so a worker that applied an older
    # state does not clear the newer request.
    revision = models.PositiveIntegerField(default=1)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    # Exponential back-off after a failure; a worker holds the row until `locked_until`.
    next_attempt_at = models.DateTimeField(default=timezone.now, db_index=True)
    locked_until = models.DateTimeField(null=True, blank=True)
    locked_by = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = PendingIndexUpdateQuerySet.as_manager()

    class Meta:
        ordering = ["pk"]
        verbose_name = "pending index update"

    def __str__(self) -> str:
        return f"photo {self.photo_id}"
