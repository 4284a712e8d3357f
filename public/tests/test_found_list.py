from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from PIL import ExifTags, Image

from dogs.forms import check_upload
from dogs.photos import THUMBNAIL_SIDE
from dogs.services import add_photos
from reunions.models import FoundReport
from tests.support.photos import exif_with, image_bytes, make_image

pytestmark = pytest.mark.django_db

GPS = {
    ExifTags.GPS.GPSLatitudeRef: "N",
    ExifTags.GPS.GPSLatitude: (52.0, 22.0, 4.4),
    ExifTags.GPS.GPSLongitudeRef: "E",
    ExifTags.GPS.GPSLongitude: (4.0, 54.0, 15.5),
}


def test_it_shows_found_dogs_in_care_to_anyone(client, record_found):
    found = record_found(seeds=(1,), place="Harbour", breed="Husky", sex="male", size="large", colour="grey")

    html = client.get(reverse("public:found_list")).content.decode()

    assert "Husky found near Harbour" in html
    assert "Husky · Male · Large · grey" in html
    assert "Northside Shelter" in html and "+1 555 0199" in html and "desk@northside.example" in html
    assert "5 days left" in html
    assert reverse("public:found_thumbnail", args=[found.dog.photos.get().pk]) in html


def test_it_leaks_nothing_private(client, record_found):
    record_found(
        seeds=(2,),
        place="Harbour",
        point=(52.367891, 4.904321),
        notes="Finder: Jo Bloggs, 07700 900123",
        microchip="985112345678901",
    )

    for url in (reverse("public:found_list"), reverse("public:found_detail", args=[FoundReport.objects.get().pk])):
        html = client.get(url).content.decode()
        assert "52.37" in html and "4.90" in html, "the area, rounded to about a kilometre"
        for secret in ("52.3678", "4.9043", "985112345678901", "Jo Bloggs", "07700", "wardenquimby", "shelter.example"):
            assert secret not in html, secret


def test_it_lists_only_open_found_reports(client, record_found):
    record_found(seeds=(3,), place="Harbour")
    gone = record_found(seeds=(4,), place="Old Town")
    FoundReport.objects.filter(pk=gone.pk).update(status=FoundReport.Status.REUNITED)

    html = client.get(reverse("public:found_list")).content.decode()

    assert "Harbour" in html and "Old Town" not in html
    assert client.get(reverse("public:found_detail", args=[gone.pk])).status_code == 404
    assert client.get(reverse("public:found_thumbnail", args=[gone.dog.photos.get().pk])).status_code == 404


def test_it_filters_by_date_area_and_breed(client, record_found):
    record_found(seeds=(5,), days_ago=10, place="Harbour", breed="Husky")
    record_found(seeds=(6,), days_ago=1, place="Harbour North", breed="Beagle")
    record_found(seeds=(7,), days_ago=1, place="Old Town", breed="Husky mix")
    since = (timezone.localdate() - timedelta(days=3)).isoformat()

    def titles(**params) -> list[str]:
        page = client.get(reverse("public:found_list"), params).context["dogs"]
        return sorted(dog.title for dog in page)

    assert titles(found_since=since) == ["Found Beagle near Harbour North", "Found Husky mix near Old Town"]
    assert titles(area="harbour") == ["Found Beagle near Harbour North", "Found Husky near Harbour"]
    assert titles(breed="husky") == ["Found Husky mix near Old Town", "Found Husky near Harbour"]
    assert titles(breed="husky", area="harbour", found_since=since) == []


def test_it_shows_twelve_dogs_a_page_and_keeps_the_filters(client, record_found, django_assert_max_num_queries):
    for i in range(14):
        record_found(seeds=(100 + i,), days_ago=i % 5, place="Harbour", breed="Husky")
    record_found(seeds=(200,), place="Old Town")

    with django_assert_max_num_queries(6):
        first = client.get(reverse("public:found_list"), {"area": "harbour"})
    second = client.get(reverse("public:found_list"), {"area": "harbour", "page": 2})

    assert len(first.context["dogs"]) == 12 and len(second.context["dogs"]) == 2
    assert "Page 1 of 2" in first.content.decode()
    assert "?area=harbour&amp;page=2" in first.content.decode()
    assert "?area=harbour&amp;page=1" in second.content.decode()
    assert client.get(reverse("public:found_list"), {"page": 99}).context["page"].number == 2


def test_its_thumbnails_carry_no_exif(client, record_found):
    found = record_found(seeds=(8,))
    upload = SimpleUploadedFile(
        "gps.jpg", image_bytes(make_image(9, (1600, 1200)), "JPEG", exif=exif_with(gps=GPS, taken="2026:01:01 10:00"))
    )
    photo = add_photos(found.dog, [check_upload(upload)])[0]
    assert photo.latitude is not None, "the stored original keeps its GPS for staff"

    response = client.get(reverse("public:found_thumbnail", args=[photo.pk]))

    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    assert response["X-Content-Type-Options"] == "nosniff"
    served = Image.open(io.BytesIO(b"".join(response.streaming_content)))
    assert max(served.size) == THUMBNAIL_SIDE
    assert not served.getexif() and "exif" not in served.info
    assert not served.getexif().get_ifd(ExifTags.IFD.GPSInfo)


def test_it_has_share_tags_and_structured_data(client, record_found):
    found = record_found(seeds=(10,), place="Harbour", breed="Husky")
    photo = found.dog.photos.get()

    html = client.get(reverse("public:found_detail", args=[found.pk])).content.decode()

    site = "https://reunite.example.org"
    assert f'<meta property="og:url" content="{site}{reverse("public:found_detail", args=[found.pk])}">' in html
    assert f'<meta property="og:image" content="{site}{reverse("reunions:found_photo", args=[photo.pk])}">' in html
    assert '<meta property="og:title" content="Found Husky near Harbour">' in html
    assert '<meta name="twitter:card" content="summary_large_image">' in html
    assert '<script type="application/ld+json">' in html and '"@type": "AnimalShelter"' in html
