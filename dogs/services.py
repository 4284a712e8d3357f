"""Registering dogs and their photos: the work behind the forms and the import command."""

from __future__ import annotations

import io
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from django.core.files import File
from django.db import transaction

from search import sync
from search.embeddings import ModelUnavailable, active_model_name, embed_images

from .models import Dog, DogPhoto, Owner
from .photo_files import CheckedPhoto, encode_public_copy, safe_upload_name

THUMBNAIL_SIDE = 480

logger = logging.getLogger(__name__)

CheckedUpload = tuple[File, CheckedPhoto]


@dataclass
class PhotosAdded:
    photos: list[DogPhoto]
    embedding_error: str = ""


def owner_for(user) -> Owner:
    """The owner row behind a login; made on first need (sign-up makes it, older accounts may lack it)."""
    owner = Owner.objects.filter(user=user).first()
    if owner is None:
        owner = Owner.objects.create(user=user, name=user.get_full_name() or user.get_username(), email=user.email)
    return owner


def _embed(uploads: Sequence[CheckedUpload]) -> tuple[np.ndarray | None, str]:
    """Embed in one batch before any transaction opens, so a slow model never holds database locks."""
    if not uploads:
        return None, ""
    try:
        return embed_images([checked.image for _, checked in uploads]), ""
    except ModelUnavailable as exc:
        # Photos are stored all the same; the sync outbox embeds them once the model loads.
        logger.warning("Saving %d photo(s) without embeddings: %s", len(uploads), exc)
        return None, str(exc)


def _store(dog: Dog, upload: File, checked: CheckedPhoto, vector: np.ndarray | None, model: str) -> DogPhoto:
    upload.name = safe_upload_name(upload.name or "", checked.format)
    photo = DogPhoto(
        dog=dog,
        image=upload,
        taken_at=checked.metadata.taken_at,
        latitude=checked.metadata.latitude,
        longitude=checked.metadata.longitude,
    )
    if vector is not None:
        photo.set_vector(vector, model)
    photo.save()
    return photo


def add_photos_to_dogs(items: Sequence[tuple[Dog, CheckedUpload]]) -> PhotosAdded:
    """Store checked uploads for one or many dogs: one embedding batch, one transaction, one index update."""
    vectors, error = _embed([upload for _, upload in items])
    model = active_model_name()
    with transaction.atomic(), sync.batched():
        photos = [
            _store(dog, upload, checked, None if vectors is None else vectors[i], model)
            for i, (dog, (upload, checked)) in enumerate(items)
        ]
    return PhotosAdded(photos, error)


def add_photos(dog: Dog, uploads: Sequence[CheckedUpload]) -> PhotosAdded:
    return add_photos_to_dogs([(dog, upload) for upload in uploads])


def register_dog(
    dog: Dog,
    owner: Owner | None,
    uploads: Sequence[CheckedUpload],
    also: Callable[[Dog], None] | None = None,
) -> PhotosAdded:
    """Save a dog and its photos in one transaction; `also` saves what belongs with it (a found report)."""
    vectors, error = _embed(uploads)
    model = active_model_name()
    with transaction.atomic(), sync.batched():
        dog.owner = owner
        dog.save()
        photos = [
            _store(dog, upload, checked, None if vectors is None else vectors[i], model)
            for i, (upload, checked) in enumerate(uploads)
        ]
        if also is not None:
            also(dog)
    return PhotosAdded(photos, error)


def ensure_thumbnail(photo: DogPhoto):
    """The photo's thumbnail, made on first use and stored, so lists never resize originals again."""
    if photo.thumbnail:
        return photo.thumbnail
    from PIL import Image

    from search.embeddings import prepare_image

    with photo.image.open("rb") as handle:
        image = Image.open(handle)
        image.draft("RGB", (THUMBNAIL_SIDE, THUMBNAIL_SIDE))
        image.load()
    data = encode_public_copy(prepare_image(image), max_side=THUMBNAIL_SIDE)
    photo.thumbnail.save(f"{photo.pk}.jpg", File(io.BytesIO(data)), save=False)
    # update(), not save(): a thumbnail is no change to the photo and needs no re-indexing.
    DogPhoto.objects.filter(pk=photo.pk).update(thumbnail=photo.thumbnail.name)
    return photo.thumbnail
