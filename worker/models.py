"""What the background worker keeps in the database: tasks waiting to run, and its heartbeat."""

from __future__ import annotations

import uuid
from datetime import timedelta

from django.db import models
from django.utils import timezone


class QueuedTaskQuerySet(models.QuerySet):
    def due(self, now=None) -> QueuedTaskQuerySet:
        """Ready to run now: not failed for good, not held by a live worker, past its back-off."""
        now = now or timezone.now()
        return self.filter(status=QueuedTask.Status.READY, run_after__lte=now).exclude(locked_until__gt=now)

    def waiting(self) -> QueuedTaskQuerySet:
        return self.filter(status=QueuedTask.Status.READY)


class QueuedTask(models.Model):
    """A django-tasks task written in the same transaction as the change that caused it (an outbox).

    Rolled back with that change, committed with it: no alert for a report that was never
    saved, and none lost when a process dies after the commit. The worker deletes the row
    once the task has run; a failing task is retried with exponential back-off, and after
    WORKER_MAX_ATTEMPTS it is kept as failed for an operator to retry from the admin.
    """

    class Status(models.TextChoices):
        READY = "ready", "Waiting to run"
        FAILED = "failed", "Failed (gave up)"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    task_path = models.CharField(max_length=300)
    queue_name = models.CharField(max_length=100, default="default")
    priority = models.SmallIntegerField(default=0)
    args = models.JSONField(default=list)
    kwargs = models.JSONField(default=dict)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.READY)
    enqueued_at = models.DateTimeField(default=timezone.now, db_index=True)
    run_after = models.DateTimeField(default=timezone.now, db_index=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    # A worker holds the task until then; one that dies mid-task lets it go when the lease ends.
    locked_until = models.DateTimeField(null=True, blank=True)
    locked_by = models.CharField(max_length=64, blank=True)

    objects = QueuedTaskQuerySet.as_manager()

    class Meta:
        ordering = ["-priority", "run_after", "enqueued_at"]
        verbose_name = "queued task"

    def __str__(self) -> str:
        return f"{self.task_path} ({self.get_status_display().lower()})"


class Heartbeat(models.Model):
    """Each running worker's last sign of life, for /health/ and the admin."""

    worker_id = models.CharField(max_length=64, unique=True)
    hostname = models.CharField(max_length=200)
    pid = models.PositiveIntegerField()
    started_at = models.DateTimeField(default=timezone.now)
    beat_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-beat_at"]

    def __str__(self) -> str:
        return f"{self.hostname}:{self.pid}"

    @classmethod
    def latest(cls) -> Heartbeat | None:
        return cls.objects.order_by("-beat_at").first()

    @classmethod
    def forget_old(cls, older_than: timedelta = timedelta(days=1)) -> None:
        cls.objects.filter(beat_at__lt=timezone.now() - older_than).delete()
