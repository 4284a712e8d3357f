from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import ExifTags, Image

from dogs.models import DogPhoto
from tests.factories import make_owner
from tests.support.photos import exif_with, image_bytes, make_image

pytestmark = pytest.mark.django_db


@pytest.fixture
def photo(client):
    owner = make_owner()
    gps = {ExifTags.GPS.GPSLatitudeRef: "N", ExifTags.GPS.GPSLatitude: (52.0, 1.0, 2.0)}
    data = image_bytes(make_image(1, size=(2400, 1800)), "JPEG", exif=exif_with(gps=gps, orientation=6))
    client.force_login(owner.user)
    client.post(reverse("dogs:create"), {"name": "Rex", "sex": "male", "photos": [SimpleUploadedFile("a.jpg", data)]})
    return DogPhoto.objects.get()


def test_the_thumbnail_is_made_once_small_upright_and_without_exif(client, photo):
    first = client.get(reverse("dogs:photo_thumbnail", args=[photo.pk]))
    name = DogPhoto.objects.get(pk=photo.pk).thumbnail.name
    second = client.get(reverse("dogs:photo_thumbnail", args=[photo.pk]))

    assert first.status_code == second.status_code == 200
    assert first["Content-Type"] == "image/jpeg"
    thumb = Image.open(io.BytesIO(b"".join(first.streaming_content)))
    assert max(thumb.size) <= 480 and thumb.height > thumb.width, "EXIF orientation applied"
    assert not thumb.getexif()
    assert name and DogPhoto.objects.get(pk=photo.pk).thumbnail.name == name, "not made again"
    assert b"".join(second.streaming_content)


def test_other_owners_cannot_fetch_the_thumbnail(client, photo):
    client.force_login(make_owner("bob").user)

    assert client.get(reverse("dogs:photo_thumbnail", args=[photo.pk])).status_code == 404


def test_deleting_the_photo_deletes_the_thumbnail_file(client, photo, django_capture_on_commit_callbacks):
    client.get(reverse("dogs:photo_thumbnail", args=[photo.pk]))
    photo.refresh_from_db()
    storage, name = photo.thumbnail.storage, photo.thumbnail.name

    with django_capture_on_commit_callbacks(execute=True):
        photo.dog.delete()

    assert not storage.exists(name)
