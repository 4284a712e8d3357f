from __future__ import annotations

import pytest
from django.urls import reverse

from dogs.models import ContactView, Dog, DogPhoto
from reunions.models import FoundReport, LostReport, Reunion
from search.backends.base import SearchFilters
from search.embeddings import active_model_name
from search.index import get_index
from tests.factories import make_dog, make_owner
from tests.support.photos import photo_upload, served_image

pytestmark = pytest.mark.django_db


@pytest.fixture
def lost_dog(report_lost):
    dog = make_dog(make_owner("ana", email="ana@example.com", phone="+1 555 0142"), "Luna", seeds=(21,))
    report_lost(dog)
    return dog


def test_confirming_a_match_records_the_reunion_and_closes_everything(
    client, staff, record_found, lost_dog, run_worker
):
    from reunions.models import Claim

    found = record_found(seeds=(21, 22))
    Claim.objects.create(owner=lost_dog.owner, found_report=found, dog_photo=lost_dog.photos.get(), message="Mine!")
    client.force_login(staff)

    response = client.post(
        reverse("reunions:review", args=[found.pk, lost_dog.pk]), {"decision": "confirm", "notes": "Chip read at desk"}
    )

    assert response.status_code == 302
    reunion = Reunion.objects.get()
    assert (reunion.dog, reunion.found_report, reunion.confirmed_by, reunion.notes) == (
        lost_dog,
        found,
        staff,
        "Chip read at desk",
    )
    found.refresh_from_db()
    lost_dog.refresh_from_db()
    assert found.status == FoundReport.Status.REUNITED and found.closed_at
    assert not LostReport.objects.open().exists()
    assert lost_dog.status == Dog.Status.HOME
    assert lost_dog.photos.count() == 3, "the shelter's two photos are now the dog's references too"
    assert not found.claims.filter(status="open").exists()
    new_photo = lost_dog.photos.order_by("-pk").first()
    assert new_photo.image.name != found.dog.photos.first().image.name
    run_worker()
    hits = get_index().search(new_photo.vector, 5, active_model_name(), SearchFilters(kinds=("registered",)))
    assert {h.photo_id for h in hits} >= {p.pk for p in lost_dog.photos.all()}


def test_the_dashboard_shows_expiring_holds_first_and_the_counts(client, staff, record_found, lost_dog):
    later = record_found(seeds=(31,), days_ago=0, name="Later")
    sooner = record_found(seeds=(32,), days_ago=4, name="Sooner")
    client.force_login(staff)

    html = client.get(reverse("reunions:dashboard")).content.decode()

    assert html.index("Sooner") < html.index("Later")
    assert "1 day left" in html and "5 days left" in html
    assert "Luna" in html, "a lost dog without matches"
    assert later.pk and sooner.pk


def test_the_return_to_owner_rate(client, staff, record_found, lost_dog):
    found = record_found(seeds=(21,))
    record_found(seeds=(40,))
    client.force_login(staff)
    client.post(reverse("reunions:review", args=[found.pk, lost_dog.pk]), {"decision": "confirm"})

    html = client.get(reverse("reunions:dashboard")).content.decode()

    assert "50%" in html
    assert "Luna went home" in html


def test_staff_views_of_owner_contacts_are_logged(client, staff, record_found, lost_dog):
    found = record_found(seeds=(21,))
    client.force_login(staff)

    client.get(reverse("reunions:found_detail", args=[found.pk]))
    client.post(reverse("search:find_owner"), {"photo": photo_upload(21)})
    client.get(reverse("dogs:detail", args=[lost_dog.pk]))

    pages = sorted(ContactView.objects.filter(owner=lost_dog.owner, viewer=staff).values_list("page", flat=True))
    assert pages == sorted(
        [
            reverse("reunions:found_detail", args=[found.pk]),
            reverse("search:find_owner"),
            reverse("dogs:detail", args=[lost_dog.pk]),
        ]
    )


def test_owners_cannot_open_staff_pages(client, record_found, lost_dog):
    found = record_found(seeds=(50,))
    client.force_login(lost_dog.owner.user)

    for url in (
        reverse("reunions:dashboard"),
        reverse("reunions:found_create"),
        reverse("reunions:found_detail", args=[found.pk]),
    ):
        assert client.get(url).status_code == 403
    assert (
        client.post(reverse("reunions:review", args=[found.pk, lost_dog.pk]), {"decision": "confirm"}).status_code
        == 403
    )
    assert not Reunion.objects.exists()


def test_staff_record_a_found_dog_through_the_form(client, staff, shelter):
    client.force_login(staff)

    response = client.post(
        reverse("reunions:found_create"),
        {
            "dog-name": "Kennel 4",
            "dog-breed": "Husky",
            "dog-sex": "male",
            "dog-size": "large",
            "dog-colour": "grey",
            "dog-microchip": "",
            "dog-notes": "",
            "dog-photos": [photo_upload(60)],
            "report-shelter": shelter.pk,
            "report-found_at": "2026-11-20T09:30",
            "report-place": "Harbour",
            "report-latitude": "52.1",
            "report-longitude": "4.3",
            "report-hold_until": "",
            "report-notes": "",
        },
    )

    found = FoundReport.objects.get()
    assert response.status_code == 302 and response.url == found.get_absolute_url()
    assert found.hold_until.isoformat() == "2026-11-25", "the shelter's 5-day default hold"
    assert found.dog.kind == Dog.Kind.FOUND and found.dog.photos.count() == 1 and found.recorded_by == staff


def test_a_lost_report_needs_both_coordinates_or_none(client, lost_dog):
    client.force_login(lost_dog.owner.user)

    response = client.post(
        reverse("reunions:lost_create", args=[lost_dog.pk]),
        {"lost_at": "2026-11-01T10:00", "place": "Park", "latitude": "52.1"},
    )

    assert response.status_code == 200
    assert "Give both latitude and longitude" in response.content.decode()


def test_the_owner_marks_the_dog_home(client, lost_dog):
    client.force_login(lost_dog.owner.user)
    report = lost_dog.lost_reports.get()

    client.post(reverse("reunions:lost_home", args=[report.pk]))

    report.refresh_from_db()
    lost_dog.refresh_from_db()
    assert report.closed_at and lost_dog.status == Dog.Status.HOME


def test_found_dog_photos_are_served_without_exif(client, record_found):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import ExifTags

    from dogs.forms import check_upload
    from tests.support.photos import exif_with, image_bytes, make_image

    found = record_found(seeds=(70,))
    gps = {
        ExifTags.GPS.GPSLatitudeRef: "N",
        ExifTags.GPS.GPSLatitude: (52.0, 1.0, 2.0),
        ExifTags.GPS.GPSLongitudeRef: "E",
        ExifTags.GPS.GPSLongitude: (4.0, 1.0, 2.0),
    }
    upload = SimpleUploadedFile(
        "gps.jpg", image_bytes(make_image(71), "JPEG", exif=exif_with(gps=gps, taken="2026:01:01 10:00:00"))
    )
    from dogs.services import add_photos

    photo = add_photos(found.dog, [check_upload(upload)])[0]
    assert photo.latitude is not None

    response = client.get(reverse("reunions:found_photo", args=[photo.pk]))

    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    served = served_image(response)
    assert not served.getexif() and "exif" not in served.info
    assert DogPhoto.objects.filter(pk=photo.pk).exists()
