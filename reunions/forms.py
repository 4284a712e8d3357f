from __future__ import annotations

from django import forms
from django.utils import timezone

from dogs.forms import PhotosField
from dogs.models import Dog
from dogs.validation import RecentPast

from .matching import MatchFilters
from .models import FoundReport, LostReport, Shelter

DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class FoundDogForm(forms.ModelForm):
    """The dog as far as staff can tell at intake."""

    photos = PhotosField(required=True, help_text="One or more photos of the found dog.")

    class Meta:
        model = Dog
        fields = ("name", "breed", "sex", "size", "colour", "microchip", "notes")
        labels = {"name": "Name or shelter reference"}


class FoundReportForm(forms.ModelForm):
    hold_until = forms.DateField(
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="Leave empty for the shelter's default hold period.",
    )

    class Meta:
        model = FoundReport
        fields = ("shelter", "found_at", "place", "latitude", "longitude", "hold_until", "notes")
        widgets = {"found_at": DATETIME}

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # On the form field, so an impossible date is refused before the default hold is computed from it.
        self.fields["found_at"].validators.append(RecentPast("found"))
        self.fields["found_at"].initial = timezone.localtime().strftime("%Y-%m-%dT%H:%M")
        shelters = Shelter.objects.all()
        if len(shelters) == 1:
            self.fields["shelter"].initial = shelters[0].pk

    def clean(self):
        data = super().clean()
        _check_point(self, data)
        if not data.get("hold_until") and data.get("shelter") and data.get("found_at"):
            found_on = timezone.localtime(data["found_at"]).date()
            data["hold_until"] = FoundReport.default_hold_until(data["shelter"], found_on)
        return data


class LostReportForm(forms.ModelForm):
    class Meta:
        model = LostReport
        fields = ("lost_at", "place", "latitude", "longitude", "notes", "public", "public_contact")
        widgets = {"lost_at": DATETIME}
        help_texts = {"latitude": "Optional: where last seen, for distance filters."}

    def __init__(self, *args, dog: Dog, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.dog = dog
        self.fields["lost_at"].validators.append(RecentPast("lost"))

    def clean(self):
        data = super().clean()
        _check_point(self, data)
        if LostReport.objects.open().filter(dog=self.dog).exists():
            raise already_reported_lost(self.dog)
        return data


def already_reported_lost(dog: Dog) -> forms.ValidationError:
    return forms.ValidationError(
        "%(name)s is already reported lost: that report's page shows the matches. Mark %(name)s home to report again.",
        code="already_lost",
        params={"name": dog.name},
    )


def _check_point(form: forms.Form, data: dict) -> None:
    lat, lon = data.get("latitude"), data.get("longitude")
    if (lat is None) != (lon is None):
        form.add_error("longitude", "Give both latitude and longitude, or neither.")
    if lat is not None and not -90 <= lat <= 90:
        form.add_error("latitude", "Latitude must be between -90 and 90.")
    if lon is not None and not -180 <= lon <= 180:
        form.add_error("longitude", "Longitude must be between -180 and 180.")


class MatchFilterForm(forms.Form):
    radius_km = forms.FloatField(required=False, min_value=0.1, max_value=20_000, label="Within (km)")
    days = forms.IntegerField(required=False, min_value=1, max_value=3650, label="Within (days)")
    breed = forms.CharField(required=False, max_length=100)
    sex = forms.ChoiceField(required=False, choices=[("", "Any"), *Dog.Sex.choices])
    size = forms.ChoiceField(required=False, choices=[("", "Any"), *Dog.Size.choices])

    def filters(self) -> MatchFilters:
        if not self.is_valid():
            return MatchFilters()
        data = self.cleaned_data
        return MatchFilters(
            radius_km=data["radius_km"],
            days=data["days"],
            breed=data["breed"].strip(),
            sex=data["sex"],
            size=data["size"],
        )
