"""Shelter admins' pages: their shelter's contact and hold, members, invitations, API keys and webhooks.

Another shelter's pages are not found (404), like every object a user does not work with.
"""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from . import services
from .acting import act_for
from .forms import AcceptInvitationForm, APIKeyForm, InvitationForm, ShelterForm, WebhookForm
from .models import Membership, Shelter, ShelterAPIKey, WebhookDelivery, WebhookSubscription

RECENT_DELIVERIES = 20


def _administered(request: HttpRequest, pk: int) -> Shelter:
    return get_object_or_404(Shelter.objects.administered_by(request.user), pk=pk)


def _settings_page(request: HttpRequest, shelter: Shelter, status: int = 200, **forms) -> HttpResponse:
    context = {
        "shelter": shelter,
        "shelter_form": forms.get("shelter_form") or ShelterForm(instance=shelter, with_name=False),
        "invitation_form": forms.get("invitation_form") or InvitationForm(shelter=shelter),
        "key_form": forms.get("key_form") or APIKeyForm(),
        "webhook_form": forms.get("webhook_form") or WebhookForm(),
        "members": shelter.memberships.select_related("user").order_by("user__username"),
        "roles": Membership.Role.choices,
        "invitations": shelter.invitations.pending(),
        "keys": shelter.api_keys.order_by("revoked", "-created"),
        "webhooks": shelter.webhooks.all(),
        "deliveries": WebhookDelivery.objects.filter(subscription__shelter=shelter).select_related("subscription")[
            :RECENT_DELIVERIES
        ],
    }
    return render(request, "shelters/settings.html", context, status=status)


@login_required
def my_shelters(request: HttpRequest) -> HttpResponse:
    shelters = list(Shelter.objects.administered_by(request.user))
    # The network administrator always gets the list, with "Add a shelter".
    if len(shelters) == 1 and not request.user.is_superuser:
        return redirect("shelters:settings", shelters[0].pk)
    return render(request, "shelters/my_shelters.html", {"shelters": shelters})


@login_required
def settings_page(request: HttpRequest, pk: int) -> HttpResponse:
    return _settings_page(request, _administered(request, pk))


@login_required
@require_POST
def edit(request: HttpRequest, pk: int) -> HttpResponse:
    shelter = _administered(request, pk)
    form = ShelterForm(request.POST, instance=shelter, with_name=False)
    if not form.is_valid():
        shelter.refresh_from_db()
        return _settings_page(request, shelter, status=400, shelter_form=form)
    form.save()
    messages.success(request, _("The shelter's contact and hold period are saved."))
    return redirect("shelters:settings", shelter.pk)


@login_required
@require_POST
def invite(request: HttpRequest, pk: int) -> HttpResponse:
    shelter = _administered(request, pk)
    form = InvitationForm(request.POST, shelter=shelter)
    if not form.is_valid():
        return _settings_page(request, shelter, status=400, invitation_form=form)
    invitation = services.invite(form.save(commit=False), shelter, request.user)
    messages.success(request, _("An invitation is on its way to %(email)s.") % {"email": invitation.email})
    return redirect("shelters:settings", shelter.pk)


@login_required
@require_POST
def cancel_invitation(request: HttpRequest, pk: int, invitation_pk: int) -> HttpResponse:
    shelter = _administered(request, pk)
    invitation = get_object_or_404(shelter.invitations.pending(), pk=invitation_pk)
    invitation.delete()
    messages.success(
        request,
        _("The invitation to %(email)s is cancelled; its link no longer works.") % {"email": invitation.email},
    )
    return redirect("shelters:settings", shelter.pk)


def _change_member(request: HttpRequest, shelter: Shelter, change: Callable[[], None], done: str) -> HttpResponse:
    """Remove a member or change a role, unless it would leave the shelter without an admin."""
    try:
        change()
    except services.LastAdmin as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, done)
    return redirect("shelters:settings", shelter.pk)


@login_required
@require_POST
def remove_member(request: HttpRequest, pk: int, membership_pk: int) -> HttpResponse:
    shelter = _administered(request, pk)
    membership = get_object_or_404(shelter.memberships.select_related("user"), pk=membership_pk)
    done = _("%(user)s no longer works for %(shelter)s.") % {
        "user": membership.user.get_username(),
        "shelter": shelter.name,
    }
    return _change_member(request, shelter, lambda: services.remove_member(membership), done)


@login_required
@require_POST
def change_role(request: HttpRequest, pk: int, membership_pk: int) -> HttpResponse:
    shelter = _administered(request, pk)
    membership = get_object_or_404(shelter.memberships.select_related("user"), pk=membership_pk)
    role = request.POST.get("role", "")
    if role not in Membership.Role.values:
        messages.error(request, _("Choose staff or shelter admin."))
        return redirect("shelters:settings", shelter.pk)
    done = _("%(user)s is now %(role)s.") % {
        "user": membership.user.get_username(),
        "role": Membership.Role(role).label.lower(),
    }
    return _change_member(request, shelter, lambda: services.set_role(membership, role), done)


@login_required
@require_POST
def create_key(request: HttpRequest, pk: int) -> HttpResponse:
    shelter = _administered(request, pk)
    form = APIKeyForm(request.POST)
    if not form.is_valid():
        return _settings_page(request, shelter, status=400, key_form=form)
    api_key, key = services.create_api_key(shelter, form.cleaned_data["name"], request.user)
    # Shown this once: only its hash is stored.
    return render(request, "shelters/key_created.html", {"shelter": shelter, "api_key": api_key, "key": key})


@login_required
@require_POST
def revoke_key(request: HttpRequest, pk: int, prefix: str) -> HttpResponse:
    shelter = _administered(request, pk)
    api_key = get_object_or_404(ShelterAPIKey.objects.filter(shelter=shelter, revoked=False), prefix=prefix)
    services.revoke_api_key(api_key)
    messages.success(
        request,
        _("The key “%(name)s” (%(prefix)s…) is revoked: it no longer works.")
        % {"name": api_key.name, "prefix": api_key.prefix},
    )
    return redirect("shelters:settings", shelter.pk)


@login_required
@require_POST
def add_webhook(request: HttpRequest, pk: int) -> HttpResponse:
    shelter = _administered(request, pk)
    form = WebhookForm(request.POST)
    if not form.is_valid():
        return _settings_page(request, shelter, status=400, webhook_form=form)
    webhook = services.subscribe(form.save(commit=False), shelter, request.user)
    messages.success(
        request,
        _("%(url)s will hear of %(events)s. Its signing secret is below.")
        % {"url": webhook.url, "events": ", ".join(webhook.events)},
    )
    return redirect("shelters:settings", shelter.pk)


@login_required
@require_POST
def delete_webhook(request: HttpRequest, pk: int, webhook_pk: int) -> HttpResponse:
    shelter = _administered(request, pk)
    webhook = get_object_or_404(WebhookSubscription.objects.filter(shelter=shelter), pk=webhook_pk)
    webhook.delete()
    messages.success(request, _("%(url)s will hear nothing more.") % {"url": webhook.url})
    return redirect("shelters:settings", shelter.pk)


@require_http_methods(["GET", "POST"])
def accept_invitation(request: HttpRequest, token: str) -> HttpResponse:
    """Whoever holds the link joins the shelter: as the account they are logged in with, or a new one."""
    try:
        invitation = services.invitation_for(token)
    except services.InvitationInvalid as exc:
        return render(request, "shelters/invitation_invalid.html", {"message": str(exc)}, status=410)
    form = None if request.user.is_authenticated else AcceptInvitationForm(request.POST or None)
    if request.method == "POST" and (form is None or form.is_valid()):
        try:
            if form is None:
                services.accept(invitation, request.user)
            else:
                data = form.cleaned_data
                membership = services.accept_as_new_user(invitation, data["username"], data["password1"])
                login(request, membership.user, backend="django.contrib.auth.backends.ModelBackend")
        except services.InvitationInvalid as exc:
            return render(request, "shelters/invitation_invalid.html", {"message": str(exc)}, status=410)
        messages.success(request, _("Welcome to %(shelter)s.") % {"shelter": invitation.shelter.name})
        return redirect("reunions:dashboard")
    status = 400 if request.method == "POST" else 200
    return render(request, "shelters/accept.html", {"invitation": invitation, "form": form}, status=status)


@login_required
@require_POST
def acting_for(request: HttpRequest) -> HttpResponse:
    """Choose the shelter this session's contact views (photo search, dogs' pages) are logged for."""
    choice = request.POST.get("shelter", "")
    if not choice.isdigit():
        raise Http404("No such shelter.")
    shelter = get_object_or_404(Shelter.objects.for_member(request.user), pk=int(choice))
    act_for(request, shelter)
    messages.success(request, _("You are acting for %(shelter)s.") % {"shelter": shelter.name})
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        back = "/"
    return redirect(back)
