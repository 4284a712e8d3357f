from django.contrib import admin, messages
from django.utils import timezone
from django.utils.translation import ngettext

from .models import Heartbeat, QueuedTask


@admin.register(QueuedTask)
class QueuedTaskAdmin(admin.ModelAdmin):
    list_display = ("task_path", "status", "attempts", "run_after", "short_error", "enqueued_at")
    list_filter = ("status", "task_path")
    readonly_fields = [field.name for field in QueuedTask._meta.fields]
    actions = ["retry_now"]

    def has_add_permission(self, request) -> bool:
        return False

    @admin.display(description="Last error")
    def short_error(self, row: QueuedTask) -> str:
        return row.last_error[-160:]

    @admin.action(description="Retry the selected tasks now (the worker runs them)")
    def retry_now(self, request, queryset) -> None:
        count = queryset.update(
            status=QueuedTask.Status.READY, run_after=timezone.now(), attempts=0, locked_until=None, locked_by=""
        )
        self.message_user(
            request,
            ngettext(
                "%(count)s task will run at the worker's next pass.",
                "%(count)s tasks will run at the worker's next pass.",
                count,
            )
            % {"count": count},
            messages.SUCCESS,
        )


@admin.register(Heartbeat)
class HeartbeatAdmin(admin.ModelAdmin):
    list_display = ("worker_id", "hostname", "pid", "started_at", "beat_at")
    readonly_fields = ("worker_id", "hostname", "pid", "started_at", "beat_at")

    def has_add_permission(self, request) -> bool:
        return False
