"""A fresh install has no shelter: staff are led to create theirs before intake."""

from __future__ import annotations

import pytest
from django.urls import reverse

from shelters.models import Membership, Shelter
from tests.factories import make_owner, make_shelter, make_staff

pytestmark = pytest.mark.django_db

CREATE = reverse("reunions:shelter_create")
SHELTER = {"name": "Harbour Dogs' Home", "phone": "+1 555 0100", "email": "desk@harbour.example", "stray_hold_days": 7}


def test_it_leads_staff_to_create_their_shelter_before_intake(client):
    client.force_login(make_staff())

    for page in ("reunions:found_create", "reunions:dashboard"):
        response = client.get(reverse(page), follow=True)
        assert response.redirect_chain == [(CREATE, 302)], page
        assert "Create your shelter first" in response.content.decode()


def test_the_creator_becomes_the_shelters_admin_and_can_record_intake(client):
    sam = make_staff()
    client.force_login(sam)

    response = client.post(CREATE, SHELTER)

    shelter = Shelter.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("reunions:found_create")
    assert (shelter.name, shelter.stray_hold_days) == ("Harbour Dogs' Home", 7)
    assert Membership.objects.get(user=sam).role == Membership.Role.ADMIN
    form = client.get(reverse("reunions:found_create")).context["report_form"]
    assert form.fields["shelter"].initial == shelter.pk


def test_it_refuses_a_hold_period_over_a_year(client):
    client.force_login(make_staff())

    response = client.post(CREATE, {**SHELTER, "stray_hold_days": 400})

    assert response.status_code == 200 and not Shelter.objects.exists()
    assert "less than or equal to 365" in response.content.decode()


def test_only_the_network_administrator_adds_a_second_shelter(client, django_user_model):
    make_shelter("Northside Shelter", members=[make_staff("tess")])
    client.force_login(make_staff())
    assert client.post(CREATE, SHELTER).status_code == 403

    client.force_login(django_user_model.objects.create_superuser("root", "root@example.org", "pw"))
    assert client.post(CREATE, SHELTER).status_code == 302
    assert Shelter.objects.count() == 2


def test_owners_cannot_create_a_shelter_even_on_a_fresh_install(client):
    client.force_login(make_owner().user)

    assert client.post(CREATE, SHELTER).status_code == 403
    assert not Shelter.objects.exists()


def test_staff_of_no_shelter_are_told_whom_to_ask(client):
    make_shelter("Northside Shelter")
    client.force_login(make_staff())

    response = client.get(reverse("reunions:found_create"))

    assert response.status_code == 403
    assert "You do not work for a shelter yet" in response.content.decode()


def test_the_network_administrator_adds_shelters_from_shelter_settings(client, django_user_model):
    make_shelter("Northside Shelter")
    client.force_login(django_user_model.objects.create_superuser("root", "root@example.org", "pw"))

    html = client.get(reverse("shelters:mine")).content.decode()

    assert "Northside Shelter" in html and f'href="{CREATE}">Add a shelter</a>' in html
