"""Intake through the API: the intake page's checks and messages, then the worker looks for the owner."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from dogs.models import Dog, DogPhoto
from reunions.models import FoundReport, MatchCandidate
from reunions.tests.test_honest_filters import FINDER, gps_photo
from tests.factories import make_dog, make_owner, make_staff
from tests.support.photos import image_bytes, make_image, photo_upload, png_with_header_size

from .conftest import error

pytestmark = pytest.mark.django_db

FOUND_DOGS = "/api/v1/found-dogs/"
REFUSED = {
    "notes.jpg": b"these are my notes, not a photo",
    "logo.svg": b'<svg xmlns="http://www.w3.org/2000/svg"><rect width="9" height="9"/></svg>',
    "bomb.png": png_with_header_size(30_000, 30_000),
    "half.jpg": image_bytes(make_image(9))[:600],
}


def record(api, photos, **fields):
    data = {"name": "Harbour dog", "place": "Harbour", "found_at": "2026-11-30T08:15:00Z", **fields}
    return api.post(FOUND_DOGS, {**data, "photos": photos}, format="multipart")


def test_it_records_a_found_dog_for_the_keys_shelter_and_the_worker_finds_its_owner(api, shelter, run_worker):
    luna = make_dog(make_owner("ana"), "Luna", seeds=(21,))

    response = record(api, [photo_upload(21), photo_upload(22)], breed="Collie", sex="female")

    assert response.status_code == 201, response.content
    body = response.json()
    report = FoundReport.objects.get(pk=body["id"])
    assert (report.shelter, report.place, report.recorded_by) == (shelter, "Harbour", None)
    assert report.found_at == datetime(2026, 11, 30, 8, 15, tzinfo=UTC)
    assert body["hold_until"] == "2026-12-05", "the shelter's 5 days from the day found"
    assert (body["dog"]["breed"], body["dog"]["sex"], body["dog"]["size"], body["photo_count"]) == (
        "Collie",
        "female",
        "unknown",
        2,
    )
    run_worker()
    assert MatchCandidate.objects.get(found_report=report).dog == luna


def test_an_empty_date_and_place_come_from_the_photo(api):
    response = record(api, [gps_photo(30)], found_at="")

    report = FoundReport.objects.get()
    assert response.status_code == 201 and response.json()["from_photo"] == "date and place"
    assert report.found_at == datetime(2026, 11, 30, 8, 15, tzinfo=UTC)
    assert (round(report.latitude, 4), round(report.longitude, 4)) == FINDER


def test_the_dogs_notes_and_the_findings_notes_are_kept_apart(api):
    record(api, [photo_upload(3)], dog_notes="Scar on the left ear", notes="Brought in by a jogger")

    report = FoundReport.objects.select_related("dog").get()
    assert (report.dog.notes, report.notes) == ("Scar on the left ear", "Brought in by a jogger")


@pytest.mark.parametrize("name", REFUSED)
def test_a_refused_photo_gets_the_intake_pages_message_and_nothing_is_stored(api, shelter, client, name):
    response = record(api, [SimpleUploadedFile(name, REFUSED[name])])

    assert response.status_code == 400
    [message] = error(response)["fields"]["photos"]
    assert message.startswith(f"{name}: ")
    client.force_login(make_staff("sam", shelters=[shelter]))
    page = client.post(
        reverse("reunions:found_create"),
        {"dog-name": "Harbour dog", "dog-photos": [SimpleUploadedFile(name, REFUSED[name])], "report-place": "Harbour"},
    )
    assert message in page.content.decode().replace("&#x27;", "'"), "the same words as the page"
    assert not Dog.objects.exists() and not DogPhoto.objects.exists()


def test_every_missing_or_wrong_field_is_named_at_once(api):
    response = api.post(FOUND_DOGS, {"found_at": "2999-01-01T00:00:00Z", "latitude": "91"}, format="multipart")

    fields = error(response)["fields"]
    assert response.status_code == 400
    assert set(fields) >= {"photos", "name", "place", "found_at", "latitude"}
    assert fields["found_at"] == ["The date found cannot be in the future."]
    assert not FoundReport.objects.exists()


def test_more_photos_than_a_form_takes_are_refused_with_the_forms_words(api, settings):
    response = record(api, [photo_upload(n) for n in range(settings.PHOTOS_PER_FORM + 1)])

    assert response.status_code == 400
    assert error(response)["fields"]["photos"] == [f"Upload at most {settings.PHOTOS_PER_FORM} photos at a time."]
