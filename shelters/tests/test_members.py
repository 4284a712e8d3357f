"""Shelter admins remove members, change roles and edit their shelter's contact and hold period."""

from __future__ import annotations

import pytest
from django.urls import reverse

from dogs.models import is_shelter_staff
from shelters.models import Membership
from tests.factories import make_shelter, make_staff

pytestmark = pytest.mark.django_db


def settings_url(shelter) -> str:
    return reverse("shelters:settings", args=[shelter.pk])


def test_the_settings_page_lists_the_members(admin_client, shelter):
    make_staff("sam", shelters=[shelter])

    html = admin_client.get(settings_url(shelter)).content.decode()

    assert "ada" in html and "sam" in html and "Shelter admin" in html


def test_a_removed_member_loses_the_shelter_and_staff_access(admin_client, client, shelter):
    sam = make_staff("sam", shelters=[shelter])
    membership = Membership.objects.get(user=sam)

    admin_client.post(reverse("shelters:remove_member", args=[shelter.pk, membership.pk]))

    sam.refresh_from_db()
    assert not Membership.objects.filter(user=sam).exists()
    sam = type(sam).objects.get(pk=sam.pk)  # permissions are cached per instance
    assert not is_shelter_staff(sam), "no owners' contacts for someone who works for no shelter"
    client.force_login(sam)
    assert client.get(reverse("search:find_owner")).status_code == 403


def test_a_member_removed_from_one_of_two_shelters_stays_staff(admin_client, shelter):
    sam = make_staff("sam", shelters=[shelter, make_shelter("Southside Shelter")])

    admin_client.post(
        reverse("shelters:remove_member", args=[shelter.pk, Membership.objects.get(user=sam, shelter=shelter).pk])
    )

    assert is_shelter_staff(type(sam).objects.get(pk=sam.pk))
    assert list(Membership.objects.filter(user=sam).values_list("shelter__name", flat=True)) == ["Southside Shelter"]


def test_the_last_admin_is_neither_removed_nor_demoted(admin_client, shelter, admin):
    mine = Membership.objects.get(user=admin)

    removed = admin_client.post(reverse("shelters:remove_member", args=[shelter.pk, mine.pk]), follow=True)
    admin_client.post(reverse("shelters:change_role", args=[shelter.pk, mine.pk]), {"role": "staff"})

    assert "at least one shelter admin" in removed.content.decode()
    mine.refresh_from_db()
    assert mine.role == Membership.Role.ADMIN


def test_an_admin_promotes_a_member_who_may_then_demote_the_first(admin_client, client, shelter, admin):
    sam = make_staff("sam", shelters=[shelter])

    admin_client.post(
        reverse("shelters:change_role", args=[shelter.pk, sam.shelter_memberships.get().pk]), {"role": "admin"}
    )
    client.force_login(sam)
    client.post(
        reverse("shelters:change_role", args=[shelter.pk, admin.shelter_memberships.get().pk]), {"role": "staff"}
    )

    assert dict(Membership.objects.values_list("user__username", "role")) == {"sam": "admin", "ada": "staff"}


def test_an_admin_edits_the_contact_and_hold_within_a_year(admin_client, shelter):
    edit = reverse("shelters:edit", args=[shelter.pk])

    refused = admin_client.post(edit, {"phone": "+1 555 0123", "email": "", "address": "", "stray_hold_days": 366})
    saved = admin_client.post(edit, {"phone": "+1 555 0123", "email": "", "address": "Dock 4", "stray_hold_days": 0})

    assert refused.status_code == 400 and "less than or equal to 365" in refused.content.decode()
    assert saved.status_code == 302
    shelter.refresh_from_db()
    assert (shelter.phone, shelter.address, shelter.stray_hold_days, shelter.name) == (
        "+1 555 0123",
        "Dock 4",
        0,
        "Northside Shelter",
    )


def test_staff_and_other_shelters_admins_do_not_see_the_settings(client, shelter):
    other_admin = make_staff("olga")
    make_shelter("Southside Shelter").memberships.create(user=other_admin, role=Membership.Role.ADMIN)

    for user in (make_staff("sam", shelters=[shelter]), other_admin):
        client.force_login(user)
        assert client.get(settings_url(shelter)).status_code == 404
        assert client.post(reverse("shelters:edit", args=[shelter.pk]), {"stray_hold_days": 1}).status_code == 404


def test_shelter_admins_find_their_settings_in_the_navigation(admin_client, client, shelter):
    html = admin_client.get(reverse("reunions:dashboard")).content.decode()
    followed = admin_client.get(reverse("shelters:mine"))
    client.force_login(make_staff("sam", shelters=[shelter]))

    assert 'href="/shelters/">Shelter settings</a>' in html
    assert followed.status_code == 302 and followed["Location"] == settings_url(shelter)
    assert "Shelter settings" not in client.get(reverse("reunions:dashboard")).content.decode()
