""" "Download my data": a zip of the owner's own data as JSON and their photo files, nobody else's."""

from __future__ import annotations

import io
import json
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from dogs.forms import check_upload
from dogs.services import log_contact_views
from public.services import create_claim
from reunions.models import LostReport
from tests.factories import make_dog, make_owner
from tests.support.photos import image_bytes, make_image

pytestmark = pytest.mark.django_db


def download(client) -> zipfile.ZipFile:
    response = client.get(reverse("download_data"))
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    assert 'filename="reunite-my-data.zip"' in response["Content-Disposition"]
    assert response["Cache-Control"] == "private, no-store"
    return zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))


def test_it_gives_the_owner_their_data_and_photos(client, staff, record_found):
    ana = make_owner("ana", name="Ana Pérez", email="ana@example.com", phone="+34 600")
    rex = make_dog(ana, "Rex", seeds=(1, 2), microchip="985112000000123")
    LostReport.objects.create(dog=rex, lost_at=timezone.now(), place="Riverside", public_contact="call 600")
    upload = SimpleUploadedFile("mine.jpg", image_bytes(make_image(41)), "image/jpeg")
    create_claim(ana, record_found(seeds=(40,)), "White tip on her tail", checked=check_upload(upload)[1])
    log_contact_views(staff, [(ana, "the dog's page")], f"/dogs/{rex.pk}/")
    client.force_login(ana.user)

    bundle = download(client)

    data = json.loads(bundle.read("data.json"))
    assert data["account"] == [data["account"][0]] and data["account"][0]["username"] == "ana"
    assert (data["account"][0]["name"], data["account"][0]["phone"]) == ("Ana Pérez", "+34 600")
    assert [(d["name"], d["microchip"]) for d in data["dogs"]] == [("Rex", "985112000000123")]
    assert [r["place"] for r in data["lost_reports"]] == ["Riverside"]
    assert [c["message"] for c in data["claims"]] == ["White tip on her tail"]
    assert [v["page"] for v in data["contact_views"]] == [f"/dogs/{rex.pk}/"]
    assert "sam" not in json.dumps(data["contact_views"]), "which staff member is not the owner's data"
    names = set(bundle.namelist())
    assert {p["file"] for p in data["photos"]} | {data["claims"][0]["uploaded_photo"]} | {"data.json"} == names
    for photo in rex.photos.all():
        with photo.image.open("rb") as handle:
            assert bundle.read(f"photos/dog-{rex.pk}/{photo.image.name.rsplit('/', 1)[-1]}") == handle.read()


def test_it_holds_nothing_of_another_owner(client):
    make_dog(make_owner("bob", name="Bob Secret"), "Bobs Dog", seeds=(5,))
    client.force_login(make_owner("ana").user)

    bundle = download(client)

    data = json.loads(bundle.read("data.json"))
    assert data["dogs"] == [] and data["photos"] == [] and bundle.namelist() == ["data.json"]
    assert "Bob" not in bundle.read("data.json").decode()


def test_it_is_for_logged_in_owners_only(client):
    response = client.get(reverse("download_data"))

    assert response.status_code == 302 and response.url.startswith(reverse("login"))
