"""Shelter admins make API keys for their software: shown once, stored hashed, revocable."""

from __future__ import annotations

import pytest
from django.urls import reverse

from shelters.models import ShelterAPIKey

pytestmark = pytest.mark.django_db


def test_a_new_key_is_shown_once_and_stored_only_hashed(admin_client, shelter, admin):
    response = admin_client.post(reverse("shelters:create_key", args=[shelter.pk]), {"name": "ASM3 front desk"})

    key = response.context["key"]
    stored = ShelterAPIKey.objects.get()
    assert key in response.content.decode() and key.startswith(f"{stored.prefix}.")
    assert (stored.shelter, stored.name, stored.created_by) == (shelter, "ASM3 front desk", admin)
    assert key not in {stored.id, stored.hashed_key} and key.split(".")[1] not in stored.hashed_key
    assert ShelterAPIKey.objects.get_from_key(key) == stored
    settings_page = admin_client.get(reverse("shelters:settings", args=[shelter.pk])).content.decode()
    assert stored.prefix in settings_page and key not in settings_page


def test_a_revoked_key_is_no_longer_usable(admin_client, shelter):
    admin_client.post(reverse("shelters:create_key", args=[shelter.pk]), {"name": "Old laptop"})
    stored = ShelterAPIKey.objects.get()

    admin_client.post(reverse("shelters:revoke_key", args=[shelter.pk, stored.prefix]))

    stored.refresh_from_db()
    assert stored.revoked
    assert not ShelterAPIKey.objects.get_usable_keys().exists()


def test_a_key_needs_a_name(admin_client, shelter):
    response = admin_client.post(reverse("shelters:create_key", args=[shelter.pk]), {"name": ""})

    assert response.status_code == 400 and not ShelterAPIKey.objects.exists()
