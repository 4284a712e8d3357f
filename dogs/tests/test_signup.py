from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.urls import reverse

from dogs.models import Owner

pytestmark = pytest.mark.django_db

SIGNUP = {
    "username": "maria",
    "name": "Maria Lopez",
    "email": "maria@example.com",
    "phone": "+34 600 000 000",
    "address": "Valencia",
    "password1": "a-long-enough-passphrase",
    "password2": "a-long-enough-passphrase",
}


def test_it_creates_the_user_and_owner_and_logs_in(client):
    response = client.post(reverse("signup"), SIGNUP)

    assert response.status_code == 302
    owner = Owner.objects.get(user__username="maria")
    assert (owner.name, owner.email, owner.phone, owner.address) == (
        "Maria Lopez",
        "maria@example.com",
        "+34 600 000 000",
        "Valencia",
    )
    assert client.get(reverse("dogs:my_dogs")).status_code == 200


def test_it_rejects_a_weak_password_and_keeps_what_was_typed(client):
    response = client.post(reverse("signup"), {**SIGNUP, "password1": "123", "password2": "123"})

    assert response.status_code == 200
    assert not User.objects.filter(username="maria").exists()
    assert "This password is too short" in response.content.decode()
    assert 'value="Maria Lopez"' in response.content.decode()


def test_login_and_logout(client):
    User.objects.create_user("maria", "maria@example.com", "a-long-enough-passphrase")

    response = client.post(reverse("login"), {"username": "maria", "password": "a-long-enough-passphrase"})
    assert response.status_code == 302
    assert client.get(reverse("dogs:my_dogs")).status_code == 200

    client.post(reverse("logout"))
    assert client.get(reverse("dogs:my_dogs")).status_code == 302
