from __future__ import annotations

from django import forms
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dogs.forms import PhotosField
from dogs.models import Dog
from dogs.photos import CheckedUpload, PhotoMetadata
from dogs.validation import RecentPast
from shelters.models import Shelter

from .matching import MatchFilters
from .models import FoundReport, LostReport

DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class FoundDogForm(forms.ModelForm):
    """The dog as far as staff can tell at intake."""

    photos = PhotosField(required=True, help_text=_("One or more photos of the found dog."))

    class Meta:
        model = Dog
        fields = ("name", "breed", "sex", "size", "colour", "microchip", "notes")
        labels = {"name": _("Name or shelter reference")}

    def photo_metadata(self) -> PhotoMetadata | None:
        """What the first photo says of when and where it was taken, once the form is valid."""
        photos = self.cleaned_data.get("photos") or []
        return photos[0][1].metadata if photos else None


class FoundReportForm(forms.ModelForm):
    hold_until = forms.DateField(
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        label=_("Hold until"),
        help_text=_("Leave empty for the shelter's default hold period."),
    )

    class Meta:
        model = FoundReport
        fields = ("shelter", "found_at", "place", "latitude", "longitude", "hold_until", "notes")
        widgets = {"found_at": DATETIME}
        help_texts = {
            "found_at": _("Leave empty to use the time the first photo was taken."),
            "latitude": _("Leave latitude and longitude empty to use where the first photo was taken."),
        }

    def __init__(
        self, *args, shelters: QuerySet[Shelter], photo_metadata: PhotoMetadata | None = None, **kwargs
    ) -> None:
        super().__init__(*args, **kwargs)
        self.photo_metadata = photo_metadata
        self.fields["found_at"].required = False
        # On the form field, so an impossible date is refused before the default hold is computed from it.
        self.fields["found_at"].validators.append(RecentPast("found"))
        # Only the shelters the member works for (the API: the key's shelter).
        self.fields["shelter"].queryset = shelters
        choices = list(shelters[:2])
        if len(choices) == 1:
            self.fields["shelter"].initial = choices[0].pk

    def _fill_from_photo(self, data: dict) -> None:
        """Empty date and coordinates come from the first photo's EXIF, and the report says so."""
        taken = self.photo_metadata or PhotoMetadata(None, None, None)
        filled = []
        if data.get("found_at") is None and "found_at" not in self.errors:
            if taken.taken_at is None:
                self.add_error("found_at", _("Give the date found: the photo does not say when it was taken."))
            else:
                data["found_at"] = taken.taken_at
                filled.append("date")
        if data.get("latitude") is None and data.get("longitude") is None and taken.latitude is not None:
            data["latitude"], data["longitude"] = taken.latitude, taken.longitude
            filled.append("place")
        self.instance.from_photo = " and ".join(filled)

    def clean(self):
        data = super().clean()
        self._fill_from_photo(data)
        _check_point(self, data)
        if not data.get("hold_until") and data.get("shelter") and data.get("found_at"):
            found_on = timezone.localtime(data["found_at"]).date()
            data["hold_until"] = FoundReport.default_hold_until(data["shelter"], found_on)
        return data


class Intake:
    """Intake's two forms, filled alike by the page and the API: the first photo's EXIF fills what staff leave empty."""

    def __init__(self, data=None, files=None, *, shelters: QuerySet[Shelter]) -> None:
        self.dog_form = FoundDogForm(data, files, prefix="dog")
        taken = self.dog_form.photo_metadata() if data is not None and self.dog_form.is_valid() else None
        self.report_form = FoundReportForm(data, prefix="report", shelters=shelters, photo_metadata=taken)

    def is_valid(self) -> bool:
        # Both forms are checked, so every mistake is reported at once.
        return all([self.dog_form.is_valid(), self.report_form.is_valid()])

    def cleaned(self) -> tuple[FoundReport, Dog, list[CheckedUpload]]:
        """What services.record_found_dog stores, once valid."""
        report = self.report_form.save(commit=False)
        report.hold_until = self.report_form.cleaned_data["hold_until"]
        return report, self.dog_form.save(commit=False), self.dog_form.cleaned_data["photos"]


class OutcomeForm(forms.Form):
    """How a found dog left, for a dog whose owner is not among the candidates (those are confirmed by review)."""

    outcome = forms.ChoiceField(
        choices=[
            (FoundReport.Status.REUNITED, _("Reunited with an owner who had not registered")),
            (FoundReport.Status.TRANSFERRED, FoundReport.Status.TRANSFERRED.label),
            (FoundReport.Status.ADOPTED, FoundReport.Status.ADOPTED.label),
            (FoundReport.Status.RELEASED, FoundReport.Status.RELEASED.label),
        ],
        label=_("Outcome"),
    )
    notes = forms.CharField(
        required=False, max_length=2000, label=_("Notes"), help_text=_("Where to, who, anything to remember.")
    )


class LostReportForm(forms.ModelForm):
    class Meta:
        model = LostReport
        fields = ("lost_at", "place", "latitude", "longitude", "notes", "public", "public_contact")
        widgets = {"lost_at": DATETIME}
        help_texts = {"latitude": _("Optional: where last seen, for distance filters.")}

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
        _(
            "%(name)s is already reported lost: that report's page shows the matches. "
            "Mark %(name)s home to report again."
        ),
        code="already_lost",
        params={"name": dog.name},
    )


def _check_point(form: forms.Form, data: dict) -> None:
    lat, lon = data.get("latitude"), data.get("longitude")
    if (lat is None) != (lon is None):
        form.add_error("longitude", _("Give both latitude and longitude, or neither."))
    if lat is not None and not -90 <= lat <= 90:
        form.add_error("latitude", _("Latitude must be between -90 and 90."))
    if lon is not None and not -180 <= lon <= 180:
        form.add_error("longitude", _("Longitude must be between -180 and 180."))


class MatchFilterForm(forms.Form):
    radius_km = forms.FloatField(required=False, min_value=0.1, max_value=20_000, label=_("Within (km)"))
    days = forms.IntegerField(required=False, min_value=1, max_value=3650, label=_("Within (days)"))
    breed = forms.CharField(required=False, max_length=100, label=_("Breed"))
    sex = forms.ChoiceField(required=False, label=_("Sex"), choices=[("", _("Any")), *Dog.Sex.choices])
    size = forms.ChoiceField(required=False, label=_("Size"), choices=[("", _("Any")), *Dog.Size.choices])

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
