"""Dates and numbers of lost and found reports are bounded, with messages, never a 500."""

from __future__ import annotations

import importlib

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse

from dogs.models import Dog
from reunions.models import FoundReport, LostReport, Shelter
from tests.factories import make_dog, make_owner
from tests.support.photos import photo_upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def rex():
    return make_dog(make_owner("ana"), "Rex", index=False)


def report_lost(client, dog, **fields):
    return client.post(reverse("reunions:lost_create", args=[dog.pk]), {"place": "Riverside park", **fields})


def field_errors(response, form="form") -> dict:
    assert response.status_code == 200, "the form again, not a failure"
    return {name: " ".join(errors) for name, errors in response.context[form].errors.items()}


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("0001-01-01T00:00", "The date lost cannot be before 1 January 2000: check the year."),
        ("1999-12-31T23:59", "The date lost cannot be before 1 January 2000: check the year."),
        ("9999-12-31T23:59", "The date lost cannot be in the future."),
    ],
)
def test_it_refuses_a_lost_date_out_of_bounds_with_a_message(client, rex, typed, message):
    client.force_login(rex.owner.user)

    response = report_lost(client, rex, lost_at=typed)

    assert field_errors(response)["lost_at"] == message
    assert 'value="Riverside park"' in response.content.decode()
    assert not LostReport.objects.exists()


def found_form(shelter, **report):
    data = {
        "dog-name": "Kennel 4",
        "dog-sex": "male",
        "dog-size": "large",
        "dog-photos": [photo_upload(60)],
        "report-shelter": shelter.pk,
        "report-found_at": "2026-11-20T09:30",
        "report-place": "Harbour",
    }
    data.update({f"report-{key}": value for key, value in report.items()})
    return data


def test_it_refuses_a_found_date_in_the_year_1_without_failing(client, staff, shelter):
    client.force_login(staff)

    response = client.post(reverse("reunions:found_create"), found_form(shelter, found_at="0001-01-01T00:00"))

    assert field_errors(response, "report_form")["found_at"] == (
        "The date found cannot be before 1 January 2000: check the year."
    )
    assert not FoundReport.objects.exists() and not Dog.objects.exists()


def test_it_refuses_a_hold_ending_before_the_dog_was_found(client, staff, shelter):
    client.force_login(staff)

    response = client.post(reverse("reunions:found_create"), found_form(shelter, hold_until="2026-11-19"))

    assert field_errors(response, "report_form")["hold_until"] == (
        "The stray hold cannot end before the day the dog was found."
    )


def test_it_refuses_a_hold_of_more_than_a_year(client, staff, shelter):
    client.force_login(staff)

    response = client.post(reverse("reunions:found_create"), found_form(shelter, hold_until="2027-11-21"))

    assert "at most 365 days after the day the dog was found" in field_errors(response, "report_form")["hold_until"]


def test_it_accepts_a_hold_ending_the_day_the_dog_was_found(client, staff, shelter):
    client.force_login(staff)

    response = client.post(reverse("reunions:found_create"), found_form(shelter, hold_until="2026-11-20"))

    assert response.status_code == 302
    assert FoundReport.objects.get().hold_until.isoformat() == "2026-11-20"


def test_intake_works_for_a_shelter_saved_with_a_hold_past_any_date_and_holds_at_most_a_year(client, staff, shelter):
    Shelter.objects.filter(pk=shelter.pk).update(stray_hold_days=2_000_000_000)
    client.force_login(staff)

    response = client.post(reverse("reunions:found_create"), found_form(shelter))

    assert response.status_code == 302
    assert FoundReport.objects.get().hold_until.isoformat() == "2027-11-20"


def test_the_admin_refuses_hold_days_over_365(admin_client, shelter):
    url = reverse("admin:shelters_shelter_change", args=[shelter.pk])

    response = admin_client.post(url, {"name": shelter.name, "stray_hold_days": "99999999999"})

    assert response.status_code == 200
    assert "Ensure this value is less than or equal to 365." in response.content.decode()
    assert Shelter.objects.get(pk=shelter.pk).stray_hold_days == 5


def test_the_admin_refuses_a_lost_date_in_the_year_1(admin_client, rex):
    response = admin_client.post(
        reverse("admin:reunions_lostreport_add"),
        {"dog": rex.pk, "lost_at_0": "0001-01-01", "lost_at_1": "10:00", "place": "Park", "public_contact": ""},
    )

    assert response.status_code == 200
    assert "cannot be before 1 January 2000" in response.content.decode()


@pytest.mark.slow  # migrates the test database back and forward again
@pytest.mark.django_db(transaction=True)
def test_the_migration_brings_old_rows_inside_the_bounds():
    from datetime import UTC, datetime

    # The models as they stood before shelters moved to their own app, as the migration saw them.
    executor = MigrationExecutor(connection)
    historical = executor.migrate([("reunions", "0011_candidates_withdrawn_when_home"), ("shelters", None)]).apps
    try:
        OldShelter = historical.get_model("reunions", "Shelter")
        OldLostReport = historical.get_model("reunions", "LostReport")
        dog = historical.get_model("dogs", "Dog").objects.create(name="Rex")
        lost = OldLostReport.objects.create(dog=dog, lost_at=datetime(2026, 11, 1, tzinfo=UTC), place="Park")
        OldLostReport.objects.filter(pk=lost.pk).update(lost_at=datetime(1, 1, 1, tzinfo=UTC))
        shelter = OldShelter.objects.create(name="Northside", stray_hold_days=2_000_000_000)
        migration = importlib.import_module("reunions.migrations.0006_bounds")

        migration.repair_out_of_bounds(historical, None)

        lost.refresh_from_db()
        assert lost.lost_at == lost.created_at
        assert OldShelter.objects.get(pk=shelter.pk).stray_hold_days == 365
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
