from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError

from dogs.forms import PhotoInput
from dogs.photo_files import EMBEDDING_DRAFT_SIZE, open_checked_photo

from .backends.base import SearchFilters


class PhotoSearchForm(forms.Form):
    photo = forms.FileField(label="Photo of the found dog", widget=PhotoInput)
    breed = forms.CharField(required=False, max_length=100, help_text="Optional: only dogs of this breed.")

    def clean_photo(self):
        upload = self.cleaned_data["photo"]
        try:
            return open_checked_photo(upload, draft_to=EMBEDDING_DRAFT_SIZE)
        except ValidationError as exc:
            raise ValidationError(exc.messages) from exc

    def filters(self) -> SearchFilters | None:
        breed = self.cleaned_data.get("breed", "").strip()
        return SearchFilters(breed=breed) if breed else None
