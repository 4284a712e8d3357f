from django.contrib import admin

from .models import Claim


@admin.register(Claim)
class ClaimAdmin(admin.ModelAdmin):
    list_display = ("created_at", "owner", "found_report", "score", "status", "resolved_by")
    list_filter = ("status",)
    search_fields = ("owner__name", "found_report__place")
    raw_id_fields = ("owner", "found_report", "dog_photo")
    readonly_fields = ("created_at", "resolved_at", "resolved_by")
