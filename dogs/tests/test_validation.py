"""Impossible values get a message that says what is allowed; nothing typed is lost and nothing fails."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.urls import reverse

from dogs.models import Dog, Owner
from dogs.tests.test_signup import SIGNUP
from tests.factories import make_dog, make_owner
from tests.support.photos import photo_upload

pytestmark = pytest.mark.django_db

DOG = {"name": "Biscuit", "breed": "Beagle", "sex": "female", "colour": "tricolour"}


@pytest.fixture
def owner_client(client):
    client.force_login(make_owner("alice").user)
    return client


def register(client, **fields):
    return client.post(reverse("dogs:create"), {**DOG, "photos": [photo_upload(1)], **fields})


def errors_of(response) -> str:
    assert response.status_code == 200, "the form again, not a failure"
    assert 'value="Biscuit"' in response.content.decode(), "what was typed is kept"
    return " ".join(str(e) for errors in response.context["form"].errors.values() for e in errors)


def test_it_refuses_a_birth_date_in_the_future(owner_client):
    errors = errors_of(register(owner_client, birth_date="2099-05-01"))

    assert "A birth date cannot be in the future." in errors
    assert not Dog.objects.exists()


def test_it_refuses_a_birth_date_in_the_year_1_without_failing(owner_client):
    errors = errors_of(register(owner_client, birth_date="0001-01-01"))

    assert "would be over 30 years old: check the year" in errors


def test_it_accepts_a_plausible_birth_date(owner_client):
    assert register(owner_client, birth_date="2019-04-02").status_code == 302
    assert Dog.objects.get().birth_date.isoformat() == "2019-04-02"


def test_it_stores_a_dashed_and_spaced_microchip_longer_than_the_field_as_its_15_digits(owner_client):
    typed = "9 8 5 - 1 1 2 - 0 0 0 - 0 0 0 - 1 2 3"  # 37 characters as a scanner app spaced them

    assert len(typed) > 32 and register(owner_client, microchip=typed).status_code == 302
    assert Dog.objects.get().microchip == "985112000000123"


def test_it_refuses_a_microchip_with_digits_that_are_not_ascii(owner_client):
    errors = errors_of(register(owner_client, microchip="٩٨٥١١٢٠٠٠٠٠٠١٢٣"))

    assert "has the digits 0-9 only" in errors
    assert not Dog.objects.exists()


def test_it_refuses_a_microchip_of_a_length_no_chip_has(owner_client):
    errors = errors_of(register(owner_client, microchip="1234-5678-9012"))

    assert "15 digits (ISO 11784/11785), or 10 or 9 on older chips; this one has 12" in errors


@pytest.mark.parametrize("chip", ["123456789", "0123456789"])
def test_it_accepts_the_legacy_9_and_10_digit_chips(owner_client, chip):
    assert register(owner_client, microchip=chip).status_code == 302
    assert Dog.objects.get().microchip == chip


def test_it_refuses_notes_of_a_megabyte(owner_client):
    errors = errors_of(register(owner_client, notes="x" * 1_000_000))

    assert "at most 2000 characters" in errors


def test_the_edit_form_checks_the_same_bounds(client):
    dog = make_dog(make_owner("alice"), "Rex", index=False)
    client.force_login(dog.owner.user)

    response = client.post(reverse("dogs:edit", args=[dog.pk]), {"name": "Rex", "sex": "male", "microchip": "12ab"})

    assert response.status_code == 200 and "has the digits 0-9 only" in response.content.decode()
    assert Dog.objects.get(pk=dog.pk).microchip == ""


def test_sign_up_refuses_an_email_already_in_use_in_any_letter_case(client):
    client.post(reverse("signup"), SIGNUP)
    client.post(reverse("logout"))

    response = client.post(reverse("signup"), {**SIGNUP, "username": "maria2", "email": "Maria@Example.COM"})

    assert response.status_code == 200
    assert "An account with this email address already exists" in response.content.decode()
    assert 'value="maria2"' in response.content.decode()
    assert User.objects.count() == 1 and Owner.objects.count() == 1


def test_the_profile_refuses_another_accounts_email(client):
    make_owner("bob")
    alice = make_owner("alice")
    client.force_login(alice.user)

    response = client.post(
        reverse("dogs:profile"), {"name": "Alice", "email": "BOB@example.com", "phone": "1", "address": "X"}
    )

    assert response.status_code == 200 and "already exists" in response.content.decode()
    assert Owner.objects.get(pk=alice.pk).email == "alice@example.com"


def test_the_profile_keeps_your_own_email_in_another_case(client):
    alice = make_owner("alice")
    client.force_login(alice.user)

    response = client.post(
        reverse("dogs:profile"), {"name": "Alice", "email": "Alice@example.com", "phone": "1", "address": "X"}
    )

    assert response.status_code == 302
