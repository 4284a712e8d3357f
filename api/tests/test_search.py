"""Search by photo through the API: the staff search's labels, network-wide, nothing stored."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from dogs.models import ContactView, Dog, DogPhoto
from tests.factories import make_dog, make_owner, make_shelter, make_staff
from tests.support.photos import photo_upload

from .conftest import error

pytestmark = pytest.mark.django_db

SEARCH = "/api/v1/search/"


def test_it_finds_owners_registered_through_any_shelter_and_stores_nothing(api, shelter, settings):
    make_shelter("Southside Shelter", members=[make_staff("tess")])
    luna = make_dog(make_owner("ana", name="Anastasia Quill"), "Luna", seeds=(21,))
    make_dog(make_owner("bo"), "Bo", seeds=(22,))
    photos_before = set(DogPhoto.objects.values_list("pk", flat=True))

    body = api.post(SEARCH, {"photo": photo_upload(21)}, format="multipart").json()

    first = body["results"][0]
    assert (first["dog"]["id"], first["label"], first["owner"]["name"]) == (luna.pk, "likely", "Anastasia Quill")
    assert all(r["owner"] is None for r in body["results"] if r["label"] == "unlikely")
    assert set(DogPhoto.objects.values_list("pk", flat=True)) == photos_before and Dog.objects.count() == 2
    view = ContactView.objects.get()
    assert (view.owner, view.shelter, view.reason) == (luna.owner, shelter, "Likely match")


def test_the_breed_filter_keeps_unknown_breeds(api):
    make_dog(make_owner("ana"), "Luna", seeds=(21,), breed="Border Collie")
    make_dog(make_owner("bo"), "Bo", seeds=(22,), breed="")
    make_dog(make_owner("cy"), "Cy", seeds=(23,), breed="Beagle")

    body = api.post(SEARCH, {"photo": photo_upload(21), "breed": "collie"}, format="multipart").json()

    assert {r["dog"]["name"] for r in body["results"]} == {"Luna", "Bo"}


def test_a_file_that_is_no_photo_gets_the_search_pages_message(api):
    response = api.post(SEARCH, {"photo": SimpleUploadedFile("notes.jpg", b"my notes")}, format="multipart")

    assert response.status_code == 400
    assert error(response)["fields"]["photo"] == [
        "This file is not a supported image. Please upload a photo in JPEG, PNG, WebP, GIF, BMP, HEIC or TIFF format."
    ]


def test_a_search_without_a_photo_is_a_400(api):
    response = api.post(SEARCH, {}, format="multipart")

    assert response.status_code == 400 and error(response)["fields"]["photo"] == ["This field is required."]
