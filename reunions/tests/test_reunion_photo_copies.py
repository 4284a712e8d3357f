"""Confirming a reunion gives the owner the shelter's photos, never the finder's metadata."""

from __future__ import annotations

import importlib
import io

import pytest
from django.apps import apps
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import ExifTags, Image

from dogs.forms import check_upload
from dogs.models import DogPhoto
from dogs.services import add_photos
from reunions.models import Reunion
from tests.factories import make_dog, make_owner
from tests.support.photos import exif_with, gps, image_bytes, make_image

pytestmark = pytest.mark.django_db

GPS = gps((52.0, 1.0, 2.0), (4.0, 1.0, 2.0))


def finders_photo() -> SimpleUploadedFile:
    exif = exif_with(gps=GPS, taken="2026:11:20 08:15:00")
    exif[ExifTags.Base.Make] = "FinderCam"
    exif[ExifTags.Base.Model] = "Pocket 7"
    return SimpleUploadedFile("finder.jpg", image_bytes(make_image(81), "JPEG", exif=exif), "image/jpeg")


@pytest.fixture
def reunited(client, staff, record_found, run_worker):
    rex = make_dog(make_owner("ana"), "Rex", seeds=(80,))
    found = record_found(seeds=(82,))
    original = add_photos(found.dog, [check_upload(finders_photo())])[0]
    assert (original.latitude, original.taken_at) != (None, None), "the shelter's own record keeps them"
    run_worker()
    client.force_login(staff)
    client.post(reverse("reunions:review", args=[found.pk, rex.pk]), {"decision": "confirm"})
    copies = list(rex.photos.order_by("pk"))[1:]
    assert len(copies) == 2
    return rex, copies


def test_a_reunion_copy_carries_no_exif(reunited, client):
    rex, copies = reunited
    client.force_login(rex.owner.user)

    for copy in copies:
        with copy.image.open("rb") as handle:
            stored = Image.open(handle)
            stored.load()
        assert not stored.getexif() and "exif" not in stored.info
        assert copy.image.name.endswith(".jpg") and "finder" not in copy.image.name
        served = client.get(reverse("dogs:photo_image", args=[copy.pk]))
        assert served.status_code == 200
        data = b"".join(served.streaming_content)
        assert b"FinderCam" not in data and not Image.open(io.BytesIO(data)).getexif()


def test_a_reunion_copy_keeps_no_finders_place_or_time(reunited, client):
    rex, copies = reunited

    assert [(c.taken_at, c.latitude, c.longitude) for c in copies] == [(None, None, None)] * 2
    client.force_login(rex.owner.user)
    page = client.get(reverse("dogs:detail", args=[rex.pk])).content.decode()
    assert "Location" not in page and "52.01" not in page and "Taken 20 Nov 2026" not in page


def test_a_reunion_copy_is_still_found_by_its_embedding(reunited):
    _, copies = reunited

    assert all(copy.vector is not None for copy in copies)


def test_copies_made_before_are_cleaned_by_the_migration(
    staff, record_found, run_worker, settings, django_capture_on_commit_callbacks
):
    rex = make_dog(make_owner("ana"), "Rex", seeds=(80,))
    own = rex.photos.get()
    DogPhoto.objects.filter(pk=own.pk).update(latitude=51.5, longitude=0.1)
    found = record_found(seeds=(82,))
    original = add_photos(found.dog, [check_upload(finders_photo())])[0]
    run_worker()
    original.refresh_from_db()
    with original.image.open("rb") as handle:  # the old way: the file as it was, metadata and all
        old_copy = DogPhoto.objects.create(
            dog=rex, image=ContentFile(handle.read(), name="old-copy.jpg"), embedding=original.embedding,
            embedding_model=original.embedding_model, taken_at=original.taken_at,
            latitude=original.latitude, longitude=original.longitude,
        )  # fmt: skip
    Reunion.objects.create(found_report=found, dog=rex, confirmed_by=staff)
    old_name = old_copy.image.name
    migration = importlib.import_module("reunions.migrations.0009_forget_finders_metadata_on_old_copies")

    with django_capture_on_commit_callbacks(execute=True):
        migration.clean_old_copies(apps, None)

    old_copy.refresh_from_db()
    assert (old_copy.taken_at, old_copy.latitude, old_copy.longitude) == (None, None, None)
    assert old_copy.image.name != old_name and not (settings.MEDIA_ROOT / old_name).exists()
    with old_copy.image.open("rb") as handle:
        assert b"FinderCam" not in handle.read()
    own.refresh_from_db()
    original.refresh_from_db()
    assert own.latitude == 51.5, "the owner's own photo is left alone"
    assert original.latitude is not None, "the shelter's record keeps its own"
