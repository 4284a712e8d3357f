"""Shelter admins invite staff by an emailed link: signed, expiring, single-use; it makes the holder a member."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from dogs.models import is_shelter_staff
from shelters.models import Invitation, Membership
from tests.factories import make_owner, make_shelter, make_staff

pytestmark = pytest.mark.django_db

NEW_ACCOUNT = {"username": "nina", "password1": "a-long-walk-home", "password2": "a-long-walk-home"}


def invite(client, shelter, email: str = "nina@example.org", role: str = "staff"):
    return client.post(reverse("shelters:invite", args=[shelter.pk]), {"email": email, "role": role})


def emailed_link(run_worker) -> str:
    mail.outbox.clear()
    run_worker()
    [message] = mail.outbox
    return re.search(r"https://reunite\.example\.org(/shelters/join/\S+/)", message.body).group(1)


def test_an_invitation_is_emailed_by_the_worker_and_makes_a_new_account_a_member(
    admin_client, client, shelter, run_worker
):
    assert invite(admin_client, shelter).status_code == 302
    assert not mail.outbox, "the request only queues the email"
    link = emailed_link(run_worker)
    assert mail.outbox[0].to == ["nina@example.org"] and "Northside Shelter" in mail.outbox[0].subject
    client.logout()

    page = client.get(link)
    joined = client.post(link, NEW_ACCOUNT)

    assert page.status_code == 200 and "Join Northside Shelter" in page.content.decode()
    assert joined.status_code == 302 and joined["Location"] == reverse("reunions:dashboard")
    nina = User.objects.get(username="nina")
    assert nina.email == "nina@example.org" and is_shelter_staff(nina)
    assert Membership.objects.get(user=nina).shelter == shelter
    assert client.get(reverse("reunions:dashboard")).status_code == 200, "logged in, as staff of the shelter"


def test_a_logged_in_user_joins_with_their_own_account_and_role(admin_client, client, shelter, run_worker):
    invite(admin_client, shelter, "omar@example.org", role="admin")
    link = emailed_link(run_worker)
    omar = make_owner("omar").user
    client.force_login(omar)

    client.post(link)

    assert Membership.objects.get(user=omar).role == Membership.Role.ADMIN
    assert is_shelter_staff(omar)


def test_the_link_works_once(admin_client, client, shelter, run_worker):
    invite(admin_client, shelter)
    link = emailed_link(run_worker)
    client.logout()
    client.post(link, NEW_ACCOUNT)
    client.logout()

    again = client.post(link, {**NEW_ACCOUNT, "username": "mallory"})

    assert again.status_code == 410 and "already been used" in again.content.decode()
    assert not User.objects.filter(username="mallory").exists()


def test_an_expired_link_is_refused(admin_client, client, shelter, run_worker, settings):
    invite(admin_client, shelter)
    link = emailed_link(run_worker)
    Invitation.objects.update(created_at=timezone.now() - timedelta(days=settings.INVITATION_DAYS + 1))
    client.logout()

    response = client.get(link)

    assert response.status_code == 410 and "expired" in response.content.decode()


def test_a_tampered_or_cancelled_link_is_refused(admin_client, client, shelter, run_worker):
    invite(admin_client, shelter)
    link = emailed_link(run_worker)
    invitation = Invitation.objects.get()

    forged = client.get(link.replace(f"/join/{invitation.pk}:", f"/join/{invitation.pk + 1}:"))
    admin_client.post(reverse("shelters:cancel_invitation", args=[shelter.pk, invitation.pk]))
    cancelled = client.get(link)

    assert forged.status_code == 410 and cancelled.status_code == 410
    assert "not valid" in cancelled.content.decode()


def test_a_new_account_needs_a_free_username_and_matching_passwords(admin_client, client, shelter, run_worker):
    invite(admin_client, shelter)
    link = emailed_link(run_worker)
    make_owner("nina")
    client.logout()

    response = client.post(link, {**NEW_ACCOUNT, "password2": "something-else"})

    html = response.content.decode()
    assert response.status_code == 400 and "This username is taken" in html and "The two passwords differ" in html
    assert Invitation.objects.get().accepted_at is None


def test_only_the_shelters_admins_invite(client, shelter):
    staff = make_staff("sam", shelters=[shelter])
    other_admin = make_staff("olga")
    make_shelter("Southside Shelter").memberships.create(user=other_admin, role=Membership.Role.ADMIN)

    for user in (staff, other_admin):
        client.force_login(user)
        assert invite(client, shelter).status_code == 404
    assert not Invitation.objects.exists()


def test_it_will_not_invite_someone_who_already_works_there(admin_client, shelter, admin):
    response = invite(admin_client, shelter, admin.email.upper())

    assert response.status_code == 400 and "already works for this shelter" in response.content.decode()
