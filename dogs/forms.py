from __future__ import annotations

import os
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

from django import forms
from django.conf import settings
from django.contrib.auth.forms import UserCreationForm
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from .models import Dog, Owner
from .photos import (
    EMBEDDING_DRAFT_SIZE,
    CheckedUpload,
    max_upload_bytes,
    open_checked_photo,
    safe_upload_name,
)

ACCEPTED_IMAGE_TYPES = (
    "image/jpeg,image/png,image/webp,image/gif,image/bmp,image/heic,image/heif,image/tiff,.heic,.heif,.tif,.tiff"
)


class PhotoInput(forms.ClearableFileInput):
    """A photo file input that static/js/upload-previews.js shows thumbnails under.

    The limits are read when the form is rendered, so the script warns about the same
    size (and number of files) that the server refuses.
    """

    def __init__(self, attrs: dict | None = None) -> None:
        super().__init__({"accept": ACCEPTED_IMAGE_TYPES, **(attrs or {})})

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        context["widget"]["attrs"].update({"data-preview": True, "data-max-bytes": max_upload_bytes()})
        if self.allow_multiple_selected:
            context["widget"]["attrs"]["data-max-files"] = settings.PHOTOS_PER_FORM
        return context


class MultipleFileInput(PhotoInput):
    allow_multiple_selected = True


def check_upload(upload: File, draft_to: int | None = EMBEDDING_DRAFT_SIZE) -> CheckedUpload:
    """The one check every photo upload goes through: decoded within the limits, renamed safely.

    Whatever the browser called the file, it is stored under a random name with the extension of
    the format that was decoded. Raises ValidationError with a message for the person uploading.
    """
    checked = open_checked_photo(upload, draft_to=draft_to)
    upload.name = safe_upload_name(upload.name or "", checked.format)
    return upload, checked


def check_uploads(uploads: Sequence[File]) -> list[CheckedUpload | ValidationError]:
    """Each upload checked as `check_upload` does, side by side on every core (Pillow decodes without
    the GIL): a form with eight phone photos waits for the slowest core's share, not for all eight."""

    def checked_or_error(upload: File) -> CheckedUpload | ValidationError:
        try:
            return check_upload(upload)
        except ValidationError as exc:
            return exc

    if len(uploads) < 2:
        return [checked_or_error(upload) for upload in uploads]
    with ThreadPoolExecutor(min(len(uploads), _check_threads()), thread_name_prefix="photo-check") as pool:
        return list(pool.map(checked_or_error, uploads))


def _check_threads() -> int:
    """This process's share of the cores: TORCH_THREADS when set (gunicorn.conf.py sets it to cores ÷
    workers), else the cores it may run on."""
    if settings.TORCH_THREADS:
        return settings.TORCH_THREADS
    cores = os.sched_getaffinity(0) if hasattr(os, "sched_getaffinity") else range(os.cpu_count() or 1)
    return max(1, len(cores))


class PhotoField(forms.FileField):
    """One photo; cleans to (upload, CheckedPhoto), or to the current file when nothing new was sent."""

    widget = PhotoInput

    def __init__(self, *args, draft_to: int | None = EMBEDDING_DRAFT_SIZE, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.draft_to = draft_to

    def to_python(self, data):
        # Not FileField's: it refuses long file names, which are never kept anyway.
        return data or None

    def clean(self, data, initial=None):
        upload = super().clean(data, initial)
        if isinstance(upload, UploadedFile):
            return check_upload(upload, self.draft_to)
        return upload


class PhotosField(forms.FileField):
    """Several photos in one input; each is checked like any upload, and errors name the file."""

    widget = MultipleFileInput

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("label", _("Photos"))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        uploads = [f for f in (data if isinstance(data, (list, tuple)) else [data]) if f]
        if not uploads:
            if self.required:
                raise ValidationError(_("Add at least one photo of your dog."), code="required")
            return []
        if len(uploads) > settings.PHOTOS_PER_FORM:
            raise ValidationError(
                ngettext(
                    "Upload at most %(count)s photo at a time.",
                    "Upload at most %(count)s photos at a time.",
                    settings.PHOTOS_PER_FORM,
                ),
                code="too_many",
                params={"count": settings.PHOTOS_PER_FORM},
            )
        names = [upload.name for upload in uploads]  # before check_upload renames them
        checked, errors = [], []
        for name, result in zip(names, check_uploads(uploads), strict=True):
            if isinstance(result, ValidationError):
                errors.extend(
                    ValidationError(_("%(file)s: %(message)s"), params={"file": name, "message": message})
                    for message in result.messages
                )
            else:
                checked.append(result)
        if errors:
            raise ValidationError(errors)
        return checked


EMAIL_IN_USE = _("An account with this email address already exists. Log in, or reset your password if you forgot it.")


def email_in_use(email: str, user=None) -> bool:
    """Another account's login or owner record has this address, in any letter case."""
    users = User.objects.filter(email__iexact=email)
    owners = Owner.objects.filter(email__iexact=email, user__isnull=False)
    if user is not None and user.pk is not None:
        users, owners = users.exclude(pk=user.pk), owners.exclude(user=user)
    return users.exists() or owners.exists()


class SignUpForm(UserCreationForm):
    name = forms.CharField(max_length=200, label=_("Your name"))
    email = forms.EmailField(label=_("Email"))
    phone = forms.CharField(max_length=40, label=_("Phone"))
    address = forms.CharField(max_length=300, label=_("City or address"))

    class Meta(UserCreationForm.Meta):
        model = User
        fields = ("username", "name", "email", "phone", "address")

    def clean_email(self) -> str:
        email = self.cleaned_data["email"]
        if email_in_use(email):
            raise ValidationError(EMAIL_IN_USE, code="email_in_use")
        return email

    def __init__(self, *args, language: str = settings.LANGUAGE_CODE, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # The language the owner signed up in is the one their emails are written in.
        self.language = language if language in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE

    def save(self, commit: bool = True) -> User:
        user = super().save(commit=False)
        user.email = self.cleaned_data["email"]
        if commit:
            user.save()
            Owner.objects.create(
                user=user,
                name=self.cleaned_data["name"],
                email=self.cleaned_data["email"],
                phone=self.cleaned_data["phone"],
                address=self.cleaned_data["address"],
                language=self.language,
            )
        return user


class OwnerForm(forms.ModelForm):
    class Meta:
        model = Owner
        fields = ("name", "email", "phone", "address", "language")

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # Left out, the language stays as it was (older clients post the contact fields only).
        self.fields["language"].required = False

    def clean_language(self) -> str:
        return self.cleaned_data.get("language") or self.instance.language

    def clean_email(self) -> str:
        email = self.cleaned_data["email"]
        if email and email_in_use(email, self.instance.user):
            raise ValidationError(EMAIL_IN_USE, code="email_in_use")
        return email


class DogForm(forms.ModelForm):
    photos = PhotosField(
        required=True, help_text=_("One or more clear photos: JPEG, PNG, WebP, GIF, BMP, HEIC or TIFF.")
    )

    class Meta:
        model = Dog
        fields = ("name", "breed", "sex", "size", "colour", "birth_date", "microchip", "notes")
        widgets = {"birth_date": forms.DateInput(attrs={"type": "date"}), "notes": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args, photos_required: bool = True, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # Owners who leave the size out mean "unknown"; filters never leave such a dog out.
        self.fields["size"].required = False
        self.fields["photos"].required = photos_required
        if not photos_required:
            self.fields["photos"].label = _("Add photos")

    def clean_size(self) -> str:
        return self.cleaned_data.get("size") or Dog.Size.UNKNOWN

    def checked_photos(self) -> list[CheckedUpload]:
        return self.cleaned_data.get("photos") or []


class PhotoUploadForm(forms.Form):
    photos = PhotosField(required=True)


class DeleteAccountForm(forms.Form):
    password = forms.CharField(
        label=_("Your password"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )

    def __init__(self, *args, user, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_password(self) -> str:
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise ValidationError(_("That is not your password; nothing was deleted."), code="wrong_password")
        return password
