"""On PostgreSQL two workers claim at the same moment and get different rows (SELECT … FOR UPDATE SKIP LOCKED)."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, transaction

from tests.support.tasks import note
from worker.loop import claim_tasks
from worker.models import QueuedTask

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_two_workers_claiming_at_once_never_take_the_same_task(tmp_path):
    assert connection.vendor == "postgresql", "run by `make test` on a throwaway PostgreSQL"
    for number in range(10):
        note.enqueue(str(tmp_path / "runs"), number)
    first_holds = threading.Event()
    second_done = threading.Event()
    claimed: dict[str, list] = {}

    def first() -> None:
        # Holds its rows locked, in an open transaction, while the second worker claims.
        with transaction.atomic():
            rows = list(QueuedTask.objects.due().select_for_update(skip_locked=True)[:4])
            claimed["first"] = [row.pk for row in rows]
            first_holds.set()
            second_done.wait(timeout=30)
        connection.close()

    def second() -> None:
        first_holds.wait(timeout=30)
        claimed["second"] = [row.pk for row in claim_tasks("second", 10)]
        second_done.set()
        connection.close()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert len(claimed["first"]) == 4 and len(claimed["second"]) == 6
    assert not set(claimed["first"]) & set(claimed["second"]), "the second worker skipped the locked rows"
