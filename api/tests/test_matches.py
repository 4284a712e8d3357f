"""A found dog's likely owners through the API: the page's ranking and labels; contacts only where earned, logged."""

from __future__ import annotations

import pytest
from django.urls import reverse

from dogs.models import ContactView
from reunions.matching import rank_dogs_for_found
from reunions.models import FoundReport
from shelters.models import ShelterAPIKey
from tests.factories import make_dog, make_owner, make_staff, record_intake

from .conftest import error

pytestmark = pytest.mark.django_db


@pytest.fixture
def record(shelter):
    return lambda seeds=(21,), index=True, **dog_fields: record_intake(shelter, seeds, index=index, **dog_fields)


@pytest.fixture
def owners():
    """Three registered dogs: Luna's photo is the found dog's own; the others only look alike."""
    return {
        name: make_dog(make_owner(name.lower(), name=f"{name} Owner", phone=f"+1 555 01{n:02}"), name, seeds=(seed,))
        for n, (name, seed) in enumerate((("Luna", 21), ("Pip", 22), ("Rex", 23)))
    }


def matches_url(report: FoundReport) -> str:
    return f"/api/v1/found-dogs/{report.pk}/matches/"


@pytest.fixture
def three_bands(owners, record, settings):
    """A found dog whose matches fall one in each band: Luna likely, the next possible, the last unlikely."""
    report = record()
    scores = sorted((c.score for c in rank_dogs_for_found(report)), reverse=True)
    settings.MATCH_THRESHOLD = (scores[0] + scores[1]) / 2
    settings.MATCH_POSSIBLE_THRESHOLD = (scores[1] + scores[2]) / 2
    return report


def test_it_labels_matches_like_the_found_dogs_page_and_sends_contacts_only_where_earned(
    api, shelter, three_bands, client
):
    body = api.get(matches_url(three_bands)).json()

    labels = [(r["dog"]["name"], r["label"], r["owner"] is not None) for r in body["results"]]
    assert labels[0] == ("Luna", "likely", True)
    assert [label for _, label, _ in labels] == ["likely", "possible", "unlikely"]
    assert [has_owner for _, _, has_owner in labels] == [True, True, False]
    assert body["results"][0]["owner"] == {"name": "Luna Owner", "phone": "+1 555 0100", "email": "luna@example.com"}
    assert body["no_likely_match"] is False and body["photos_searchable"] is True and body["calibrated"] is True
    client.force_login(make_staff("sam", shelters=[shelter]))
    page = client.get(reverse("reunions:found_detail", args=[three_bands.pk])).context
    shown_on_page = [(c.dog.name, c.strength.value) for c in page["shown"] + page["unlikely"]]
    assert shown_on_page == [(name, label) for name, label, _ in labels], "the same labels as the page"


def test_every_contact_sent_is_logged_for_the_keys_shelter(api, shelter, three_bands):
    body = api.get(matches_url(three_bands)).json()

    sent = {(r["owner"]["name"], r["label_text"]) for r in body["results"] if r["owner"]}
    views = list(ContactView.objects.all())
    prefix = ShelterAPIKey.objects.get().prefix
    assert len(sent) == 2 and {(v.owner.name, v.reason) for v in views} == sent
    assert {(v.shelter, v.viewer, v.page) for v in views} == {
        (shelter, None, f"{matches_url(three_bands)} (API key {prefix})")
    }


def test_nothing_above_unlikely_says_no_likely_match_and_sends_no_contact(api, owners, record, settings):
    settings.MATCH_THRESHOLD = settings.MATCH_POSSIBLE_THRESHOLD = 1.5  # no score can reach it
    report = record()

    body = api.get(matches_url(report)).json()

    assert body["no_likely_match"] is True and body["results"]
    assert {r["label"] for r in body["results"]} == {"unlikely"}
    assert all(r["owner"] is None for r in body["results"])
    assert not ContactView.objects.exists()


def test_a_microchip_match_is_certain_and_first_with_its_owner(api, owners, record, settings):
    settings.MATCH_THRESHOLD = settings.MATCH_POSSIBLE_THRESHOLD = 1.5
    chipped = make_dog(make_owner("chip", name="Chip Owner"), "Chipper", seeds=(40,), microchip="985-112-000")
    report = record(seeds=(41,), microchip="985112000")

    first = api.get(matches_url(report)).json()["results"][0]

    assert (first["dog"]["id"], first["label"], first["microchip_match"]) == (chipped.pk, "certain", True)
    assert first["owner"]["name"] == "Chip Owner"


def test_it_says_when_the_photos_are_not_searchable_yet(api, owners, record):
    report = record(index=False)  # the worker has not embedded the photo yet

    body = api.get(matches_url(report)).json()

    assert body["photos_searchable"] is False


def test_the_pages_filters_apply_and_a_bad_one_is_named(api, three_bands):
    collies = api.get(matches_url(three_bands), {"breed": "collie"}).json()["results"]
    refused = api.get(matches_url(three_bands), {"radius_km": "0", "sex": "robot"})

    assert collies and all(r["dog"]["breed"] in ("", "Collie") for r in collies), "unknown breeds stay in"
    assert refused.status_code == 400 and set(error(refused)["fields"]) == {"radius_km", "sex"}


def test_matching_down_is_a_503_saying_so(api, owners, record, settings):
    report = record()
    settings.SEARCH_BACKEND = "elasticsearch"
    settings.ELASTICSEARCH_URL = "http://127.0.0.1:9"  # nothing listens on the discard port
    settings.ELASTICSEARCH_MAX_RETRIES = 0

    response = api.get(matches_url(report))

    assert response.status_code == 503 and error(response)["code"] == "unavailable"
    assert not ContactView.objects.exists()
