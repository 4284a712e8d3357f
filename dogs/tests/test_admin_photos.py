"""Staff adding a photo in the admin take the owners' upload path: same checks, same messages, EXIF kept."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from dogs.forms import check_upload
from dogs.models import DogPhoto
from tests.factories import make_dog, make_owner
from tests.support.photos import exif_with, gps, image_bytes, make_image, png_with_header_size

pytestmark = pytest.mark.django_db

GPS = gps((52.0, 30.0, 0.0), (4.0, 15.0, 0.0), west=True)
SVG = b'<svg xmlns="http://www.w3.org/2000/svg"><rect width="9" height="9"/></svg>'
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


@pytest.fixture
def rex():
    return make_dog(make_owner("ana"), "Rex", index=False)


def add_in_admin(admin_client, dog, upload, **fields):
    data = {"dog": dog.pk, "image": upload, "taken_at_0": "", "taken_at_1": "", "latitude": "", "longitude": ""}
    return admin_client.post(reverse("admin:dogs_dogphoto_add"), {**data, **fields})


def jpeg(name: str, **exif) -> SimpleUploadedFile:
    params = {"exif": exif_with(**exif)} if exif else {}
    return SimpleUploadedFile(name, image_bytes(make_image(5), "JPEG", **params), "image/jpeg")


def owners_messages(name: str, content: bytes) -> list[str]:
    with pytest.raises(ValidationError) as refused:
        check_upload(SimpleUploadedFile(name, content))
    return refused.value.messages


@pytest.mark.parametrize(
    "name",
    ["a" * 150 + ".jpg", "Лайка у озера 🐕 — фото.jpg", "photo.html", "../../../etc/passwd", "no extension"],  # noqa: RUF001
)
def test_it_accepts_any_file_name_and_replaces_it(admin_client, rex, name):
    response = add_in_admin(admin_client, rex, jpeg(name))

    assert response.status_code == 302, response.content.decode()[:2000]
    stored = rex.photos.order_by("-pk").first().image.name
    folder, file_name = stored.rsplit("/", 1)
    assert folder == "dogs/photos" and file_name.endswith(".jpg") and len(file_name) == 36


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("huge.png", png_with_header_size(20_000, 20_000)),
        ("logo.svg", SVG),
        ("scan.pdf", PDF),
        ("page.jpg", b"<html><body>not a photo</body></html>"),
    ],
)
def test_it_refuses_what_owners_are_refused_with_the_owners_message(admin_client, rex, name, content):
    response = add_in_admin(admin_client, rex, SimpleUploadedFile(name, content))

    assert response.status_code == 200
    errors = response.context["adminform"].form.errors["image"]
    assert errors == owners_messages(name, content)
    assert "Upload a valid image" not in response.content.decode(), "not Django's generic message"
    assert rex.photos.count() == 1


def test_it_stores_the_photos_exif_date_and_place_when_staff_leave_them_empty(admin_client, rex):
    response = add_in_admin(admin_client, rex, jpeg("gps.jpg", gps=GPS, taken="2026:10:03 14:20:00"))

    assert response.status_code == 302
    photo = rex.photos.order_by("-pk").first()
    assert photo.taken_at.isoformat() == "2026-10-03T14:20:00+00:00"
    assert (round(photo.latitude, 4), round(photo.longitude, 4)) == (52.5, -4.25)


def test_what_staff_type_wins_over_the_photos_exif(admin_client, rex):
    response = add_in_admin(admin_client, rex, jpeg("gps.jpg", gps=GPS), latitude="51.0", longitude="0.1")

    assert response.status_code == 302
    assert DogPhoto.objects.order_by("-pk").values_list("latitude", "longitude").first() == (51.0, 0.1)
