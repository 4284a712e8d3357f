from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from PIL import ExifTags

from dogs.forms import check_upload
from dogs.services import add_photos
from reunions.models import LostReport
from tests.factories import make_dog, make_owner
from tests.support.photos import exif_with, image_bytes, make_image, served_image

pytestmark = pytest.mark.django_db


def test_it_shows_only_what_the_owner_chose(client, lost_luna):
    html = client.get(reverse("public:lost_detail", args=[lost_luna.pk])).content.decode()

    assert "Lost dog: Luna" in html
    assert "Border Collie · Female · black and white" in html
    assert "Riverside" in html and "52.37" in html and "4.90" in html
    assert "Call 0800 LUNA" in html
    assert reverse("public:lost_photo", args=[lost_luna.dog.photos.get().pk]) in html
    for secret in ("Anastasia", "Quill", "anastasia@", "0142", "Springfield", "52.3678", "4.9043", "spare key"):
        assert secret not in html, secret


def test_it_hides_the_microchip(client):
    dog = make_dog(make_owner("bob"), "Rex", seeds=(31,), microchip="985112345678901")
    report = LostReport.objects.create(dog=dog, lost_at=timezone.now(), place="Park", public=True)

    html = client.get(reverse("public:lost_detail", args=[report.pk])).content.decode()

    assert "Rex" in html and "985112345678901" not in html


def test_it_is_404_unless_public_and_open(client, lost_luna):
    photo = lost_luna.dog.photos.get()
    LostReport.objects.filter(pk=lost_luna.pk).update(public=False)
    assert client.get(reverse("public:lost_detail", args=[lost_luna.pk])).status_code == 404
    assert client.get(reverse("public:lost_photo", args=[photo.pk])).status_code == 404

    LostReport.objects.filter(pk=lost_luna.pk).update(public=True)
    assert client.get(reverse("public:lost_photo", args=[photo.pk])).status_code == 200

    client.force_login(lost_luna.dog.owner.user)
    client.post(reverse("reunions:lost_home", args=[lost_luna.pk]))
    client.logout()
    assert client.get(reverse("public:lost_detail", args=[lost_luna.pk])).status_code == 404
    assert client.get(reverse("public:lost_photo", args=[photo.pk])).status_code == 404


def test_other_dogs_photos_are_404(client, lost_luna):
    other = make_dog(make_owner("carol"), "Max", seeds=(40,))

    assert client.get(reverse("public:lost_photo", args=[other.photos.get().pk])).status_code == 404


def test_its_photos_carry_no_exif(client, lost_luna):
    gps = {
        ExifTags.GPS.GPSLatitudeRef: "N",
        ExifTags.GPS.GPSLatitude: (52.0, 22.0, 4.4),
        ExifTags.GPS.GPSLongitudeRef: "E",
        ExifTags.GPS.GPSLongitude: (4.0, 54.0, 15.5),
    }
    upload = SimpleUploadedFile(
        "home.jpg", image_bytes(make_image(22), "JPEG", exif=exif_with(gps=gps, taken="2026:01:01 10:00:00"))
    )
    photo = add_photos(lost_luna.dog, [check_upload(upload)])[0]
    assert photo.latitude is not None

    response = client.get(reverse("public:lost_photo", args=[photo.pk]))

    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    served = served_image(response)
    assert not served.getexif() and "exif" not in served.info


def test_it_has_share_tags_and_structured_data(client, lost_luna):
    html = client.get(reverse("public:lost_detail", args=[lost_luna.pk])).content.decode()

    url = f"https://reunite.example.org{reverse('public:lost_detail', args=[lost_luna.pk])}"
    image = f"https://reunite.example.org{reverse('public:lost_photo', args=[lost_luna.dog.photos.get().pk])}"
    assert f'<meta property="og:url" content="{url}">' in html
    assert f'<meta property="og:image" content="{image}">' in html
    assert '<meta property="og:title" content="Lost dog: Luna">' in html
    assert '<meta name="twitter:card" content="summary_large_image">' in html
    assert '<script type="application/ld+json">' in html and '"latitude": 52.37' in html


def test_the_owner_makes_the_page_public_with_a_contact(client, luna):
    client.force_login(luna.owner.user)
    client.post(
        reverse("reunions:lost_create", args=[luna.pk]),
        {"lost_at": "2026-11-01T10:00", "place": "Park", "public": "on", "public_contact": "luna@example.org"},
    )
    report = LostReport.objects.get()
    assert report.public and report.public_contact == "luna@example.org"

    response = client.post(reverse("public:lost_share", args=[report.pk]), {"public_contact": "0800 1234"})

    report.refresh_from_db()
    assert response.status_code == 302 and not report.public and report.public_contact == "0800 1234"
    assert client.get(reverse("public:lost_detail", args=[report.pk])).status_code == 404


def test_only_the_owner_changes_the_sharing(client, lost_luna):
    client.force_login(make_owner("mallory").user)

    response = client.post(reverse("public:lost_share", args=[lost_luna.pk]), {"public_contact": "x"})

    lost_luna.refresh_from_db()
    assert response.status_code == 404 and lost_luna.public and lost_luna.public_contact == "Call 0800 LUNA"
