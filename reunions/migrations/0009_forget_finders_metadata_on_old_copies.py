"""Photos that reunions confirmed earlier copied to owners, as they were: with the finder's EXIF
(camera, GPS, time) in the file and the finder's place and time on the row. They are cleaned the way
new copies are made: re-encoded without EXIF under a new name, and the place and time forgotten.

A copy is recognised as a photo of the reunited dog, added when the reunion was confirmed, whose
stored embedding is byte for byte one of the found dog's (copies kept the vector).
"""

import logging
from datetime import timedelta

from django.core.files.base import ContentFile
from django.db import migrations, transaction

from dogs.photos import encode_public_copy, open_stored, safe_upload_name

logger = logging.getLogger(__name__)


def copies_of(reunion, DogPhoto):
    found = {
        bytes(e)
        for e in DogPhoto.objects.filter(dog_id=reunion.found_report.dog_id).values_list("embedding", flat=True)
        if e
    }
    since = reunion.confirmed_at - timedelta(minutes=1)
    candidates = DogPhoto.objects.filter(dog_id=reunion.dog_id, created_at__gte=since, embedding__isnull=False)
    return [photo for photo in candidates if bytes(photo.embedding) in found]


def clean_old_copies(apps, schema_editor):
    Reunion = apps.get_model("reunions", "Reunion")
    DogPhoto = apps.get_model("dogs", "DogPhoto")
    for reunion in Reunion.objects.filter(dog__isnull=False).select_related("found_report"):
        for photo in copies_of(reunion, DogPhoto):
            DogPhoto.objects.filter(pk=photo.pk).update(taken_at=None, latitude=None, longitude=None)
            old = photo.image.name
            try:
                data = encode_public_copy(open_stored(photo.image))
            except OSError:
                logger.warning(
                    "Copied photo %s has no readable file; its row is cleaned, no file to re-encode.", photo.pk
                )
                continue
            photo.image.save(safe_upload_name("", "JPEG"), ContentFile(data), save=False)
            DogPhoto.objects.filter(pk=photo.pk).update(image=photo.image.name)
            # The old file goes once the new name is committed: a rolled-back migration keeps it.
            transaction.on_commit(lambda storage=photo.image.storage, name=old: storage.delete(name), robust=True)


class Migration(migrations.Migration):
    dependencies = [
        ("dogs", "0009_owner_email_verified_contact_views_kept"),
        ("reunions", "0008_reunions_kept_when_owners_leave"),
    ]

    operations = [migrations.RunPython(clean_old_copies, migrations.RunPython.noop)]
