"""API keys: one shelter each, hashed at rest, revocable, last use recorded, and a rate per key."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from shelters.models import ShelterAPIKey
from shelters.services import create_api_key, revoke_api_key
from tests.factories import make_found, make_shelter

from .conftest import error

pytestmark = pytest.mark.django_db

FOUND_DOGS = "/api/v1/found-dogs/"


def test_a_request_without_a_key_is_refused_with_401(db):
    response = APIClient().get(FOUND_DOGS)

    assert response.status_code == 401 and response["WWW-Authenticate"] == "Api-Key"
    assert error(response)["code"] == "not_authenticated"


def test_a_made_up_key_is_refused(db):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Api-Key abcdefgh.not-a-real-secret")

    response = client.get(FOUND_DOGS)

    assert response.status_code == 401 and error(response)["code"] == "authentication_failed"


def test_a_revoked_key_is_refused(api, key):
    assert api.get(FOUND_DOGS).status_code == 200

    revoke_api_key(ShelterAPIKey.objects.get())

    response = api.get(FOUND_DOGS)
    assert response.status_code == 401 and "revoked" in error(response)["message"]


def test_the_key_is_stored_hashed_and_its_last_use_recorded(api, key):
    stored = ShelterAPIKey.objects.get()
    assert stored.last_used_at is None and key.split(".", 1)[1] not in str(stored.__dict__)

    api.get(FOUND_DOGS)

    stored.refresh_from_db()
    assert timezone.now() - stored.last_used_at < timedelta(minutes=1)


def test_another_shelters_key_does_not_reach_this_shelters_found_dogs(api, shelter):
    ours = make_found(shelter, "Ours")
    theirs = make_found(make_shelter("Southside Shelter"), "Theirs")

    listed = api.get(FOUND_DOGS).json()["results"]
    refused = api.get(f"{FOUND_DOGS}{theirs.pk}/")
    matches = api.get(f"{FOUND_DOGS}{theirs.pk}/matches/")
    outcome = api.post(f"{FOUND_DOGS}{theirs.pk}/outcome/", {"outcome": "adopted"}, format="json")

    assert [r["id"] for r in listed] == [ours.pk]
    assert refused.status_code == matches.status_code == outcome.status_code == 404
    assert error(refused)["code"] == "not_found"
    theirs.refresh_from_db()
    assert theirs.status == "open"


def test_too_many_requests_are_refused_per_key_with_retry_after(api, shelter, settings):
    settings.API_REQUESTS_PER_MINUTE = 3
    _other, other_key = create_api_key(shelter, "Second desk", None)
    other = APIClient()
    other.credentials(HTTP_AUTHORIZATION=f"Api-Key {other_key}")

    answers = [api.get(FOUND_DOGS).status_code for _ in range(4)]
    refused = api.get(FOUND_DOGS)

    assert answers == [200, 200, 200, 429]
    assert error(refused)["code"] == "throttled"
    assert 1 <= int(refused["Retry-After"]) <= 60
    assert other.get(FOUND_DOGS).status_code == 200, "counted per key"
