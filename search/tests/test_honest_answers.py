"""Staff photo search tells the truth about weak results: labels in words, contacts only where earned.

Run with the bundled EfficientNet-Lite0 (real ImageNet weights) on Debian's darknet photos, at its
measured thresholds: the random-weight test CLIP could not tell a giraffe from a dog.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.core.files import File
from django.urls import reverse

from dogs.forms import check_upload
from dogs.models import ContactView, Dog
from dogs.services import register_dog
from tests.factories import make_owner, make_staff
from tests.support.photos import image_bytes
from tests.support.sample_photos import finders_copy, sample_photos_dir
from worker.loop import drain

pytestmark = pytest.mark.django_db

SEARCH = reverse("search:find_owner")


@pytest.fixture
def registered(bundled_model):
    """Three owners' dogs, each one of darknet's photos: the dog, the horses and the eagle."""
    dogs = {}
    for number, scene in enumerate(("dog", "horses", "eagle")):
        owner = make_owner(f"owner{number}", phone=f"+1 555 010{number}", email=f"owner{number}@example.com")
        with (sample_photos_dir() / f"{scene}.jpg").open("rb") as handle:
            dog = Dog(name=f"Pet {scene}")
            register_dog(dog, owner, [check_upload(File(handle, name=f"{scene}.jpg"))])
        dogs[scene] = dog
    drain()
    return dogs


@pytest.fixture
def staff_client(client):
    client.force_login(make_staff())
    return client


def upload(path: Path, *, altered: bool = False):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    with Image.open(path) as image:
        picture = image.convert("RGB")
    if altered:  # someone else's photo of it: cropped, mirrored, smaller, recompressed
        picture = finders_copy(picture)
    return SimpleUploadedFile(path.name, image_bytes(picture, "JPEG"), "image/jpeg")


def cards(html: str) -> list[str]:
    return html.split('<li class="card result strength-')[1:]


def test_an_unrelated_photo_gets_no_likely_match_and_no_contact(staff_client, registered):
    response = staff_client.post(SEARCH, {"photo": upload(sample_photos_dir() / "giraffe.jpg")})

    html = response.content.decode()
    assert response.status_code == 200
    assert "No likely match" in html
    assert html.index("No likely match") < html.index('<details class="unlikely">'), "the answer comes first"
    assert len(cards(html)) == 3 and all(card.startswith("unlikely") for card in cards(html))
    for secret in ("+1 555 010", "@example.com"):
        assert secret not in html
    assert not ContactView.objects.exists(), "no contact was shown, so none was logged"


@pytest.mark.parametrize("altered", [False, True], ids=["exact copy", "altered copy"])
def test_a_copy_of_a_registered_photo_is_a_likely_match_with_the_owners_contact(staff_client, registered, altered):
    response = staff_client.post(SEARCH, {"photo": upload(sample_photos_dir() / "dog.jpg", altered=altered)})

    html = response.content.decode()
    first, *others = cards(html)
    assert first.startswith("likely") and "Likely match</strong>" in first
    assert "Pet dog" in first and "+1 555 0100" in first and "owner0@example.com" in first
    assert "No likely match" not in html
    assert all("@example.com" not in card for card in others)
    owner = registered["dog"].owner
    logged = ContactView.objects.get()
    assert (logged.owner, logged.reason, logged.page) == (owner, "Likely match", SEARCH)


def test_the_contact_of_an_unlikely_match_is_shown_only_when_asked_and_that_is_logged(staff_client, registered):
    html = staff_client.post(SEARCH, {"photo": upload(sample_photos_dir() / "giraffe.jpg")}).content.decode()
    eagle = registered["eagle"]
    assert reverse("dogs:contact", args=[eagle.pk]) in html

    shown = staff_client.post(reverse("dogs:contact", args=[eagle.pk]), {"page": SEARCH})

    assert shown.status_code == 200
    assert eagle.owner.phone in shown.content.decode() and eagle.owner.email in shown.content.decode()
    logged = ContactView.objects.get()
    assert (logged.owner, logged.reason, logged.page) == (eagle.owner, "asked for: unlikely match", SEARCH)


def test_owners_cannot_ask_for_a_contact(client, registered):
    client.force_login(make_owner("nosy").user)

    response = client.post(reverse("dogs:contact", args=[registered["eagle"].pk]), {"page": SEARCH})

    assert response.status_code == 403
    assert not ContactView.objects.exists()


def test_labels_without_measured_thresholds_are_called_uncalibrated(staff_client, settings, client):
    settings.MATCH_THRESHOLDS = {}

    html = staff_client.get(SEARCH).content.decode()

    assert "not calibrated for the model in use" in html and "evaluate_matching" in html
    health = client.get(reverse("health")).json()["matching"]
    assert health["calibrated"] is False
    assert (health["likely"], health["possible"]) == (0.85, 0.75)


def test_measured_thresholds_need_no_warning(staff_client, bundled_model, client):
    assert "not calibrated" not in staff_client.get(SEARCH).content.decode()
    health = client.get(reverse("health")).json()["matching"]
    assert health == {"model": "efficientnet-lite0@pool", "calibrated": True, "likely": 0.619, "possible": 0.618}


def test_the_labels_come_in_three_bands(settings):
    from search.labels import Strength, thresholds

    settings.MATCH_THRESHOLD, settings.MATCH_POSSIBLE_THRESHOLD = 0.8, 0.6
    limits = thresholds()

    assert [limits.strength(s) for s in (0.95, 0.8, 0.7, 0.6, 0.59)] == [
        Strength.LIKELY,
        Strength.LIKELY,
        Strength.POSSIBLE,
        Strength.POSSIBLE,
        Strength.UNLIKELY,
    ]
    assert limits.strength(0.1, microchip=True) == Strength.CERTAIN
    assert re.fullmatch(r"[A-Z][a-z ]+", str(Strength.POSSIBLE.label))
