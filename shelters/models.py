"""The shelters of a network, who works for which, and how their own software talks to Reunite.

The bottom of the domain stack (only the worker is lower): dogs log each contact view with the
shelter it was made for, and every staff page asks `Shelter.objects.for_member(user)` which
shelters a user works for.
"""

from __future__ import annotations

import secrets
from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.core.validators import MaxValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework_api_key.models import AbstractAPIKey, BaseAPIKeyManager

# The longest hold a shelter may set: a year. Longer is a typo, not a policy.
MAX_STRAY_HOLD_DAYS = 365
INVITATION_SALT = "shelters.invitation"


class ShelterQuerySet(models.QuerySet):
    def for_member(self, user) -> ShelterQuerySet:
        """The shelters a user works for; a network administrator (superuser) works for all of them."""
        if not (user and user.is_authenticated and user.is_active):
            return self.none()
        if user.is_superuser:
            return self.all()
        return self.filter(memberships__user=user)

    def administered_by(self, user) -> ShelterQuerySet:
        """The shelters whose staff, contact, keys and webhooks the user may change."""
        if not (user and user.is_authenticated and user.is_active):
            return self.none()
        if user.is_superuser:
            return self.all()
        return self.filter(memberships__user=user, memberships__role=Membership.Role.ADMIN)


class Shelter(models.Model):
    name = models.CharField(_("name"), max_length=200)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    email = models.EmailField(_("email"), blank=True)
    address = models.CharField(_("address"), max_length=300, blank=True)
    stray_hold_days = models.PositiveIntegerField(
        _("stray hold days"),
        default=settings.DEFAULT_STRAY_HOLD_DAYS,
        validators=[MaxValueValidator(MAX_STRAY_HOLD_DAYS)],
        help_text=_("Days a found dog is held for its owner by default (0 to 365)."),
    )

    objects = ShelterQuerySet.as_manager()

    class Meta:
        ordering = ["name", "pk"]

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    """A user works for a shelter, as staff or as its shelter admin."""

    class Role(models.TextChoices):
        STAFF = "staff", _("Staff")
        ADMIN = "admin", _("Shelter admin")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="shelter_memberships")
    shelter = models.ForeignKey(Shelter, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.STAFF)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["shelter", "user__username"]
        constraints = [models.UniqueConstraint(fields=["user", "shelter"], name="one_membership_per_user_and_shelter")]

    def __str__(self) -> str:
        return f"{self.user} ({self.get_role_display().lower()}) at {self.shelter}"


class InvitationQuerySet(models.QuerySet):
    def pending(self) -> InvitationQuerySet:
        """Not accepted and not expired: what a shelter admin may still cancel."""
        return self.filter(accepted_at__isnull=True, created_at__gte=timezone.now() - invitation_max_age())


def invitation_max_age() -> timedelta:
    return timedelta(days=settings.INVITATION_DAYS)


class Invitation(models.Model):
    """An emailed link that makes whoever opens it a member of the shelter: signed, expiring, single-use."""

    shelter = models.ForeignKey(Shelter, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField(_("email"))
    role = models.CharField(_("role"), max_length=10, choices=Membership.Role.choices, default=Membership.Role.STAFF)
    invited_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = InvitationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.email} to {self.shelter}"

    @property
    def token(self) -> str:
        # Signed with SECRET_KEY, so no other invitation's id can be made up; it expires with the row.
        return signing.Signer(salt=INVITATION_SALT).sign(str(self.pk))

    @property
    def expires_at(self):
        return self.created_at + invitation_max_age()


class ShelterAPIKeyManager(BaseAPIKeyManager):
    def get_usable_keys(self) -> models.QuerySet:
        return super().get_usable_keys().select_related("shelter")


class ShelterAPIKey(AbstractAPIKey):
    """A shelter's software calling the API: stored hashed (only the prefix is readable), revocable."""

    shelter = models.ForeignKey(Shelter, on_delete=models.CASCADE, related_name="api_keys")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = ShelterAPIKeyManager()

    class Meta(AbstractAPIKey.Meta):
        verbose_name = "shelter API key"


class WebhookEvent(models.TextChoices):
    CANDIDATE_CREATED = "candidate.created", _("candidate.created: a likely owner was found for a found dog")
    CLAIM_RECEIVED = "claim.received", _("claim.received: an owner thinks a found dog is theirs")
    HOLD_EXPIRING = "hold.expiring", _("hold.expiring: a found dog's stray hold ends soon")


def new_webhook_secret() -> str:
    return f"whsec_{secrets.token_urlsafe(32)}"


class WebhookSubscription(models.Model):
    """A URL of the shelter's software that hears of some events, each delivery signed with the secret."""

    shelter = models.ForeignKey(Shelter, on_delete=models.CASCADE, related_name="webhooks")
    url = models.URLField(_("URL"), max_length=500)
    events = models.JSONField(default=list)
    # Kept readable (an HMAC needs it), shown to the shelter's admins only.
    secret = models.CharField(max_length=100, default=new_webhook_secret, editable=False)
    active = models.BooleanField(default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["shelter", "pk"]

    def __str__(self) -> str:
        return f"{self.url} ({', '.join(self.events)})"


class WebhookDelivery(models.Model):
    """One event sent (or being sent) to one subscription: what was sent, and how the receiver answered."""

    subscription = models.ForeignKey(WebhookSubscription, on_delete=models.CASCADE, related_name="deliveries")
    event = models.CharField(max_length=40, choices=WebhookEvent.choices)
    payload = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    attempts = models.PositiveIntegerField(default=0)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    response_ms = models.PositiveIntegerField("response time (ms)", null=True, blank=True)
    error = models.TextField(blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    replay_of = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="replays")

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name_plural = "webhook deliveries"

    def __str__(self) -> str:
        return f"{self.event} to {self.subscription.url}"

    @property
    def status(self) -> str:
        if self.delivered_at is not None:
            return "delivered"
        return "retrying" if self.attempts else "waiting"
