"""Bounds on what people type, each with a message that says what is wrong and what is allowed.

Model fields carry these validators (so the admin checks them too) and forms put them on their
own fields where a later step computes with the value (a hold end from the date found), so an
impossible date is refused before anything overflows.
"""

from __future__ import annotations

import re
from datetime import date, datetime

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.deconstruct import deconstructible
from django.utils.translation import gettext_lazy as _

# Reunite's records start long after 2000: an earlier year is a typo (0001, 0202, 1926 for 2026).
EARLIEST_DATE = date(2000, 1, 1)
# The oldest dogs on record lived about 30 years.
DOG_MAX_AGE_YEARS = 30
NOTES_MAX_LENGTH = 2000
# ISO 11784/11785 chips have 15 digits; older chips still in dogs have 10 (FDX-A, read as digits)
# or 9 (AVID). Scanners and people add spaces, dashes and dots.
MICROCHIP_LENGTHS = (15, 10, 9)
MICROCHIP_TYPED_MAX_LENGTH = 64
_MICROCHIP_SEPARATORS = re.compile(r"[\s.\-\u2010-\u2014]+")


@deconstructible
class RecentPast:
    """A date or moment from 1 January 2000 up to now; `what` names it in messages ("found", "lost")."""

    # Whole sentences per `what`, so translators never see an English word spliced into theirs.
    MESSAGES = {
        "found": (
            _("The date found cannot be before 1 January 2000: check the year."),
            _("The date found cannot be in the future."),
        ),
        "lost": (
            _("The date lost cannot be before 1 January 2000: check the year."),
            _("The date lost cannot be in the future."),
        ),
    }

    def __init__(self, what: str) -> None:
        self.what = what

    def __call__(self, value: date | datetime | None) -> None:
        if value is None:
            return
        day = value.date() if isinstance(value, datetime) else value
        if day < EARLIEST_DATE:
            raise ValidationError(self.MESSAGES[self.what][0], code="too_early")
        late = value > timezone.now() if isinstance(value, datetime) else value > timezone.localdate()
        if late:
            raise ValidationError(self.MESSAGES[self.what][1], code="future")

    def __eq__(self, other: object) -> bool:
        return isinstance(other, RecentPast) and other.what == self.what


def validate_birth_date(value: date | None) -> None:
    if value is None:
        return
    today = timezone.localdate()
    if value > today:
        raise ValidationError(_("A birth date cannot be in the future."), code="future")
    if value.year < today.year - DOG_MAX_AGE_YEARS:
        raise ValidationError(
            _("A dog born before %(year)s would be over %(age)s years old: check the year."),
            code="too_early",
            params={"year": today.year - DOG_MAX_AGE_YEARS, "age": DOG_MAX_AGE_YEARS},
        )


def normalise_microchip(value: str) -> str:
    """The number without the spaces, dashes and dots that scanners and people write between digits."""
    return _MICROCHIP_SEPARATORS.sub("", value or "")


def validate_microchip(value: str) -> None:
    """ASCII digits only, of a length real chips have (after normalise_microchip)."""
    if not value:
        return
    if not all("0" <= ch <= "9" for ch in value):
        raise ValidationError(
            _("A microchip number has the digits 0-9 only (spaces and dashes between them are fine)."), code="digits"
        )
    if len(value) not in MICROCHIP_LENGTHS:
        raise ValidationError(
            _("A microchip number has 15 digits (ISO 11784/11785), or 10 or 9 on older chips; this one has %(count)s."),
            code="length",
            params={"count": len(value)},
        )


class MicrochipFormField(forms.CharField):
    """Accepts the number as typed or scanned (separators and all) and cleans it to its digits."""

    def __init__(self, **kwargs) -> None:
        # The model's max_length is the stored digits': what people type may be longer.
        kwargs["max_length"] = MICROCHIP_TYPED_MAX_LENGTH
        kwargs.setdefault(
            "help_text", _("15 digits on most chips (9 or 10 on older ones); spaces and dashes are fine.")
        )
        super().__init__(**kwargs)

    def to_python(self, value):
        return normalise_microchip(super().to_python(value))
