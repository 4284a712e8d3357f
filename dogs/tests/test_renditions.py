"""Pages show renditions, never originals: every format a phone or scanner sends becomes a clean JPEG."""

from __future__ import annotations

import re

import pillow_heif
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import ExifTags, Image

from dogs.models import DogPhoto
from tests.factories import make_owner, make_staff
from tests.support.photos import exif_with, image_bytes, make_image, served_image

pytestmark = pytest.mark.django_db

GPS = {ExifTags.GPS.GPSLatitudeRef: "N", ExifTags.GPS.GPSLatitude: (52.0, 1.0, 2.0)}


def heic() -> bytes:
    pillow_heif.register_heif_opener()
    return image_bytes(make_image(3, (1600, 1200)), "HEIF")


def sixteen_bit_png() -> bytes:
    # A mid-grey 16-bit scan: clipped instead of scaled, it would turn white.
    return image_bytes(Image.new("I;16", (1200, 900), 30_000), "PNG")


def cmyk_jpeg() -> bytes:
    return image_bytes(make_image(4, (1600, 1200)).convert("CMYK"), "JPEG", exif=exif_with(gps=GPS))


def tiff() -> bytes:
    return image_bytes(make_image(5, (1600, 1200)), "TIFF", compression="tiff_lzw")


FORMATS = {"phone.heic": heic, "scan.png": sixteen_bit_png, "print.jpg": cmyk_jpeg, "scanner.tif": tiff}


@pytest.fixture
def owner_client(client):
    client.force_login(make_owner().user)
    return client


@pytest.mark.parametrize("name", FORMATS)
def test_every_original_gets_jpeg_renditions_made_by_the_worker(owner_client, run_worker, name):
    owner_client.post(
        reverse("dogs:create"), {"name": "Rex", "sex": "male", "photos": [SimpleUploadedFile(name, FORMATS[name]())]}
    )
    run_worker()

    photo = DogPhoto.objects.get()
    assert photo.thumbnail and photo.display, "made by the worker, not by the first page"
    for field, side in (("thumbnail", 480), ("display", 1024)):
        served = owner_client.get(reverse(f"dogs:photo_{field}", args=[photo.pk]))
        assert served.status_code == 200 and served["Content-Type"] == "image/jpeg"
        image = served_image(served)
        assert image.format == "JPEG" and image.mode == "RGB" and max(image.size) <= side
        assert not image.getexif(), "no EXIF (GPS, device) in what pages show"
        if name == "scan.png":
            assert 100 < image.convert("L").getpixel((10, 10)) < 140, "16-bit grey scaled, not clipped to white"


def test_a_rendition_is_made_by_the_page_when_the_worker_has_not_yet(owner_client):
    owner_client.post(
        reverse("dogs:create"), {"name": "Rex", "sex": "male", "photos": [SimpleUploadedFile("a.heic", heic())]}
    )
    photo = DogPhoto.objects.get()
    assert not photo.display

    served = owner_client.get(reverse("dogs:photo_display", args=[photo.pk]))

    assert served.status_code == 200 and served_image(served).format == "JPEG"
    assert DogPhoto.objects.get().display, "stored, not made again"


def test_pages_never_show_an_original(owner_client, run_worker, client):
    owner_client.post(
        reverse("dogs:create"), {"name": "Rex", "sex": "male", "photos": [SimpleUploadedFile("a.heic", heic())]}
    )
    run_worker()
    photo = DogPhoto.objects.get()
    original = reverse("dogs:photo_image", args=[photo.pk])

    owner_page = owner_client.get(photo.dog.get_absolute_url()).content.decode()
    client.force_login(make_staff())
    staff_page = client.get(photo.dog.get_absolute_url()).content.decode()

    for page in (owner_page, staff_page):
        sources = re.findall(r'<img[^>]+src="([^"]+)"', page)
        assert sources and original not in sources
        assert f'href="{original}"' in page, "the original stays downloadable"


def test_the_original_is_downloadable_by_its_owner_and_staff_only(owner_client, client):
    data = heic()
    owner_client.post(
        reverse("dogs:create"), {"name": "Rex", "sex": "male", "photos": [SimpleUploadedFile("a.heic", data)]}
    )
    url = reverse("dogs:photo_image", args=[DogPhoto.objects.get().pk])

    mine = owner_client.get(url)
    assert mine.status_code == 200 and b"".join(mine.streaming_content) == data
    client.force_login(make_owner("bob").user)
    assert client.get(url).status_code == 404
