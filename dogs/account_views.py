"""Owners' account pages: verify the email address, reset a forgotten password, download or delete everything."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.messages.views import SuccessMessageMixin
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods, require_POST

from . import account_data, accounts, ratelimits
from .forms import DeleteAccountForm
from .services import owner_for

VERIFICATION_SENDS_PER_HOUR = 3
TOO_MANY_LINKS = _("We have sent several links this hour. Please look for them, or try again later.")
TOO_MANY_RESETS = _("We have sent several reset emails for this address this hour. Please try again later.")


def _too_many(request: HttpRequest, message: str, allowance: ratelimits.Allowance) -> HttpResponse:
    response = render(request, "registration/rate_limited.html", {"message": message}, status=429)
    response["Retry-After"] = str(allowance.retry_after)
    return response


def verify_email(request: HttpRequest, token: str) -> HttpResponse:
    """Opened from the email: works logged in or not, since the signed link is the proof."""
    try:
        owner = accounts.verify_email(token)
    except accounts.VerificationFailed as exc:
        return render(request, "registration/verify_email_failed.html", {"message": str(exc)}, status=400)
    messages.success(
        request,
        gettext("Thank you: %(email)s is confirmed. Alerts about found dogs will go there.") % {"email": owner.email},
    )
    return redirect("dogs:my_dogs" if request.user.is_authenticated else "login")


@login_required
@require_POST
def send_verification(request: HttpRequest) -> HttpResponse:
    owner = owner_for(request.user)
    allowance = ratelimits.take("verify-email", str(owner.pk), VERIFICATION_SENDS_PER_HOUR, 3600)
    if not allowance.allowed:
        return _too_many(request, TOO_MANY_LINKS, allowance)
    accounts.send_verification(owner)
    messages.success(request, gettext("We sent a new link to %(email)s.") % {"email": owner.email})
    return redirect("dogs:profile")


class PasswordChangeView(SuccessMessageMixin, auth_views.PasswordChangeView):
    """Django's view on the site's own page (not the admin's), back to the owner's details."""

    template_name = "registration/password_change.html"
    success_url = reverse_lazy("dogs:profile")
    success_message = _("Your password is changed.")


class PasswordResetView(auth_views.PasswordResetView):
    """Django's view with the work queued (accounts.QueuedPasswordResetForm), counted per address."""

    form_class = accounts.QueuedPasswordResetForm
    success_url = reverse_lazy("password_reset_done")

    def form_valid(self, form):
        # Counted for any address, known or not, so the limit says nothing about who has an account.
        email = form.cleaned_data["email"].strip().lower()
        allowance = ratelimits.take("password-reset", email, settings.PASSWORD_RESETS_PER_HOUR, 3600)
        if not allowance.allowed:
            return _too_many(self.request, TOO_MANY_RESETS, allowance)
        return super().form_valid(form)


@login_required
def download_data(request: HttpRequest) -> HttpResponse:
    archive = account_data.build_zip(owner_for(request.user))
    response = FileResponse(archive, as_attachment=True, filename="reunite-my-data.zip", content_type="application/zip")
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_http_methods(["GET", "POST"])
def delete_account(request: HttpRequest) -> HttpResponse:
    form = DeleteAccountForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        accounts.delete_account(request.user)
        logout(request)
        messages.success(request, gettext("Your account, your dogs, their photos and your reports are deleted."))
        return redirect("home")
    return render(request, "registration/delete_account.html", {"form": form})
