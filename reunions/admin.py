from django.contrib import admin

from .models import Claim, FoundReport, LostReport, MatchCandidate, Reunion


@admin.register(LostReport)
class LostReportAdmin(admin.ModelAdmin):
    list_display = ("dog", "lost_at", "place", "closed_at", "closed_reason")
    list_filter = ("closed_at",)
    search_fields = ("dog__name", "place")
    raw_id_fields = ("dog",)


@admin.register(FoundReport)
class FoundReportAdmin(admin.ModelAdmin):
    list_display = ("__str__", "shelter", "found_at", "hold_until", "status")
    list_filter = ("status", "shelter")
    search_fields = ("place", "dog__breed", "dog__microchip")
    raw_id_fields = ("dog",)


@admin.register(MatchCandidate)
class MatchCandidateAdmin(admin.ModelAdmin):
    list_display = ("found_report", "dog", "score", "microchip_match", "status", "reviewed_by", "reviewed_at")
    list_filter = ("status", "microchip_match")
    raw_id_fields = ("found_report", "dog", "found_photo", "dog_photo")


@admin.register(Reunion)
class ReunionAdmin(admin.ModelAdmin):
    list_display = ("dog", "found_report", "confirmed_by", "confirmed_at")
    raw_id_fields = ("found_report", "dog")


@admin.register(Claim)
class ClaimAdmin(admin.ModelAdmin):
    list_display = ("created_at", "owner", "found_report", "score", "status", "resolved_by")
    list_filter = ("status",)
    search_fields = ("owner__name", "found_report__place")
    raw_id_fields = ("owner", "found_report", "dog_photo")
    readonly_fields = ("created_at", "resolved_at", "resolved_by")
