"""Registering owners' dogs and their photos, and logging who saw an owner's contact: the work behind the views.

Photos are only stored here. The search app follows every photo change (its receivers
write an outbox row in the same transaction) and the background worker embeds and indexes.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence

from django.conf import settings
from django.core.files import File
from django.db import DatabaseError, transaction
from django.utils import translation

from shelters.models import Shelter

from .models import ContactView, Dog, DogPhoto, Owner
from .photos import CheckedPhoto, CheckedUpload
from .stored_files import files_removed_on_failure

logger = logging.getLogger(__name__)


def owner_for(user) -> Owner:
    """The owner row behind a login; made on first need (sign-up makes it, older accounts may lack it)."""
    owner = Owner.objects.filter(user=user).first()
    if owner is None:
        owner = Owner.objects.create(user=user, name=user.get_full_name() or user.get_username(), email=user.email)
    return owner


def _store(dog: Dog, upload: File, checked: CheckedPhoto, written: list) -> DogPhoto:
    # The upload was checked and safely renamed by dogs.forms.check_upload.
    photo = DogPhoto(
        dog=dog,
        image=upload,
        taken_at=checked.metadata.taken_at,
        latitude=checked.metadata.latitude,
        longitude=checked.metadata.longitude,
    )
    # Noted before the save: the file is written during it, and must go if the save fails.
    written.append(photo.image)
    photo.save()
    return photo


def add_photos_to_dogs(items: Sequence[tuple[Dog, CheckedUpload]]) -> list[DogPhoto]:
    """Store checked uploads for one or many dogs in one transaction; no file outlives a rollback."""
    with files_removed_on_failure() as written, transaction.atomic():
        return [_store(dog, upload, checked, written) for dog, (upload, checked) in items]


def add_photos(dog: Dog, uploads: Sequence[CheckedUpload]) -> list[DogPhoto]:
    return add_photos_to_dogs([(dog, upload) for upload in uploads])


def register_dog(
    dog: Dog,
    owner: Owner | None,
    uploads: Sequence[CheckedUpload],
    also: Callable[[Dog], None] | None = None,
) -> list[DogPhoto]:
    """Save a dog and its photos in one transaction; `also` saves what belongs with it (a found report)."""
    with files_removed_on_failure() as written, transaction.atomic():
        dog.owner = owner
        dog.save()
        photos = [_store(dog, upload, checked, written) for upload, checked in uploads]
        if also is not None:
            also(dog)
    return photos


def log_contact_views(
    user, shown: Iterable[tuple[Owner | None, str]], page: str, shelter: Shelter | None = None
) -> bool:
    """Record that `user` was shown these owners' contact details for `shelter`, each with why.

    False if it could not be logged: a page (or the API) must not show contacts it could not
    log, so the caller hides them then, and the rest (the matches) is still shown. `user` is
    None for an API key; the page then names the key.
    """
    reasons = {owner.pk: (owner, reason) for owner, reason in shown if owner is not None}
    if not reasons:
        return True
    # The log reads the same whatever language the page was in (a reason may be a translated label).
    with translation.override(settings.LANGUAGE_CODE):
        rows = [
            ContactView(viewer=user, owner=owner, page=page[:200], reason=str(reason)[:100], shelter=shelter)
            for owner, reason in reasons.values()
        ]
    try:
        with transaction.atomic():
            ContactView.objects.bulk_create(rows)
    except DatabaseError:
        logger.exception("Could not log %d contact view(s); the contacts are withheld from %s.", len(reasons), page)
        return False
    return True
