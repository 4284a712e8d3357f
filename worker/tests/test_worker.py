"""The background worker: tasks written with the change that causes them, run once, retried with back-off."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from tests.support.tasks import fail_until, note
from worker.loop import Worker, backoff, claim_tasks, drain
from worker.models import Heartbeat, QueuedTask

pytestmark = pytest.mark.django_db


def lines(path) -> list[str]:
    return path.read_text().split() if path.exists() else []


def test_a_task_runs_once_and_leaves_no_row(tmp_path):
    log = tmp_path / "runs"
    note.enqueue(str(log), 1)

    assert drain() == 1
    assert drain() == 0

    assert lines(log)[0] == "1" and len(lines(log)) == 2  # "1 <pid>"
    assert not QueuedTask.objects.exists()


def test_a_task_enqueued_in_a_rolled_back_transaction_never_runs(tmp_path):
    log = tmp_path / "runs"
    with pytest.raises(RuntimeError), transaction.atomic():
        note.enqueue(str(log), 1)
        raise RuntimeError("the change that would have caused it failed")

    assert drain() == 0 and not log.exists()


def test_a_failing_task_is_retried_after_a_back_off_until_it_succeeds(tmp_path, settings):
    settings.WORKER_RETRY_BASE_SECONDS = 60
    runs = tmp_path / "runs"
    fail_until.enqueue(str(runs), 2)

    drain()
    row = QueuedTask.objects.get()
    assert row.attempts == 1 and "fails on purpose" in row.last_error
    assert row.run_after > timezone.now() + timedelta(seconds=40), "not retried in a busy loop"
    assert drain() == 0, "still backing off"

    for _ in range(2):
        QueuedTask.objects.update(run_after=timezone.now())  # the back-off has passed
        drain()

    assert runs.read_text() == "3" and not QueuedTask.objects.exists()


def test_a_task_that_keeps_failing_is_kept_as_failed_for_an_operator(tmp_path, settings):
    settings.WORKER_MAX_ATTEMPTS = 2
    fail_until.enqueue(str(tmp_path / "runs"), 99)

    drain()
    QueuedTask.objects.update(run_after=timezone.now())
    drain()

    row = QueuedTask.objects.get()
    assert row.status == QueuedTask.Status.FAILED and row.attempts == 2
    QueuedTask.objects.update(run_after=timezone.now())
    assert drain() == 0, "a failed task waits for the admin's retry"


def test_the_back_off_doubles_up_to_its_limit(settings):
    settings.WORKER_RETRY_BASE_SECONDS, settings.WORKER_RETRY_MAX_SECONDS = 2, 60

    waits = [backoff(attempt).total_seconds() for attempt in (1, 2, 3, 10)]

    assert 1.6 <= waits[0] <= 2.4 and 3.2 <= waits[1] <= 4.8 and 6.4 <= waits[2] <= 9.6
    assert waits[3] <= 60 * 1.2


def test_a_task_held_by_another_worker_is_left_alone_until_its_lease_ends(tmp_path):
    note.enqueue(str(tmp_path / "runs"), 1)
    held = claim_tasks("worker-a", 10)
    assert len(held) == 1

    assert claim_tasks("worker-b", 10) == [], "worker-a still holds it"

    QueuedTask.objects.update(locked_until=timezone.now() - timedelta(seconds=1))  # worker-a died
    assert [row.pk for row in claim_tasks("worker-b", 10)] == [held[0].pk]


def test_the_worker_records_its_heartbeat():
    worker = Worker("beating")

    worker.run(until_idle=True)

    beat = Heartbeat.objects.get(worker_id="beating")
    assert timezone.now() - beat.beat_at < timedelta(seconds=30)
