"""A shelter network's work: shelters and their members, invitations, API keys, webhook events."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import signing
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from worker.mail import queue_email

from .models import (
    INVITATION_SALT,
    Invitation,
    Membership,
    Shelter,
    ShelterAPIKey,
    WebhookDelivery,
    WebhookSubscription,
)
from .tasks import deliver_webhook

INVITATION_USED = _("This invitation has already been used. Ask the shelter's admin for a new one.")
INVITATION_EXPIRED = _("This invitation has expired. Ask the shelter's admin for a new one.")
INVITATION_UNKNOWN = _(
    "This invitation link is not valid (it may have been cancelled). Ask the shelter's admin for a new one."
)
LAST_ADMIN = _("A shelter keeps at least one shelter admin: make someone else admin first.")


class InvitationInvalid(Exception):
    """The link cannot be used; the message says why, for the person holding it."""


class LastAdmin(Exception):
    pass


def create_shelter(shelter: Shelter, creator) -> Shelter:
    """A new shelter in the network, its creator its first shelter admin."""
    with transaction.atomic():
        shelter.save()
        Membership.objects.create(user=creator, shelter=shelter, role=Membership.Role.ADMIN)
    return shelter


def invite(invitation: Invitation, shelter: Shelter, invited_by) -> Invitation:
    """Save the invitation and queue its email (sent by the worker once this commits)."""
    invitation.shelter, invitation.invited_by = shelter, invited_by
    with transaction.atomic():
        invitation.save()
        link = f"{settings.SITE_URL}{reverse('shelters:accept', args=[invitation.token])}"
        # The person invited has no language on record yet: the site's.
        with translation.override(settings.LANGUAGE_CODE):
            body = render_to_string(
                "shelters/emails/invitation.txt",
                {"invitation": invitation, "link": link, "days": settings.INVITATION_DAYS},
            )
            subject = gettext("Reunite: join %(shelter)s") % {"shelter": shelter.name}
        queue_email(subject, body, [invitation.email])
    return invitation


def invitation_for(token: str) -> Invitation:
    """The invitation a link stands for, while it can still be used; else InvitationInvalid saying why."""
    try:
        pk = signing.Signer(salt=INVITATION_SALT).unsign(token)
    except signing.BadSignature as exc:
        raise InvitationInvalid(INVITATION_UNKNOWN) from exc
    invitation = Invitation.objects.select_related("shelter").filter(pk=pk).first()
    if invitation is None:
        raise InvitationInvalid(INVITATION_UNKNOWN)
    if invitation.accepted_at is not None:
        raise InvitationInvalid(INVITATION_USED)
    if invitation.expires_at < timezone.now():
        raise InvitationInvalid(INVITATION_EXPIRED)
    return invitation


def accept(invitation: Invitation, user) -> Membership:
    """The user joins the shelter (with the invitation's role); the link is spent, even when two tabs race."""
    with transaction.atomic():
        spent = Invitation.objects.filter(pk=invitation.pk, accepted_at__isnull=True).update(
            accepted_at=timezone.now(), accepted_by=user
        )
        if not spent:
            raise InvitationInvalid(INVITATION_USED)
        membership, created = Membership.objects.get_or_create(
            user=user, shelter=invitation.shelter, defaults={"role": invitation.role}
        )
        if not created and invitation.role == Membership.Role.ADMIN:
            membership.role = Membership.Role.ADMIN
            membership.save(update_fields=["role"])
    return membership


def accept_as_new_user(invitation: Invitation, username: str, password: str) -> Membership:
    with transaction.atomic():
        user = get_user_model().objects.create_user(username, invitation.email, password)
        return accept(invitation, user)


def remove_member(membership: Membership) -> None:
    with transaction.atomic():
        _keep_an_admin(membership)
        membership.delete()


def set_role(membership: Membership, role: str) -> None:
    with transaction.atomic():
        if role != Membership.Role.ADMIN:
            _keep_an_admin(membership)
        membership.role = role
        membership.save(update_fields=["role"])


def _keep_an_admin(membership: Membership) -> None:
    admins = Membership.objects.select_for_update().filter(shelter=membership.shelter, role=Membership.Role.ADMIN)
    if membership.role == Membership.Role.ADMIN and not admins.exclude(pk=membership.pk).exists():
        raise LastAdmin(LAST_ADMIN)


def create_api_key(shelter: Shelter, name: str, created_by) -> tuple[ShelterAPIKey, str]:
    """A new key for the shelter: returns the key itself, which is shown this once and stored only hashed."""
    return ShelterAPIKey.objects.create_key(shelter=shelter, name=name, created_by=created_by)


def revoke_api_key(key: ShelterAPIKey) -> None:
    key.revoked = True
    key.save(update_fields=["revoked"])


def emit(shelter: Shelter, event: str, data: dict) -> list[WebhookDelivery]:
    """Queue `event` for each active subscription of the shelter listening for it, in the caller's transaction.

    No event for a change that rolls back; none lost when the process dies after the commit.
    """
    listening = [s for s in shelter.webhooks.filter(active=True) if event in s.events]
    if not listening:
        return []
    payload = {
        # The same id on every attempt and replay: receivers use it to ignore a repeat.
        "id": str(uuid.uuid4()),
        "event": event,
        "created_at": timezone.now().isoformat(),
        "shelter": {"id": shelter.pk, "name": shelter.name},
        "data": data,
    }
    with transaction.atomic():
        return [_queue(WebhookDelivery(subscription=s, event=event, payload=payload)) for s in listening]


def replay(delivery: WebhookDelivery) -> WebhookDelivery:
    """Send an earlier delivery's payload again, as a new delivery with its own attempts."""
    again = WebhookDelivery(
        subscription=delivery.subscription, event=delivery.event, payload=delivery.payload, replay_of=delivery
    )
    with transaction.atomic():
        return _queue(again)


def _queue(delivery: WebhookDelivery) -> WebhookDelivery:
    delivery.save()
    deliver_webhook.enqueue(delivery.pk)
    return delivery


def subscribe(subscription: WebhookSubscription, shelter: Shelter, created_by) -> WebhookSubscription:
    subscription.shelter, subscription.created_by = shelter, created_by
    subscription.save()
    return subscription
