"""An API intake is the page's intake: the same two forms (reunions.forms.Intake), fed from the API's field names."""

from __future__ import annotations

from django.utils.datastructures import MultiValueDict
from rest_framework.exceptions import ValidationError

from dogs.models import Dog
from reunions.forms import Intake
from shelters.models import Shelter

# API field -> (form prefix, form field). The dog's notes and the finding's notes share a name in the forms.
FIELDS = {
    "name": ("dog", "name"),
    "breed": ("dog", "breed"),
    "sex": ("dog", "sex"),
    "size": ("dog", "size"),
    "colour": ("dog", "colour"),
    "microchip": ("dog", "microchip"),
    "dog_notes": ("dog", "notes"),
    "photos": ("dog", "photos"),
    "found_at": ("report", "found_at"),
    "place": ("report", "place"),
    "latitude": ("report", "latitude"),
    "longitude": ("report", "longitude"),
    "hold_until": ("report", "hold_until"),
    "notes": ("report", "notes"),
}
# What the forms ask for and the API lets a client leave out.
DEFAULTS = {"sex": Dog.Sex.UNKNOWN, "size": Dog.Size.UNKNOWN}


def intake(data, files: MultiValueDict, shelter: Shelter) -> Intake:
    """The intake forms filled from an API request, for the key's shelter; ValidationError with every mistake."""
    form_data = {
        f"{prefix}-{name}": data.get(field) or DEFAULTS.get(field, "") for field, (prefix, name) in FIELDS.items()
    }
    form_data["report-shelter"] = str(shelter.pk)
    form_files = MultiValueDict({"dog-photos": files.getlist("photos")})
    checked = Intake(form_data, form_files, shelters=Shelter.objects.filter(pk=shelter.pk))
    if not checked.is_valid():
        raise ValidationError(_api_errors(checked))
    return checked


def _api_errors(checked: Intake) -> dict[str, list[str]]:
    names = {(prefix, name): field for field, (prefix, name) in FIELDS.items()}
    errors: dict[str, list[str]] = {}
    for prefix, form in (("dog", checked.dog_form), ("report", checked.report_form)):
        for name, messages in form.errors.items():
            field = "non_field_errors" if name == "__all__" else names.get((prefix, name), name)
            errors.setdefault(field, []).extend(messages)
    return errors
