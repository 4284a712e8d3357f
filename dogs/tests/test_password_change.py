"""Changing a known password: the site's own page, not the admin's, and back to the owner's details."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.urls import reverse

from tests.factories import PASSWORD, make_owner

pytestmark = pytest.mark.django_db

NEW = "a-brand-new-passphrase"


def test_it_changes_the_password_on_a_page_of_the_site(client):
    make_owner("ana")
    client.force_login(User.objects.get(username="ana"))

    page = client.get(reverse("password_change")).content.decode()
    assert 'class="site-nav"' in page, "the site's layout, not Django admin's"
    assert "Change your password" in page

    response = client.post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": NEW, "new_password2": NEW},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == reverse("dogs:profile")
    assert "Your password is changed." in response.content.decode()
    assert User.objects.get(username="ana").check_password(NEW)


def test_a_wrong_old_password_changes_nothing_and_says_why(client):
    make_owner("ana")
    client.force_login(User.objects.get(username="ana"))

    response = client.post(
        reverse("password_change"),
        {"old_password": "not-it", "new_password1": NEW, "new_password2": NEW},
    )
    assert response.status_code == 200
    assert "Your old password was entered incorrectly" in response.content.decode()
    assert User.objects.get(username="ana").check_password(PASSWORD)
