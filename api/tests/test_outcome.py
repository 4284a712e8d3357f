"""A found dog's outcome: reunited (a confirmed reunion when the dog is given), transferred, adopted, released."""

from __future__ import annotations

import pytest

from dogs.models import Dog
from reunions.models import Claim, FoundReport, LostReport, Reunion
from tests.factories import make_dog, make_found, make_owner

from .conftest import error

pytestmark = pytest.mark.django_db


def outcome(api, report, **data):
    return api.post(f"/api/v1/found-dogs/{report.pk}/outcome/", data, format="json")


@pytest.fixture
def claimed(shelter):
    report = make_found(shelter, "Harbour dog")
    Claim.objects.create(owner=make_owner("ana"), found_report=report, message="Mine?")
    return report


@pytest.mark.parametrize("status", ["transferred", "adopted", "released"])
def test_an_outcome_closes_the_report_keeps_the_notes_and_answers_the_claims(api, claimed, status):
    response = outcome(api, claimed, outcome=status, notes="To Eastside rescue")

    assert response.status_code == 200 and response.json()["status"] == status
    claimed.refresh_from_db()
    assert claimed.status == status and claimed.closed_at is not None
    assert claimed.notes.endswith(": To Eastside rescue")
    assert not Claim.objects.open().exists()


def test_reunited_with_a_registered_dog_is_a_confirmed_reunion(api, claimed):
    luna = make_dog(make_owner("bo"), "Luna", seeds=(21,), status=Dog.Status.LOST)
    LostReport.objects.create(dog=luna, lost_at=claimed.found_at, place="Riverside")

    response = outcome(api, claimed, outcome="reunited", dog=luna.pk, notes="Chip read at the desk")

    assert response.status_code == 200 and response.json()["status"] == "reunited"
    reunion = Reunion.objects.get()
    assert (reunion.found_report, reunion.dog, reunion.notes) == (claimed, luna, "Chip read at the desk")
    assert not LostReport.objects.open().exists()
    luna.refresh_from_db()
    assert luna.status == Dog.Status.HOME


def test_reunited_with_an_owner_who_never_registered_closes_the_report(api, claimed):
    response = outcome(api, claimed, outcome="reunited")

    assert response.status_code == 200 and not Reunion.objects.exists()
    claimed.refresh_from_db()
    assert claimed.status == FoundReport.Status.REUNITED and claimed.dog.status == Dog.Status.REUNITED


def test_a_closed_report_is_a_409_and_keeps_its_outcome(api, claimed):
    outcome(api, claimed, outcome="adopted")

    response = outcome(api, claimed, outcome="released")

    assert response.status_code == 409 and error(response)["code"] == "conflict"
    claimed.refresh_from_db()
    assert claimed.status == FoundReport.Status.ADOPTED


@pytest.mark.parametrize(
    "data, field",
    [
        ({"outcome": "escaped"}, "outcome"),
        ({"outcome": "adopted", "dog": 1}, "dog"),
        ({"outcome": "reunited", "dog": 999}, "dog"),
    ],
)
def test_a_bad_outcome_is_a_400_naming_the_field(api, claimed, data, field):
    if data.get("dog") == 1:
        data["dog"] = make_dog(make_owner("cy"), "Cy", seeds=(5,)).pk

    response = outcome(api, claimed, **data)

    assert response.status_code == 400 and field in error(response)["fields"]
    claimed.refresh_from_db()
    assert claimed.status == FoundReport.Status.OPEN
