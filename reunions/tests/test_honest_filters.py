"""Filters mean the same everywhere, the found photo's EXIF is used, and owners learn no more of a place than anyone."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from PIL import ExifTags

from dogs.models import Dog
from reunions.matching import MatchFilters, rank_dogs_for_found, rank_found_for_lost
from reunions.models import FoundReport, LostReport, MatchCandidate
from search.backends.base import SearchFilters
from search.services import find_matching_dogs_by_vector
from tests.factories import make_dog, make_owner
from tests.support.photos import exif_with, image_bytes, make_image

pytestmark = pytest.mark.django_db

# Where the finder stood, as their phone wrote it: 52.3712 N, 4.9012 E (Amsterdam).
FINDER = (52.3712, 4.9012)
LAST_SEEN_NEARBY = (52.40, 4.95)  # about 5 km away
LAST_SEEN_FAR = (52.09, 5.12)  # Utrecht, about 35 km away


def dms(value: float) -> tuple[float, float, float]:
    degrees = int(value)
    minutes = (value - degrees) * 60
    return (float(degrees), float(int(minutes)), round((minutes - int(minutes)) * 60, 4))


def gps_photo(seed: int, point=FINDER, taken: str | None = "2026:11:30 08:15:00") -> SimpleUploadedFile:
    gps = {
        ExifTags.GPS.GPSLatitudeRef: "N",
        ExifTags.GPS.GPSLatitude: dms(point[0]),
        ExifTags.GPS.GPSLongitudeRef: "E",
        ExifTags.GPS.GPSLongitude: dms(point[1]),
    }
    data = image_bytes(make_image(seed), "JPEG", exif=exif_with(gps=gps, taken=taken, offset="+00:00"))
    return SimpleUploadedFile(f"found-{seed}.jpg", data, "image/jpeg")


def intake(client, shelter, photo, **report):
    data = {
        "dog-name": "Harbour dog",
        "dog-sex": "unknown",
        "dog-size": "unknown",
        "dog-photos": [photo],
        "report-shelter": shelter.pk,
        "report-place": "Harbour",
        **{f"report-{key}": value for key, value in report.items()},
    }
    return client.post(reverse("reunions:found_create"), data, follow=True)


def test_an_empty_date_and_place_at_intake_come_from_the_photo(client, staff, shelter, run_worker):
    client.force_login(staff)

    response = intake(client, shelter, gps_photo(30))

    report = FoundReport.objects.get()
    assert report.found_at == datetime(2026, 11, 30, 8, 15, tzinfo=UTC)
    assert (round(report.latitude, 4), round(report.longitude, 4)) == FINDER
    assert report.from_photo == "date and place"
    assert "The date and place came from the photo." in response.content.decode()
    assert report.hold_until == (report.found_at + timedelta(days=shelter.stray_hold_days)).date()
    assert "from the photo's EXIF" in client.get(report.get_absolute_url()).content.decode()


def test_what_staff_typed_wins_over_the_photo(client, staff, shelter):
    client.force_login(staff)

    intake(client, shelter, gps_photo(31), found_at="2026-11-29T10:00", latitude="51.0", longitude="4.0")

    report = FoundReport.objects.get()
    assert (report.found_at.date().isoformat(), report.latitude, report.longitude) == ("2026-11-29", 51.0, 4.0)
    assert report.from_photo == ""


def test_a_photo_without_a_date_needs_the_date_typed(client, staff, shelter):
    client.force_login(staff)

    response = intake(client, shelter, gps_photo(32, taken=None))

    assert "Give the date found: the photo does not say when it was taken." in response.content.decode()
    assert not FoundReport.objects.exists() and not Dog.objects.exists()


def test_a_gps_tagged_found_photo_is_found_within_10_km_of_the_lost_dog(
    client, staff, shelter, index_backend, run_worker
):
    owner = make_owner("ana")
    nearby, far = make_dog(owner, "Luna", seeds=(30,)), make_dog(owner, "Max", seeds=(30,))
    lost_nearby = LostReport.objects.create(
        dog=nearby, lost_at=timezone.now(), place="Park", latitude=LAST_SEEN_NEARBY[0], longitude=LAST_SEEN_NEARBY[1]
    )
    lost_far = LostReport.objects.create(
        dog=far, lost_at=timezone.now(), place="Utrecht", latitude=LAST_SEEN_FAR[0], longitude=LAST_SEEN_FAR[1]
    )
    client.force_login(staff)
    intake(client, shelter, gps_photo(30))  # coordinates left empty: the photo knows them
    run_worker()
    found = FoundReport.objects.get()

    within_10 = MatchFilters(radius_km=10)
    assert [c.found_report for c in rank_found_for_lost(lost_nearby, within_10)] == [found]
    assert rank_found_for_lost(lost_far, within_10) == []
    assert {c.dog for c in rank_dogs_for_found(found, within_10)} == {nearby}


def test_a_report_saved_without_coordinates_uses_its_photos_gps(record_found, index_backend):
    found = record_found(seeds=(33,))
    photo = found.dog.photos.get()
    photo.latitude, photo.longitude = FINDER
    photo.save()
    found.refresh_from_db()

    assert found.point == FINDER and found.latitude is None


def test_malamute_finds_an_alaskan_malamute_on_every_filter(client, staff, record_found, index_backend, run_worker):
    owner = make_owner("ana")
    malamute = make_dog(owner, "Koda", seeds=(40,), breed="Alaskan  Malamute")
    collie = make_dog(owner, "Bess", seeds=(41,), breed="Border Collie")
    unknown = make_dog(owner, "Mystery", seeds=(42,))
    vector = malamute.photos.get().vector

    staff_search = {m.dog for m in find_matching_dogs_by_vector(vector, filters=SearchFilters(breed="MALAMUTE"))}
    assert malamute in staff_search and collie not in staff_search and unknown in staff_search
    found = record_found(seeds=(40,), breed="Alaskan Malamute")
    review = {c.dog for c in rank_dogs_for_found(found, MatchFilters(breed="malamute"))}
    assert malamute in review and collie not in review and unknown in review
    gallery = client.get(reverse("public:found_list"), {"breed": "malamute"}).context["dogs"]
    assert [dog.pk for dog in gallery] == [found.pk]


def test_an_unknown_size_or_sex_never_leaves_a_dog_out(record_found, index_backend):
    owner = make_owner("ana")
    medium = make_dog(owner, "Medium", seeds=(50,), size="medium", sex="female")
    unknown = make_dog(owner, "Unknown", seeds=(51,))  # owners' forms left size and sex unknown
    large = make_dog(owner, "Large", seeds=(52,), size="large", sex="male")
    found = record_found(seeds=(50,))

    shown = {c.dog for c in rank_dogs_for_found(found, MatchFilters(size="medium", sex="female"))}

    assert shown == {medium, unknown} and large not in shown


def test_candidates_leave_the_review_list_once_the_dog_is_home(client, record_found, report_lost, index_backend):
    owner = make_owner("ana")
    luna = make_dog(owner, "Luna", seeds=(60,))
    lost = report_lost(luna)
    found = record_found(seeds=(60,))
    assert MatchCandidate.objects.awaiting_review().filter(dog=luna, found_report=found).exists()

    client.force_login(owner.user)
    client.post(reverse("reunions:lost_home", args=[lost.pk]))

    assert not MatchCandidate.objects.awaiting_review().filter(dog=luna).exists()
    assert MatchCandidate.objects.get(dog=luna).status == MatchCandidate.Status.WITHDRAWN


def test_owners_see_distances_only_in_bands_from_the_public_point(client, record_found, index_backend):
    """Four lost reports cannot place a found dog closer than 500 m: two points 1 km apart read alike."""
    owner = make_owner("ana")
    client.force_login(owner.user)
    first, second = (52.3662, 4.8962), (52.3742, 4.9041)  # one rounded cell (52.37, 4.90), about 1 km apart
    lookouts = [(52.36, 4.88), (52.39, 4.92), (52.35, 4.95), (52.40, 4.86)]
    pages = {}
    for true_point in (first, second):
        FoundReport.objects.all().delete()
        record_found(seeds=(70,), point=true_point)
        seen = []
        for number, lookout in enumerate(lookouts):
            dog = make_dog(owner, f"Dog {number}", seeds=(70,))
            report = LostReport.objects.create(
                dog=dog, lost_at=timezone.now(), place="Here", latitude=lookout[0], longitude=lookout[1]
            )
            html = client.get(report.get_absolute_url()).content.decode()
            seen.append([line for line in html.splitlines() if "km away" in line])
            assert " km away" in html and not re.search(r"\d\.\d km away", html), "bands, not figures"
        pages[true_point] = seen
        Dog.objects.filter(owner=owner).delete()

    assert pages[first] == pages[second], "what owners read does not depend on where exactly the dog was found"
