from __future__ import annotations

from urllib.parse import urlsplit

from django import forms
from django.conf import settings
from django.contrib.auth import get_user_model, password_validation
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from .models import Invitation, Membership, Shelter, ShelterAPIKey, WebhookEvent, WebhookSubscription
from .webhooks import PRIVATE_DESTINATION, is_private_literal


class ShelterForm(forms.ModelForm):
    """A shelter's contact and hold period (its name too, when it is created)."""

    class Meta:
        model = Shelter
        fields = ("name", "phone", "email", "address", "stray_hold_days")
        labels = {"stray_hold_days": _("Stray hold (days)")}

    def __init__(self, *args, with_name: bool = True, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if not with_name:
            # A shelter admin edits the contact and hold; the network administrator renames (admin).
            del self.fields["name"]


class InvitationForm(forms.ModelForm):
    class Meta:
        model = Invitation
        fields = ("email", "role")

    def __init__(self, *args, shelter: Shelter, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.shelter = shelter

    def clean_email(self) -> str:
        email = self.cleaned_data["email"].strip().lower()
        if Membership.objects.filter(shelter=self.shelter, user__email__iexact=email).exists():
            raise ValidationError(_("Someone with this email address already works for this shelter."))
        return email


class AcceptInvitationForm(forms.Form):
    """A new account for the person invited; the email address is the invitation's."""

    username = forms.CharField(max_length=150, label=_("Username"))
    password1 = forms.CharField(label=_("Password"), widget=forms.PasswordInput, strip=False)
    password2 = forms.CharField(label=_("Password again"), widget=forms.PasswordInput, strip=False)

    def clean_username(self) -> str:
        username = self.cleaned_data["username"]
        if get_user_model().objects.filter(username__iexact=username).exists():
            raise ValidationError(_("This username is taken. If it is yours, log in first, then open the link again."))
        return username

    def clean(self):
        data = super().clean()
        if data.get("password1") and data.get("password1") != data.get("password2"):
            self.add_error("password2", _("The two passwords differ."))
        elif data.get("password1"):
            try:
                password_validation.validate_password(data["password1"])
            except ValidationError as exc:
                self.add_error("password1", exc)
        return data


class APIKeyForm(forms.ModelForm):
    class Meta:
        model = ShelterAPIKey
        fields = ("name",)
        labels = {"name": _("Name")}
        help_texts = {"name": _("What uses it, e.g. “ASM3 at the front desk”.")}


class WebhookForm(forms.ModelForm):
    url = forms.URLField(label=_("URL"), max_length=500, assume_scheme="https")
    events = forms.MultipleChoiceField(
        label=_("Events"), choices=WebhookEvent.choices, widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = WebhookSubscription
        fields = ("url", "events")

    def clean_url(self) -> str:
        url = self.cleaned_data["url"]
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https"):
            raise ValidationError(_("Use an http:// or https:// address."))
        # A name is resolved, and its addresses checked, at each delivery; an address literal now.
        if not settings.WEBHOOK_ALLOW_PRIVATE_URLS and is_private_literal(parts.hostname or ""):
            raise ValidationError(PRIVATE_DESTINATION)
        return url
