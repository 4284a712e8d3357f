"""Fixtures that tests of several apps share: staff, a shelter, found and lost dogs, the bundled model.

Loaded for every test by the root conftest (`pytest_plugins`); an app's conftest may override one.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from dogs.models import Dog
from reunions import services
from reunions.models import FoundReport, LostReport
from tests.factories import checked_uploads, make_shelter, make_staff
from worker.loop import drain


@pytest.fixture
def staff(db):
    return make_staff()


@pytest.fixture
def shelter(staff):
    """The shelter the `staff` fixture works for."""
    return make_shelter("Northside Shelter", members=[staff], email="desk@northside.example")


@pytest.fixture
def record_found(staff, shelter):
    def record(seeds=(1,), days_ago=0, place="Main St park", point=None, notes="", **dog_fields) -> FoundReport:
        found_at = timezone.now() - timedelta(days=days_ago)
        report = FoundReport(
            shelter=shelter,
            found_at=found_at,
            place=place,
            notes=notes,
            hold_until=FoundReport.default_hold_until(shelter, found_at.date()),
        )
        if point:
            report.latitude, report.longitude = point
        dog_fields.setdefault("name", f"Found {seeds[0]}")
        services.record_found_dog(report, Dog(**dog_fields), checked_uploads(seeds), staff)
        drain()  # the worker embeds and indexes the photos, then looks for the dog's owner
        return report

    return record


@pytest.fixture
def report_lost():
    def report(dog, days_ago=1, point=None) -> LostReport:
        lost = LostReport(dog=dog, lost_at=timezone.now() - timedelta(days=days_ago), place="Riverside")
        if point:
            lost.latitude, lost.longitude = point
        services.report_lost(lost)
        drain()
        return lost

    return report


@pytest.fixture
def bundled_model(settings):
    """The bundled EfficientNet-Lite0 with its real ImageNet weights, instead of the random tiny CLIP."""
    from search import embeddings

    embeddings.reset()
    settings.EMBEDDING_MODEL = "efficientnet-lite0"
    yield settings
    embeddings.reset()
