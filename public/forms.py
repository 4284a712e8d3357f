from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from dogs.forms import PhotoField
from dogs.models import Dog, DogPhoto
from dogs.photos import CheckedPhoto
from reunions.models import Claim, FoundReport, FoundReportQuerySet, LostReport

from .services import CLAIM_PHOTO_SIDE


class FoundFilterForm(forms.Form):
    found_since = forms.DateField(
        required=False, label=_("Found since"), widget=forms.DateInput(attrs={"type": "date"})
    )
    area = forms.CharField(
        required=False,
        max_length=100,
        label=_("Area"),
        help_text=_("Part of the place name, e.g. a street or park."),
    )
    breed = forms.CharField(required=False, max_length=100, label=_("Breed"))

    def apply(self, reports: FoundReportQuerySet) -> FoundReportQuerySet:
        if not self.is_valid():
            return reports
        data = self.cleaned_data
        if data["found_since"]:
            reports = reports.found_since(data["found_since"])
        if data["area"].strip():
            reports = reports.place_contains(data["area"].strip())
        if data["breed"].strip():
            reports = reports.breed_contains(data["breed"].strip())
        return reports


class OwnerPhotoForm(forms.Form):
    """One of the owner's own dogs' photos, or a new upload: exactly one."""

    dog_photo = forms.ModelChoiceField(
        queryset=DogPhoto.objects.none(),
        required=False,
        widget=forms.RadioSelect,
        label=_("One of your dogs' photos"),
    )
    # A search only embeds the upload and shows a small preview: JPEGs decode at a reduced scale.
    photo = PhotoField(required=False, label=_("Or a new photo"))

    def __init__(self, *args, user, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # Only the user's own photos are choices, so a forged id is an invalid choice, not someone else's dog.
        self.fields["dog_photo"].queryset = DogPhoto.objects.filter(dog__in=Dog.objects.owned_by(user)).select_related(
            "dog"
        )
        self.fields["dog_photo"].label_from_instance = lambda photo: photo.dog.name

    def clean_photo(self) -> CheckedPhoto | None:
        # Only the decoded photo is used: a search never stores the upload, a claim stores a clean copy.
        checked_upload = self.cleaned_data.get("photo")
        return checked_upload[1] if checked_upload else None

    def clean(self):
        data = super().clean()
        if "photo" in self.errors or "dog_photo" in self.errors:
            return data
        if data.get("dog_photo") and data.get("photo"):
            raise ValidationError(_("Choose one of your dogs' photos or upload a new one, not both."), code="both")
        if not data.get("dog_photo") and not data.get("photo"):
            raise ValidationError(_("Choose one of your dogs' photos or upload a new one."), code="none")
        return data


class ClaimForm(OwnerPhotoForm):
    # Staff compare marks on the stored copy: keep its detail.
    photo = PhotoField(required=False, label=_("Or a new photo"), draft_to=CLAIM_PHOTO_SIDE)

    message = forms.CharField(
        max_length=2000,
        label=_("Message"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "What makes you think this is your dog: marks, collar, where you lost it. The shelter will contact you."
        ),
    )

    def __init__(self, *args, user, found_report: FoundReport, **kwargs) -> None:
        super().__init__(*args, user=user, **kwargs)
        self.user = user
        self.found_report = found_report

    def clean(self):
        data = super().clean()
        if Claim.objects.open().filter(owner__user=self.user, found_report=self.found_report).exists():
            raise already_claimed()
        return data


def already_claimed() -> ValidationError:
    return ValidationError(
        _("You have already told the shelter about this dog; they will contact you."), code="duplicate"
    )


class LostShareForm(forms.ModelForm):
    class Meta:
        model = LostReport
        fields = ("public", "public_contact")
