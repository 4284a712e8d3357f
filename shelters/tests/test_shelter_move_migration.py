"""Migrating an existing Reunite: the shelter moves to its own app with its rows, and staff become members."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from reunions.models import FoundReport
from shelters.models import Membership, Shelter

# Migrates the test database back before the network and forward again: slow (seconds).
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

BEFORE = [("reunions", "0011_candidates_withdrawn_when_home"), ("shelters", None)]


def migrate(targets=None):
    """Migrate the test database to `targets` (the latest when None); returns the state reached."""
    executor = MigrationExecutor(connection)
    return executor.migrate(targets or executor.loader.graph.leaf_nodes())


def old_rows(apps) -> dict:
    """What a Reunite of before the network holds: two shelters, a found dog, staff of three kinds, an owner."""
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    Group = apps.get_model("auth", "Group")
    User = apps.get_model("auth", "User")
    Shelter = apps.get_model("reunions", "Shelter")
    # As in a database made before the move: the shelter's content type (and permissions) under reunions.
    shelter_type, _ = ContentType.objects.get_or_create(app_label="reunions", model="shelter")
    Permission.objects.get_or_create(content_type=shelter_type, codename="change_shelter", name="Can change shelter")
    contact = Permission.objects.get(content_type__app_label="dogs", codename="view_owner_contact")
    group, _ = Group.objects.get_or_create(name="Shelter staff")
    group.permissions.add(contact)
    users = {name: User.objects.create(username=name) for name in ("grouped", "direct", "root", "owner", "gone")}
    users["grouped"].groups.add(group)
    users["gone"].groups.add(group)
    users["gone"].is_active = False
    users["gone"].save()
    users["direct"].user_permissions.add(contact)
    users["root"].is_superuser = True
    users["root"].save()
    north = Shelter.objects.create(name="Northside", phone="+1 555 0199", stray_hold_days=5)
    Shelter.objects.create(name="Southside", email="desk@south.example")
    dog = apps.get_model("dogs", "Dog").objects.create(name="Found 1", kind="found")
    now = timezone.now()
    FoundReport_ = apps.get_model("reunions", "FoundReport")
    found = FoundReport_.objects.create(dog=dog, shelter=north, found_at=now, place="Park", hold_until=now.date())
    return {"north": north.pk, "found": found.pk}


@pytest.fixture
def before_the_network():
    """The database as it was before shelters had their own app; the latest schema again afterwards."""
    state = migrate(BEFORE)
    yield state.apps
    migrate()


def test_it_keeps_the_shelters_and_makes_existing_staff_members_of_every_shelter(before_the_network):
    ids = old_rows(before_the_network)

    migrate()

    assert list(Shelter.objects.values_list("name", "phone", "stray_hold_days")) == [
        ("Northside", "+1 555 0199", 5),
        ("Southside", "", 7),
    ]
    assert FoundReport.objects.get(pk=ids["found"]).shelter_id == ids["north"]
    members = sorted(Membership.objects.values_list("user__username", "shelter__name", "role"))
    assert members == [
        (user, shelter, "staff") for user in ("direct", "grouped", "root") for shelter in ("Northside", "Southside")
    ]
    assert Permission.objects.get(codename="change_shelter").content_type.app_label == "shelters"
    with connection.cursor() as cursor:
        tables = connection.introspection.table_names(cursor)
    assert "shelters_shelter" in tables and "reunions_shelter" not in tables
