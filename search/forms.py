from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from dogs.forms import PhotoField

from .backends.base import SearchFilters


class PhotoSearchForm(forms.Form):
    photo = PhotoField(label=_("Photo of the found dog"))
    breed = forms.CharField(
        required=False, max_length=100, label=_("Breed"), help_text=_("Optional: only dogs of this breed.")
    )

    def filters(self) -> SearchFilters | None:
        breed = self.cleaned_data.get("breed", "").strip()
        return SearchFilters(breed=breed) if breed else None
