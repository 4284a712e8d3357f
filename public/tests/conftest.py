from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from reunions import services
from reunions.models import LostReport
from tests.factories import make_dog, make_owner, make_staff


@pytest.fixture(autouse=True)
def site_url(settings):
    settings.SITE_URL = "https://reunite.example.org"


@pytest.fixture
def staff(db):
    # A name found nowhere else on a page, so a leak of it is easy to spot.
    return make_staff("wardenquimby")


@pytest.fixture
def ana():
    return make_owner("anaowner", name="Anastasia Quill", email="anastasia@quill.example", phone="+1 555 0142")


@pytest.fixture
def luna(ana):
    return make_dog(ana, "Luna", seeds=(21,), breed="Border Collie", sex="female", colour="black and white")


@pytest.fixture
def lost_luna(luna):
    """Luna, reported lost and made public by her owner with a contact of her choosing."""
    report = LostReport(
        dog=luna,
        lost_at=timezone.now() - timedelta(days=1),
        place="Riverside",
        latitude=52.367891,
        longitude=4.904321,
        notes="Scared of bikes; spare key under the mat",
        public=True,
        public_contact="Call 0800 LUNA",
    )
    return services.report_lost(report)
