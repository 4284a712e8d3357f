"""Owners' control of their accounts: a verified email address, password resets, deleting everything.

Deleting needs no app above this one: an owner's row cascades to their dogs, photos, lost reports,
claims and match candidates; each app's own post_delete receivers remove the files after the commit
(dogs.signals, reunions.signals) and record the index deletions in the outbox (search.receivers).
"""

from __future__ import annotations

from datetime import timedelta

from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.conf import settings
from django.contrib.auth.forms import PasswordResetForm
from django.contrib.auth.tokens import default_token_generator
from django.core.signing import BadSignature, SignatureExpired, TimestampSigner
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _
from django_tasks import task

from worker.mail import queue_email

from .models import Owner

VERIFICATION_SALT = "reunite.email-verification"
VERIFICATION_DAYS = 7


class VerificationFailed(Exception):
    """The link cannot verify anything; the message says why and what to do."""


def verification_link(owner: Owner) -> str:
    # Signed with the address itself: a link sent to an old address cannot verify a new one.
    token = TimestampSigner(salt=VERIFICATION_SALT).sign_object({"owner": owner.pk, "email": owner.email.lower()})
    return f"{settings.SITE_URL}{reverse('verify_email', args=[token])}"


def send_verification(owner: Owner) -> None:
    """Queue the email with the link that verifies the owner's address (sent by the worker)."""
    if not owner.email:
        return
    with translation.override(owner.language):
        body = render_to_string(
            "emails/verify_email.txt", {"owner": owner, "link": verification_link(owner), "days": VERIFICATION_DAYS}
        )
        subject = _("Reunite: please confirm your email address")
    queue_email(subject, body, [owner.email])


def verify_email(token: str) -> Owner:
    """Mark the address in the signed token verified; raises VerificationFailed with a message."""
    try:
        data = TimestampSigner(salt=VERIFICATION_SALT).unsign_object(token, max_age=timedelta(days=VERIFICATION_DAYS))
    except SignatureExpired:
        raise VerificationFailed(_("This link has expired. Ask for a new one on your details page.")) from None
    except BadSignature:
        raise VerificationFailed(_("This link is not valid. Copy the whole link from the email.")) from None
    owner = Owner.objects.filter(pk=data.get("owner")).first()
    if owner is None or owner.email.lower() != data.get("email"):
        raise VerificationFailed(_("This link is for an address that is no longer on the account."))
    if owner.email_verified_at is None:
        owner.email_verified_at = timezone.now()
        owner.save(update_fields=["email_verified_at"])
    return owner


def save_contact(form) -> bool:
    """Save an OwnerForm; a changed address is unverified until its new link is opened. True if it changed."""
    owner = form.instance
    before = Owner.objects.filter(pk=owner.pk).values_list("email", flat=True).first() or ""
    changed = before.lower() != owner.email.lower()
    with transaction.atomic():
        if changed:
            owner.email_verified_at = None
        form.save()
        if owner.user_id is not None:
            # The login's address is where a password reset goes: the same one.
            type(owner.user).objects.filter(pk=owner.user_id).update(email=owner.email)
        if changed:
            send_verification(owner)
    return changed


class QueuedPasswordResetForm(PasswordResetForm):
    """Django's reset form, but the request only queues the work, for known and unknown addresses alike.

    Looking the address up, making the token and writing the email happen in the worker, so the
    response and its timing are the same whether or not an account has this address.
    """

    def save(self, *args, **kwargs) -> None:
        send_password_reset.enqueue(self.cleaned_data["email"])


@task()
def send_password_reset(email: str) -> None:
    for user in PasswordResetForm().get_users(email):
        owner = Owner.objects.filter(user=user).first()
        # An unverified address may be a typo for someone else's: a reset link there would hand them the account.
        if owner is not None and not owner.email_verified:
            continue
        path = reverse(
            "password_reset_confirm",
            kwargs={
                "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
                "token": default_token_generator.make_token(user),
            },
        )
        # An owner reads it in their language; staff in the site's.
        with translation.override(owner.language if owner is not None else settings.LANGUAGE_CODE):
            body = render_to_string(
                "emails/password_reset.txt",
                {"user": user, "link": f"{settings.SITE_URL}{path}", "site": settings.SITE_URL},
            )
            subject = _("Reunite: reset your password")
        queue_email(subject, body, [user.email])


def delete_account(user) -> None:
    """Delete the login and everything of its owner; the contact-view log keeps its rows, without the owner."""
    username = user.get_username()
    with transaction.atomic():
        for owner in Owner.objects.filter(user=user):
            owner.delete()
        # django-axes' records of this login's attempts name it and its IP addresses.
        for model in (AccessAttempt, AccessFailureLog, AccessLog):
            model.objects.filter(username=username).delete()
        user.delete()
