from django.contrib import admin

from .models import ContactView, FoundReport, LostReport, MatchCandidate, Reunion, Shelter


@admin.register(Shelter)
class ShelterAdmin(admin.ModelAdmin):
    list_display = ("name", "phone", "email", "stray_hold_days")
    search_fields = ("name",)


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


@admin.register(ContactView)
class ContactViewAdmin(admin.ModelAdmin):
    """Who saw which owner's contact details, when, and on which page."""

    list_display = ("viewed_at", "viewer", "owner", "page")
    list_filter = ("viewed_at",)
    search_fields = ("viewer__username", "owner__name", "page")
    readonly_fields = ("viewer", "owner", "page", "viewed_at")

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
