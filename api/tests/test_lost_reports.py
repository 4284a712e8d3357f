"""Open lost reports, network-wide, without anything private."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from reunions.models import LostReport
from tests.factories import make_dog, make_owner

pytestmark = pytest.mark.django_db

LOST = "/api/v1/lost-reports/"


@pytest.fixture
def lost_luna():
    owner = make_owner("ana", name="Anastasia Quill", phone="+1 555 0142", address="12 Elm St")
    luna = make_dog(owner, "Luna", seeds=(21,), breed="Border Collie", microchip="985112000")
    return LostReport.objects.create(
        dog=luna,
        lost_at=timezone.now() - timedelta(days=1),
        place="Riverside",
        latitude=52.367891,
        longitude=4.904321,
        notes="Spare key under the mat",
        public_contact="Call 0800 LUNA",
    )


def test_it_lists_open_reports_without_private_fields(api, lost_luna):
    body = api.get(LOST).json()

    [report] = body["results"]
    assert report == {
        "id": lost_luna.pk,
        "lost_on": timezone.localtime(lost_luna.lost_at).date().isoformat(),
        "place": "Riverside",
        "point": {"latitude": 52.37, "longitude": 4.9},
        "dog": {"name": "Luna", "breed": "Border Collie", "sex": "unknown", "size": "unknown", "colour": ""},
    }
    text = str(body)
    for private in ("Quill", "0142", "Elm", "key under", "985112000", "0800", "52.3678"):
        assert private not in text


def test_closed_reports_are_left_out_and_filters_apply(api, lost_luna):
    home = make_dog(make_owner("bo"), "Home again", seeds=(22,), breed="Beagle")
    LostReport.objects.create(dog=home, lost_at=timezone.now(), place="Park", closed_at=timezone.now())
    unknown = LostReport.objects.create(
        dog=make_dog(make_owner("cy"), "Cy", seeds=(23,)), lost_at=timezone.now(), place="Dock"
    )

    everything = [r["id"] for r in api.get(LOST).json()["results"]]
    collies = [r["id"] for r in api.get(LOST, {"breed": "collie"}).json()["results"]]
    recent = [r["id"] for r in api.get(LOST, {"lost_after": timezone.localdate().isoformat()}).json()["results"]]

    assert everything == [unknown.pk, lost_luna.pk]
    assert collies == [unknown.pk, lost_luna.pk], "a dog of unknown breed is never left out"
    assert recent == [unknown.pk]
    assert api.get(f"{LOST}{lost_luna.pk}/").json()["dog"]["name"] == "Luna"
