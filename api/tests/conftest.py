from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from shelters.services import create_api_key
from tests.factories import make_shelter, make_staff


@pytest.fixture
def shelter(db):
    return make_shelter("Northside Shelter", members=[make_staff("ada")])


@pytest.fixture
def key(shelter) -> str:
    _api_key, key = create_api_key(shelter, "ASM3", None)
    return key


@pytest.fixture
def api(key) -> APIClient:
    """A client of the shelter's software, sending the shelter's API key."""
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {key}")
    return client


def error(response) -> dict:
    """The one error body every failure has."""
    body = response.json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message", "fields"}, body
    return body["error"]
