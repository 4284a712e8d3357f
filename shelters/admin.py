from django.contrib import admin, messages
from django.utils.translation import ngettext
from rest_framework_api_key.admin import APIKeyModelAdmin
from rest_framework_api_key.models import APIKey

from . import services
from .models import Invitation, Membership, Shelter, ShelterAPIKey, WebhookDelivery, WebhookSubscription

# Keys belong to a shelter here; the library's shelterless model is unused.
admin.site.unregister(APIKey)


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    raw_id_fields = ("user",)


@admin.register(Shelter)
class ShelterAdmin(admin.ModelAdmin):
    """The network administrator adds and renames shelters, and names their admins (memberships)."""

    list_display = ("name", "phone", "email", "stray_hold_days")
    search_fields = ("name",)
    inlines = [MembershipInline]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ("user", "shelter", "role", "created_at")
    list_filter = ("role", "shelter")
    search_fields = ("user__username", "user__email", "shelter__name")
    raw_id_fields = ("user",)


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = ("email", "shelter", "role", "invited_by", "created_at", "accepted_at")
    list_filter = ("shelter",)
    readonly_fields = ("invited_by", "created_at", "accepted_at", "accepted_by")

    def has_add_permission(self, request) -> bool:
        return False  # an invitation is sent from the shelter's settings page, which emails its link


@admin.register(ShelterAPIKey)
class ShelterAPIKeyAdmin(APIKeyModelAdmin):
    list_display = ("prefix", "name", "shelter", "created", "last_used_at", "revoked")
    list_filter = ("shelter", "revoked")
    raw_id_fields = ("created_by",)


class WebhookDeliveryInline(admin.TabularInline):
    model = WebhookDelivery
    extra = 0
    fields = ("event", "created_at", "attempts", "status_code", "response_ms", "delivered_at", "error")
    readonly_fields = fields
    show_change_link = True

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(WebhookSubscription)
class WebhookSubscriptionAdmin(admin.ModelAdmin):
    list_display = ("url", "shelter", "events", "active", "created_at")
    list_filter = ("active", "shelter")
    readonly_fields = ("secret",)
    inlines = [WebhookDeliveryInline]


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    """Every delivery with how the receiver answered; any can be sent again."""

    list_display = ("event", "subscription", "created_at", "status", "attempts", "status_code", "response_ms")
    list_filter = ("event", "subscription__shelter")
    readonly_fields = [field.name for field in WebhookDelivery._meta.fields]
    actions = ["replay"]

    def has_add_permission(self, request) -> bool:
        return False

    @admin.action(description="Replay the selected deliveries (the worker sends them again)")
    def replay(self, request, queryset) -> None:
        replays = [services.replay(delivery) for delivery in queryset.select_related("subscription")]
        count = len(replays)
        self.message_user(
            request,
            ngettext("%(count)s delivery will be sent again.", "%(count)s deliveries will be sent again.", count)
            % {"count": count},
            messages.SUCCESS,
        )
