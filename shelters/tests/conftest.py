from __future__ import annotations

import pytest

from shelters.models import Membership
from tests.factories import make_shelter, make_staff


@pytest.fixture(autouse=True)
def site_url(settings):
    settings.SITE_URL = "https://reunite.example.org"


@pytest.fixture
def admin(db):
    """Shelter admin of `shelter`."""
    return make_staff("ada")


@pytest.fixture
def shelter(admin):
    shelter = make_shelter("Northside Shelter")
    Membership.objects.create(user=admin, shelter=shelter, role=Membership.Role.ADMIN)
    return shelter


@pytest.fixture
def admin_client(client, admin, shelter):
    client.force_login(admin)
    return client
