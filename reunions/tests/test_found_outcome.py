"""Staff close a found dog's record when it left another way: transferred, adopted, released, or home unregistered."""

from __future__ import annotations

import pytest
from django.urls import reverse

from reunions.models import FoundReport
from tests.factories import make_found, make_shelter

pytestmark = pytest.mark.django_db


def close(client, report, outcome: str, notes: str = ""):
    return client.post(
        reverse("reunions:found_outcome", args=[report.pk]), {"outcome": outcome, "notes": notes}, follow=True
    )


def test_staff_close_a_record_with_its_outcome(client, staff, shelter):
    report = make_found(shelter, "Biscuit")
    client.force_login(staff)

    response = close(client, report, "adopted", "By the Jansens")

    report.refresh_from_db()
    assert (report.status, report.notes) == (FoundReport.Status.ADOPTED, "Adopted: By the Jansens")
    assert "Biscuit: adopted." in response.content.decode()
    assert "Close this record" not in client.get(report.get_absolute_url()).content.decode()


def test_a_closed_record_keeps_its_outcome(client, staff, shelter):
    report = make_found(shelter, "Biscuit")
    client.force_login(staff)
    close(client, report, "transferred")

    response = close(client, report, "released")

    report.refresh_from_db()
    assert report.status == FoundReport.Status.TRANSFERRED
    assert "already closed" in response.content.decode()


def test_another_shelters_record_is_not_found(client, staff):
    theirs = make_found(make_shelter("Southside Shelter"), "Theirs")
    client.force_login(staff)

    assert close(client, theirs, "adopted").status_code == 404
    theirs.refresh_from_db()
    assert theirs.status == FoundReport.Status.OPEN
