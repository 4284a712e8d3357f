from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse

from dogs.models import Owner
from search.models import PendingIndexUpdate
from tests.factories import make_dog, make_owner, make_staff

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]


def test_forms_refuse_posts_without_a_csrf_token():
    owner = make_owner()
    client = Client(enforce_csrf_checks=True)
    client.force_login(owner.user)

    for url in (reverse("dogs:create"), reverse("dogs:profile"), reverse("logout")):
        assert client.post(url, {"name": "x"}).status_code == 403
    assert not owner.dogs.exists()


def test_repeated_failed_logins_lock_the_account_out_and_say_when_to_try_again(client, settings):
    make_owner("alice")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(reverse("login"), {"username": "alice", "password": "wrong"})

    response = client.post(reverse("login"), {"username": "alice", "password": "correct-horse-battery"})

    assert response.status_code == 429
    assert "Too many failed log-in attempts" in response.content.decode()
    assert response["Retry-After"] == str(int(settings.AXES_COOLOFF_TIME * 3600))
    assert "locked on this device for 60 minutes" in response.content.decode()


def test_the_profile_only_ever_edits_your_own_owner_record(client):
    alice, bob = make_owner("alice"), make_owner("bob")
    client.force_login(bob.user)

    client.post(reverse("dogs:profile"), {"name": "Bob B", "email": "b@example.com", "phone": "1", "address": "X"})

    assert Owner.objects.get(pk=alice.pk).name == "Alice"
    assert Owner.objects.get(pk=bob.pk).name == "Bob B"


def test_the_admin_is_for_staff_only(client):
    client.force_login(make_owner().user)
    assert client.get(reverse("admin:dogs_owner_changelist")).status_code == 302


def test_staff_see_how_many_index_changes_are_pending_and_why(client):
    make_dog(make_owner(), "Rex")
    PendingIndexUpdate.objects.create(photo_id=999, attempts=3, last_error="Elasticsearch is unavailable: refused")
    client.force_login(make_staff())

    page = client.get(reverse("search:find_owner")).content.decode()

    assert "1 photo change is waiting to reach the search index" in page
    assert "Elasticsearch is unavailable: refused" in page


def test_owners_never_see_pending_details_or_the_search(client):
    client.force_login(make_owner().user)
    assert client.get(reverse("search:find_owner")).status_code == 403


def test_production_settings_pass_the_deploy_check():
    # The README's production environment.
    env = {
        **os.environ,
        "DEBUG": "0",
        "SECRET_KEY": "k" * 20 + "a-long-random-production-secret-value-0123456789",
        "ALLOWED_HOSTS": "reunite.example.org",
        "CACHE_BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "CACHE_LOCATION": "reunite_cache",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode == 0, result.stdout + result.stderr


def test_production_refuses_to_start_without_a_secret_key():
    env = {**os.environ, "DEBUG": "0", "SECRET_KEY": "", "ALLOWED_HOSTS": "reunite.example.org"}
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )

    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr
