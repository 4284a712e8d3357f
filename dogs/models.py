from __future__ import annotations

from pathlib import PurePosixPath

import numpy as np
from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from shelters.models import Shelter

from .validation import (
    NOTES_MAX_LENGTH,
    MicrochipFormField,
    normalise_microchip,
    validate_birth_date,
    validate_microchip,
)

CONTACT_PERMISSION = "dogs.view_owner_contact"


def is_shelter_staff(user) -> bool:
    """Shelter staff: may see owners' contact details and search by photo."""
    return bool(user and user.is_authenticated and user.is_active and user.has_perm(CONTACT_PERMISSION))


class Owner(models.Model):
    # Owners imported from seed data have no login yet, hence nullable.
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="owner"
    )
    name = models.CharField(_("name"), max_length=200)
    email = models.EmailField(_("email"), blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    address = models.CharField(_("city or address"), max_length=300, blank=True)
    # Emails to the owner (alerts, links) are written in this language.
    language = models.CharField(
        _("language for emails"), max_length=10, choices=settings.LANGUAGES, default=settings.LANGUAGE_CODE
    )
    # Set when the owner opened the link sent to `email`; cleared when the address changes.
    # Alerts and password resets go only to a verified address.
    email_verified_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        permissions = [("view_owner_contact", "Can see owners' contact details and search by photo")]

    def __str__(self) -> str:
        return self.name

    @property
    def email_verified(self) -> bool:
        return bool(self.email) and self.email_verified_at is not None


class MicrochipField(models.CharField):
    """Stored as digits only; forms take the number as typed or scanned (dogs.validation)."""

    def formfield(self, **kwargs):
        return super().formfield(**{"form_class": MicrochipFormField, **kwargs})


class DogQuerySet(models.QuerySet):
    def visible_to(self, user) -> DogQuerySet:
        """Staff see every dog; an owner sees only their own; anyone else nothing."""
        if is_shelter_staff(user):
            return self
        if user and user.is_authenticated:
            return self.filter(owner__user=user)
        return self.none()

    def registered(self) -> DogQuerySet:
        return self.filter(kind=Dog.Kind.REGISTERED)

    def found(self) -> DogQuerySet:
        return self.filter(kind=Dog.Kind.FOUND)

    def owned_by(self, user) -> DogQuerySet:
        """Dogs the user may change: only their own, whoever they are (staff edit in the admin)."""
        if not (user and user.is_authenticated):
            return self.none()
        return self.filter(owner__user=user)


class Dog(models.Model):
    class Kind(models.TextChoices):
        REGISTERED = "registered", _("Registered by its owner")
        FOUND = "found", _("Found, held by a shelter")

    class Sex(models.TextChoices):
        MALE = "male", _("Male")
        FEMALE = "female", _("Female")
        UNKNOWN = "unknown", _("Unknown")

    class Size(models.TextChoices):
        SMALL = "small", _("Small")
        MEDIUM = "medium", _("Medium")
        LARGE = "large", _("Large")
        UNKNOWN = "unknown", _("Unknown")

    class Status(models.TextChoices):
        HOME = "home", _("At home")
        LOST = "lost", _("Lost")
        IN_SHELTER = "in_shelter", _("In a shelter")
        REUNITED = "reunited", _("Reunited")

    # Found dogs are dogs too (photos, embeddings, index), with no owner yet.
    kind = models.CharField(max_length=12, choices=Kind.choices, default=Kind.REGISTERED, db_index=True)
    owner = models.ForeignKey(Owner, null=True, blank=True, on_delete=models.CASCADE, related_name="dogs")
    name = models.CharField(_("name"), max_length=100)
    breed = models.CharField(_("breed"), max_length=100, blank=True)
    sex = models.CharField(_("sex"), max_length=10, choices=Sex.choices, default=Sex.UNKNOWN)
    size = models.CharField(_("size"), max_length=10, choices=Size.choices, default=Size.UNKNOWN)
    colour = models.CharField(_("colour"), max_length=100, blank=True)
    birth_date = models.DateField(_("approximate birth date"), null=True, blank=True, validators=[validate_birth_date])
    microchip = MicrochipField(
        _("microchip number"), max_length=32, blank=True, db_index=True, validators=[validate_microchip]
    )
    notes = models.TextField(_("notes"), blank=True, max_length=NOTES_MAX_LENGTH)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.HOME)
    # The seed data's own dog id, so re-running an import updates instead of duplicating.
    external_id = models.CharField(max_length=100, unique=True, null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = DogQuerySet.as_manager()

    class Meta:
        ordering = ["name", "pk"]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:
        self.microchip = normalise_microchip(self.microchip)
        # One spacing, so a breed filter finds "Alaskan Malamute" however it was typed.
        self.breed = " ".join(self.breed.split())
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        if self.kind == Dog.Kind.FOUND and hasattr(self, "found_report"):
            return self.found_report.get_absolute_url()
        return reverse("dogs:detail", args=[self.pk])


def photo_upload_to(instance: DogPhoto, filename: str) -> str:
    # Every upload path names the file with dogs.photos.safe_upload_name (a random name, the
    # extension of the decoded format) before saving: keep that name, in the photos folder.
    return f"dogs/photos/{PurePosixPath(filename).name}"


class DogPhotoQuerySet(models.QuerySet):
    def embedded_with(self, model_name: str) -> DogPhotoQuerySet:
        return self.filter(embedding__isnull=False, embedding_model=model_name)

    def needing_embedding(self, model_name: str) -> DogPhotoQuerySet:
        return self.exclude(embedding__isnull=False, embedding_model=model_name)


class DogPhoto(models.Model):
    dog = models.ForeignKey(Dog, on_delete=models.CASCADE, related_name="photos")
    image = models.ImageField(upload_to=photo_upload_to, width_field="width", height_field="height")
    # What pages show of the photo, never the original (dogs.photos.make_renditions): upright
    # EXIF-free JPEGs under random names, made by the worker (or by the first page that needs one).
    thumbnail = models.ImageField(upload_to="dogs/thumbnails/", null=True, blank=True, editable=False)
    display = models.ImageField(upload_to="dogs/renditions/", null=True, blank=True, editable=False)
    width = models.PositiveIntegerField(null=True, editable=False)
    height = models.PositiveIntegerField(null=True, editable=False)
    # Where the model saw the dog (search.embeddings.localise), set by the worker with the embedding:
    # None, not looked at yet; False, no dog found (staff get a hint); True, with `dog_box`, the box
    # as shares (0-1) of the upright photo's sides, [left, top, right, bottom], and `dog_crop`, a
    # rendition of that box that cards show beside the whole photo.
    dog_found = models.BooleanField(null=True, editable=False)
    dog_box = models.JSONField(null=True, blank=True, editable=False)
    dog_crop = models.ImageField(upload_to="dogs/crops/", null=True, blank=True, editable=False)
    # float32 bytes, L2-normalised; kept so the index can be rebuilt without re-embedding.
    embedding = models.BinaryField(null=True, blank=True, editable=False)
    embedding_model = models.CharField(max_length=300, blank=True, editable=False)
    taken_at = models.DateTimeField("taken at (EXIF)", null=True, blank=True)
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = DogPhotoQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"Photo {self.pk} of {self.dog}"

    def save(self, *args, **kwargs) -> None:
        # A replaced image (e.g. in the admin) makes the stored embedding stale.
        loaded = getattr(self, "_loaded_image_name", None)
        if self.pk and loaded is not None and self.image.name != str(loaded):
            self.embedding = None
            self.embedding_model = ""
            # What was made from the old image no longer shows it (the files go with remove_orphan_files).
            self.thumbnail = self.display = self.dog_crop = None
            self.dog_found = self.dog_box = None
        super().save(*args, **kwargs)
        self._loaded_image_name = self.image.name

    @classmethod
    def from_db(cls, db, field_names, values):
        instance = super().from_db(db, field_names, values)
        # By now Django may have wrapped the stored name in a FieldFile, which a new upload renames in
        # place: keep the name itself, or a replaced image would look unchanged.
        image = instance.__dict__.get("image")
        instance._loaded_image_name = getattr(image, "name", image)
        return instance

    @property
    def vector(self) -> np.ndarray | None:
        if self.embedding is None:
            return None
        return np.frombuffer(bytes(self.embedding), dtype=np.float32)

    def set_vector(self, vector: np.ndarray, model_name: str) -> None:
        self.embedding = np.asarray(vector, dtype=np.float32).tobytes()
        self.embedding_model = model_name

    def set_dog(self, found: bool | None, box: list[float] | None) -> None:
        """Where the model saw the dog; a new box needs a new crop (made with the renditions)."""
        if (found, box) != (self.dog_found, self.dog_box):
            self.dog_crop = None
        self.dog_found, self.dog_box = found, box if found else None

    @property
    def no_dog_found(self) -> bool:
        """The model looked and saw no dog: a hint for staff that a closer photo may match better."""
        return self.dog_found is False


class ContactView(models.Model):
    """Every time staff are shown an owner's contact details."""

    viewer = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    # NULL once the owner deleted their account: the log keeps that staff saw a contact, not whose.
    owner = models.ForeignKey(Owner, null=True, on_delete=models.SET_NULL, related_name="contact_views")
    page = models.CharField(max_length=200)
    # Why it was shown: a likely or possible match, a claim, the dog's page, or asked for an unlikely match.
    reason = models.CharField(max_length=100, blank=True)
    # The shelter it was shown for: the found dog's, or the one the member acts for (API: the key's).
    shelter = models.ForeignKey(Shelter, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    viewed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-viewed_at"]

    def __str__(self) -> str:
        return f"{self.viewer} saw {self.owner} on {self.page}"


class RateLimitCount(models.Model):
    """Requests counted in one fixed window (dogs.ratelimits); `key` is a keyed hash, never an address."""

    scope = models.CharField(max_length=40)
    key = models.CharField(max_length=64)
    window_start = models.DateTimeField(db_index=True)
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["scope", "key", "window_start"], name="one_count_per_window")]

    def __str__(self) -> str:
        return f"{self.scope}: {self.count} since {self.window_start:%Y-%m-%d %H:%M}"
