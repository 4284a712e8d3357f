from django.contrib import admin, messages
from django.utils import timezone
from django.utils.translation import ngettext

from .models import PendingIndexUpdate


@admin.register(PendingIndexUpdate)
class PendingIndexUpdateAdmin(admin.ModelAdmin):
    list_display = ("photo_id", "attempts", "next_attempt_at", "short_error", "created_at", "updated_at")
    search_fields = ("photo_id", "last_error")
    readonly_fields = (
        "photo_id",
        "revision",
        "attempts",
        "last_error",
        "next_attempt_at",
        "locked_by",
        "locked_until",
        "created_at",
        "updated_at",
    )
    actions = ["retry_now"]

    def has_add_permission(self, request) -> bool:
        return False

    @admin.display(description="Last error")
    def short_error(self, row: PendingIndexUpdate) -> str:
        return row.last_error[:120]

    @admin.action(description="Retry the selected index updates now (the worker applies them)")
    def retry_now(self, request, queryset) -> None:
        count = queryset.update(next_attempt_at=timezone.now())
        self.message_user(
            request,
            ngettext(
                "%(count)s change will be applied at the worker's next pass.",
                "%(count)s changes will be applied at the worker's next pass.",
                count,
            )
            % {"count": count},
            messages.SUCCESS,
        )
