"""The background worker: it runs queued tasks and the drains other apps name in settings.WORKER_DRAINS.

A drain is a callable `drain(worker_id) -> int` that applies some of its own pending work
(the index outbox, say) and returns how much it did; the worker calls each in turn, then the
due tasks, and sleeps only when nothing was done. Several workers may run at once, on several
machines: each claims rows under a lease (`SELECT … FOR UPDATE SKIP LOCKED` on PostgreSQL; on
SQLite the IMMEDIATE transaction serialises claims), so a task is run by one worker at a time,
and a worker that dies lets its rows go when the lease ends.
"""

from __future__ import annotations

import logging
import os
import random
import socket
import threading
import traceback
import uuid
from datetime import timedelta
from functools import cache

from django.conf import settings
from django.db import DatabaseError, close_old_connections, connection, transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from .models import Heartbeat, QueuedTask

logger = logging.getLogger(__name__)

HEARTBEAT_EVERY = timedelta(seconds=5)


def backoff(attempts: int) -> timedelta:
    """Exponential, with jitter so that workers retrying one failure do not all knock at once."""
    seconds = min(settings.WORKER_RETRY_MAX_SECONDS, settings.WORKER_RETRY_BASE_SECONDS * 2 ** max(0, attempts - 1))
    return timedelta(seconds=seconds * random.uniform(0.8, 1.2))


def lease_end() -> timezone.datetime:
    return timezone.now() + timedelta(seconds=settings.WORKER_LEASE_SECONDS)


def short_error(exc: BaseException) -> str:
    return "".join(traceback.format_exception_only(exc)).strip()[:2000]


@cache
def _callables(paths: tuple[str, ...]) -> list:
    return [import_string(path) for path in paths]


def claim_tasks(worker_id: str, limit: int) -> list[QueuedTask]:
    now = timezone.now()
    with transaction.atomic():
        rows = list(QueuedTask.objects.due(now).select_for_update(skip_locked=True)[:limit])
        QueuedTask.objects.filter(pk__in=[row.pk for row in rows]).update(locked_until=lease_end(), locked_by=worker_id)
    return rows


def run_task(row: QueuedTask) -> bool:
    """Run one claimed task; True when it succeeded (its row is gone), False when it will be retried or gave up."""
    try:
        task = import_string(row.task_path)
        task.call(*row.args, **row.kwargs)
    except Exception as exc:  # noqa: BLE001 - any failure of a task is recorded and retried, never fatal to the worker
        _record_failure(row, exc)
        return False
    QueuedTask.objects.filter(pk=row.pk).delete()
    return True


def _record_failure(row: QueuedTask, exc: Exception) -> None:
    attempts = row.attempts + 1
    gave_up = attempts >= settings.WORKER_MAX_ATTEMPTS
    logger.warning("Task %s failed (attempt %d%s): %s", row.task_path, attempts, ", giving up" if gave_up else "", exc)
    QueuedTask.objects.filter(pk=row.pk).update(
        attempts=attempts,
        last_error=short_error(exc),
        status=QueuedTask.Status.FAILED if gave_up else QueuedTask.Status.READY,
        run_after=timezone.now() + backoff(attempts),
        locked_until=None,
        locked_by="",
    )


class Worker:
    def __init__(self, worker_id: str | None = None, batch_size: int | None = None) -> None:
        self.worker_id = worker_id or f"{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:6]}"
        self.batch_size = batch_size or settings.WORKER_BATCH_SIZE
        self.stopping = threading.Event()
        self._last_beat = None

    def run_once(self) -> int:
        """One pass: every drain, then the due tasks. Returns how many things were done."""
        done = sum(drain(self.worker_id) for drain in _callables(tuple(settings.WORKER_DRAINS)))
        for row in claim_tasks(self.worker_id, self.batch_size):
            if self.stopping.is_set():
                break
            run_task(row)
            done += 1
        return done

    def beat(self) -> None:
        now = timezone.now()
        if self._last_beat is not None and now - self._last_beat < HEARTBEAT_EVERY:
            return
        Heartbeat.objects.update_or_create(
            worker_id=self.worker_id,
            defaults={"hostname": socket.gethostname()[:200], "pid": os.getpid(), "beat_at": now},
        )
        self._last_beat = now

    def run(self, *, until_idle: bool = False, start_hooks: bool = True) -> int:
        """Work until stopped (or, with `until_idle`, until a pass finds nothing to do). Returns the total done.

        `start_hooks` runs WORKER_ON_START first (the model's warm-up); an in-process drain skips them.
        """
        total = 0
        for hook in _callables(tuple(settings.WORKER_ON_START)) if start_hooks else ():
            hook()
        while not self.stopping.is_set():
            if not connection.in_atomic_block:  # (inside a test's transaction, the connection stays)
                close_old_connections()
            try:
                self.beat()
                done = self.run_once()
            except DatabaseError as exc:
                # The database itself is down or locked: nothing can be claimed; wait and try again.
                logger.warning("Worker pass failed: %s", exc)
                done = 0
            total += done
            if until_idle and not done:
                break
            if not done:
                self.stopping.wait(settings.WORKER_POLL_SECONDS)
        return total

    def stop(self) -> None:
        self.stopping.set()


def drain() -> int:
    """Run everything that is due now, in this process, and return the count (tests, `run_worker --until-idle`)."""
    return Worker().run(until_idle=True, start_hooks=False)
