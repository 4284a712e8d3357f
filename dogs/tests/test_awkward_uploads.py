"""Every photo form and the staff search take what phones send and refuse the rest, never with a 500."""

from __future__ import annotations

import io
import os
import re

import pillow_heif
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import ExifTags, Image

from dogs.models import Dog, DogPhoto
from search.index import get_index
from tests.factories import make_dog, make_owner, make_staff
from tests.support.photos import exif_with, image_bytes, make_image, png_with_header_size

pytestmark = pytest.mark.django_db


def heic() -> bytes:
    buffer = io.BytesIO()
    pillow_heif.from_pillow(make_image(3)).save(buffer, format="HEIF", quality=80)
    return buffer.getvalue()


def sixteen_bit_png() -> bytes:
    return image_bytes(make_image(4).convert("L").point(lambda v: v * 256).convert("I;16"), "PNG")


def animated_gif() -> bytes:
    frames = [make_image(5).convert("P"), make_image(6).convert("P")]
    buffer = io.BytesIO()
    frames[0].save(buffer, format="GIF", save_all=True, append_images=frames[1:], loop=0)
    return buffer.getvalue()


ACCEPTED = {
    "phone.jpg": lambda: image_bytes(make_image(1), "JPEG", exif=exif_with(orientation=6)),
    "screenshot.png": lambda: image_bytes(make_image(2).convert("RGBA"), "PNG"),
    "camera.webp": lambda: image_bytes(make_image(2), "WEBP"),
    "animated.gif": animated_gif,
    "old.bmp": lambda: image_bytes(make_image(2), "BMP"),
    "iphone.heic": heic,
    "print.jpg": lambda: image_bytes(make_image(2).convert("CMYK"), "JPEG"),
    "scan.png": sixteen_bit_png,
    "panorama.jpg": lambda: image_bytes(make_image(2, size=(6000, 60)), "JPEG"),
    "broken-exif.jpg": lambda: image_bytes(make_image(2), "JPEG", exif=b"Exif\x00\x00garbage"),
}

TRUNCATED_JPEG = image_bytes(make_image(9))[:600]
REFUSED = {
    "notes.jpg": (b"these are my notes, not a photo", "not a supported image"),
    "empty.jpg": (b"", "empty"),
    "half.jpg": (TRUNCATED_JPEG, "damaged or incomplete"),
    "page.png": (image_bytes(make_image(1), "PNG")[:40] + b"<html><script>alert(1)</script></html>", "damaged"),
    "logo.svg": (
        b'<svg xmlns="http://www.w3.org/2000/svg"><rect width="9" height="9"/></svg>',
        "Vector images (SVG) are not supported",
    ),
    "bomb.png": (png_with_header_size(30_000, 30_000), "pixels"),
}


@pytest.fixture
def owner_client(client):
    client.force_login(make_owner().user)
    return client


@pytest.mark.parametrize("name", ACCEPTED)
def test_the_dog_form_accepts_what_phones_and_browsers_send(owner_client, name, run_worker):
    upload = SimpleUploadedFile(name, ACCEPTED[name](), "application/octet-stream")

    response = owner_client.post(reverse("dogs:create"), {"name": "Rex", "sex": "male", "photos": [upload]})
    run_worker()

    assert response.status_code == 302, response.content.decode()[-3000:]
    photo = DogPhoto.objects.get()
    assert photo.vector is not None
    assert "/" not in photo.image.name.removeprefix("dogs/photos/")
    assert name.split(".")[0] not in photo.image.name.removeprefix("dogs/photos/")
    assert get_index().photo_ids() == {photo.pk}


@pytest.mark.parametrize("name", REFUSED)
def test_the_dog_form_refuses_bad_files_with_a_clear_message_and_stores_nothing(owner_client, name):
    data, message = REFUSED[name]
    upload = SimpleUploadedFile(name, data, "image/jpeg")

    response = owner_client.post(reverse("dogs:create"), {"name": "Rex", "sex": "male", "photos": [upload]})

    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Dog.objects.exists() and not DogPhoto.objects.exists()


def test_several_photos_checked_side_by_side_name_every_refused_file_and_store_nothing(owner_client, settings):
    settings.TORCH_THREADS = 2  # the form checks its photos on two threads
    refused = dict(list(REFUSED.items())[:3])
    photos = [SimpleUploadedFile("good.jpg", image_bytes(make_image(1), "JPEG"), "image/jpeg")]
    photos += [SimpleUploadedFile(name, data, "image/jpeg") for name, (data, _message) in refused.items()]
    photos.append(SimpleUploadedFile("also-good.heic", heic()))

    response = owner_client.post(reverse("dogs:create"), {"name": "Rex", "sex": "male", "photos": photos})

    assert response.status_code == 200
    page = response.content.decode()
    for name, (_data, message) in refused.items():
        assert re.search(rf"{re.escape(name)}: [^<]*{re.escape(message)}", page), name  # each file its own error
    assert "good.jpg:" not in page and "also-good.heic:" not in page
    assert not Dog.objects.exists() and not DogPhoto.objects.exists()


@pytest.mark.parametrize("name", REFUSED)
def test_the_add_photos_form_refuses_bad_files_and_keeps_the_dog(owner_client, name):
    dog = make_dog(owner_client.get(reverse("dogs:my_dogs")).wsgi_request.user.owner, "Rex")
    data, message = REFUSED[name]

    response = owner_client.post(reverse("dogs:photo_add", args=[dog.pk]), {"photos": [SimpleUploadedFile(name, data)]})

    assert response.status_code == 400
    assert message in response.content.decode()
    assert dog.photos.count() == 1


@pytest.mark.parametrize("name", REFUSED)
def test_the_staff_search_refuses_bad_files_with_a_clear_message(client, name):
    client.force_login(make_staff())
    data, message = REFUSED[name]

    response = client.post(reverse("search:find_owner"), {"photo": SimpleUploadedFile(name, data)})

    assert response.status_code == 400
    assert message in response.content.decode()


def test_files_over_the_upload_limit_are_refused(owner_client, settings):
    settings.PHOTO_MAX_UPLOAD_BYTES = 50_000
    noisy = Image.frombytes("RGB", (300, 300), os.urandom(300 * 300 * 3))
    big = image_bytes(noisy, "PNG")
    assert len(big) > 50_000

    response = owner_client.post(
        reverse("dogs:create"), {"name": "Rex", "sex": "male", "photos": [SimpleUploadedFile("big.png", big)]}
    )

    assert "larger than" in response.content.decode()
    assert not Dog.objects.exists()


def test_exif_date_and_gps_become_data_shown_to_owner_and_staff(client):
    owner = make_owner()
    gps = {
        ExifTags.GPS.GPSLatitudeRef: "N",
        ExifTags.GPS.GPSLatitude: (52.0, 22.0, 12.0),
        ExifTags.GPS.GPSLongitudeRef: "E",
        ExifTags.GPS.GPSLongitude: (4.0, 53.0, 24.0),
    }
    data = image_bytes(make_image(1), "JPEG", exif=exif_with(taken="2026:05:04 13:14:15", offset="+02:00", gps=gps))
    client.force_login(owner.user)
    client.post(reverse("dogs:create"), {"name": "Rex", "sex": "male", "photos": [SimpleUploadedFile("a.jpg", data)]})

    photo = DogPhoto.objects.get()
    assert photo.taken_at.isoformat() == "2026-05-04T11:14:15+00:00"
    assert (round(photo.latitude, 4), round(photo.longitude, 4)) == (52.37, 4.89)
    page = client.get(reverse("dogs:detail", args=[photo.dog_id])).content.decode()
    assert "4 May 2026" in page and "52.37000" in page
    client.force_login(make_staff())
    assert "52.37000" in client.get(reverse("dogs:detail", args=[photo.dog_id])).content.decode()
