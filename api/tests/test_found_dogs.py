"""Listing and reading the shelter's found dogs: newest first, cursor pages, the pages' filters."""

from __future__ import annotations

import pytest

from reunions.models import FoundReport
from tests.factories import make_found

from .conftest import error

pytestmark = pytest.mark.django_db

FOUND_DOGS = "/api/v1/found-dogs/"


def ids(response) -> list[int]:
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["results"]]


def test_it_pages_newest_first_by_cursor(api, shelter, settings):
    settings.API_PAGE_SIZE = 2
    reports = [make_found(shelter, f"Dog {n}") for n in range(5)]

    first = api.get(FOUND_DOGS)
    later = make_found(shelter, "Arrived meanwhile")
    second = api.get(first.json()["next"])
    third = api.get(second.json()["next"])

    newest_first = [r.pk for r in reversed(reports)]
    assert ids(first) + ids(second) + ids(third) == newest_first, "a dog added meanwhile shifts nothing"
    assert third.json()["next"] is None
    assert ids(api.get(FOUND_DOGS, {"page_size": 100})) == [later.pk, *newest_first]


def test_it_reads_one_found_dog_with_its_details(api, shelter):
    report = make_found(shelter, "Biscuit", breed="Beagle", microchip="985 112", notes="Red collar")

    body = api.get(f"{FOUND_DOGS}{report.pk}/").json()

    assert body["id"] == report.pk and body["status"] == "open" and body["shelter"] == shelter.pk
    assert body["dog"] == {
        "id": report.dog_id,
        "name": "Biscuit",
        "breed": "Beagle",
        "sex": "unknown",
        "size": "unknown",
        "colour": "",
        "microchip": "985112",
        "notes": "Red collar",
    }
    assert body["days_left"] == 5 and body["hold_until"] == report.hold_until.isoformat()


def test_it_filters_by_status_and_date_found(api, shelter):
    old = make_found(shelter, "Old", days_ago=10)
    new = make_found(shelter, "New", days_ago=1)
    gone = make_found(shelter, "Gone", days_ago=1)
    FoundReport.objects.filter(pk=gone.pk).update(status=FoundReport.Status.ADOPTED)

    assert ids(api.get(FOUND_DOGS, {"status": "open"})) == [new.pk, old.pk]
    assert ids(api.get(FOUND_DOGS, {"status": "adopted"})) == [gone.pk]
    assert ids(api.get(FOUND_DOGS, {"found_before": old.found_at.date().isoformat()})) == [old.pk]
    assert set(ids(api.get(FOUND_DOGS, {"found_after": new.found_at.date().isoformat()}))) == {new.pk, gone.pk}


def test_the_breed_filter_means_what_it_means_on_the_pages(api, shelter):
    malamute = make_found(shelter, "Mal", breed="Alaskan  Malamute")
    unknown = make_found(shelter, "Who knows", breed="")
    make_found(shelter, "Rex", breed="Beagle")

    assert ids(api.get(FOUND_DOGS, {"breed": "MALAMUTE"})) == [unknown.pk, malamute.pk]
    assert ids(api.get(FOUND_DOGS, {"breed": "alaskan malamute"})) == [unknown.pk, malamute.pk]


@pytest.mark.parametrize(
    "query, field",
    [({"status": "lost"}, "status"), ({"found_after": "yesterday"}, "found_after"), ({"breed": "x" * 101}, "breed")],
)
def test_a_bad_filter_is_a_400_naming_the_field(api, query, field):
    response = api.get(FOUND_DOGS, query)

    assert response.status_code == 400
    assert list(error(response)["fields"]) == [field]


def test_a_stale_or_made_up_cursor_is_refused_cleanly(api):
    response = api.get(FOUND_DOGS, {"cursor": "not-a-cursor"})

    assert response.status_code == 404 and error(response)["code"] == "not_found"


def test_an_id_too_large_for_the_database_is_not_found(api):
    for path in (f"{FOUND_DOGS}{10**30}/", f"{FOUND_DOGS}{10**30}/matches/", f"/api/v1/lost-reports/{10**30}/"):
        response = api.get(path)
        assert response.status_code == 404 and error(response)["code"] == "not_found", path
