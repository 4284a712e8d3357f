"""A django-tasks backend that stores tasks as rows in the caller's transaction, run by `manage.py run_worker`.

Why not django-tasks-db's backend: it has no retries, a task whose worker dies stays
"running" for ever, and its rows are written wherever the caller happens to be. Here a task
is a row in the same transaction as the change that caused it, a worker holds it under a
lease, and a failing task is retried with back-off (worker.loop).
"""

from __future__ import annotations

from django.utils import timezone
from django_tasks import TaskResult, TaskResultStatus
from django_tasks.backends.base import BaseTaskBackend
from django_tasks.base import Task
from django_tasks.signals import task_enqueued

from .models import QueuedTask


class OutboxBackend(BaseTaskBackend):
    supports_defer = True
    supports_priority = True

    def enqueue(self, task: Task, args, kwargs) -> TaskResult:
        self.validate_task(task)
        row = QueuedTask(
            task_path=task.module_path,
            queue_name=task.queue_name,
            priority=task.priority,
            run_after=task.run_after or timezone.now(),
        )
        result = TaskResult(
            task=task,
            id=str(row.id),
            status=TaskResultStatus.READY,
            enqueued_at=row.enqueued_at,
            started_at=None,
            finished_at=None,
            last_attempted_at=None,
            args=args,
            kwargs=kwargs,
            backend=self.alias,
            errors=[],
            worker_ids=[],
        )
        # TaskResult normalised the arguments to JSON types, refusing anything else (a model, a date).
        row.args, row.kwargs = result.args, result.kwargs
        row.save()
        task_enqueued.send(type(self), task_result=result)
        return result
