"""List pages make the same number of queries for two rows as for six: no query per row."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from dogs.models import Dog
from reunions.models import Claim, FoundReport, LostReport, MatchCandidate, Shelter
from tests.factories import make_dog, make_owner, make_staff
from tests.support.photos import photo_upload

pytestmark = pytest.mark.django_db


def queries(client, url: str, method: str = "get", **data) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = getattr(client, method)(url, data)
    assert response.status_code == 200, response.content.decode()[:500]
    return len(captured)


def found_report(shelter: Shelter, name: str, **dog_fields) -> FoundReport:
    now = timezone.now()
    return FoundReport.objects.create(
        dog=make_dog(None, name, seeds=(hash(name) % 1000,), kind=Dog.Kind.FOUND, **dog_fields),
        shelter=shelter,
        found_at=now,
        place="Harbour",
        hold_until=now.date() + timedelta(days=5),
    )


@pytest.fixture
def shelter():
    return Shelter.objects.create(name="Northside", phone="+1 555 0199", email="desk@northside.example")


@pytest.fixture
def staff_client(client, shelter):
    client.force_login(make_staff(shelters=[shelter]))
    return client


def add_dashboard_rows(shelter: Shelter, start: int, count: int) -> None:
    for n in range(start, start + count):
        owner = make_owner(f"owner{n}")
        dog = make_dog(owner, f"Lost {n}", seeds=(400 + n,))
        LostReport.objects.create(dog=dog, lost_at=timezone.now() - timedelta(days=1), place="Riverside")
        found = found_report(shelter, f"Found {n}")
        MatchCandidate.objects.create(found_report=found, dog=dog, score=0.9)
        Claim.objects.create(owner=owner, found_report=found, message="Mine", dog_photo=dog.photos.get())
        Dog.objects.create(owner=owner, name=f"Unmatched {n}", status=Dog.Status.LOST)
        LostReport.objects.create(dog=Dog.objects.get(name=f"Unmatched {n}"), lost_at=timezone.now(), place="Park")


def test_the_dashboard(staff_client, shelter):
    add_dashboard_rows(shelter, 0, 2)
    few = queries(staff_client, reverse("reunions:dashboard"))
    add_dashboard_rows(shelter, 2, 4)

    assert queries(staff_client, reverse("reunions:dashboard")) == few


def test_the_staff_photo_search(staff_client):
    for n in range(2):
        make_dog(make_owner(f"owner{n}"), f"Dog {n}", seeds=(500 + n,))
    few = queries(staff_client, reverse("search:find_owner"), "post", photo=photo_upload(500))
    for n in range(2, 6):
        make_dog(make_owner(f"owner{n}"), f"Dog {n}", seeds=(500 + n,))

    assert queries(staff_client, reverse("search:find_owner"), "post", photo=photo_upload(500)) == few


def test_the_found_dog_page(staff_client, shelter, settings):
    settings.MATCH_THRESHOLD = -1.0  # every candidate shown with its contact
    found = found_report(shelter, "Found", breed="Collie")
    for n in range(2):
        make_dog(make_owner(f"owner{n}"), f"Dog {n}", seeds=(600 + n,))
    few = queries(staff_client, found.get_absolute_url())
    for n in range(2, 6):
        dog = make_dog(make_owner(f"owner{n}"), f"Dog {n}", seeds=(600 + n,))
        LostReport.objects.create(dog=dog, lost_at=timezone.now(), place="Park")

    assert queries(staff_client, found.get_absolute_url()) == few


def test_the_owners_pages(client, shelter):
    owner = make_owner("ana")
    client.force_login(owner.user)

    def grow(start: int, count: int) -> None:
        for n in range(start, start + count):
            dog = make_dog(owner, f"Dog {n}", seeds=(700 + n, 800 + n))
            LostReport.objects.create(dog=dog, lost_at=timezone.now(), place="Park", public=True)
            Claim.objects.create(owner=owner, found_report=found_report(shelter, f"Found {n}"), message="Mine")

    grow(0, 2)
    dog = Dog.objects.filter(owner=owner).first()
    pages = [reverse("dogs:my_dogs"), reverse("public:mine"), reverse("public:found_list"), dog.get_absolute_url()]
    few = {page: queries(client, page) for page in pages}
    grow(2, 4)

    assert {page: queries(client, page) for page in pages} == few
