from django.contrib import admin, messages

from . import sync
from .models import PendingIndexUpdate


@admin.register(PendingIndexUpdate)
class PendingIndexUpdateAdmin(admin.ModelAdmin):
    list_display = ("photo_id", "attempts", "short_error", "created_at", "updated_at")
    search_fields = ("photo_id", "last_error")
    readonly_fields = ("photo_id", "revision", "attempts", "last_error", "created_at", "updated_at")
    actions = ["retry_now"]

    def has_add_permission(self, request) -> bool:
        return False

    @admin.display(description="Last error")
    def short_error(self, row: PendingIndexUpdate) -> str:
        return row.last_error[:120]

    @admin.action(description="Retry the selected index updates now")
    def retry_now(self, request, queryset) -> None:
        result = sync.apply_pending(list(queryset.values_list("photo_id", flat=True)), limit=None)
        level = messages.WARNING if result.failed else messages.SUCCESS
        self.message_user(
            request, f"Indexed {result.indexed}, removed {result.deleted}, still failing {result.failed}.", level
        )
