"""An owner's address is confirmed by a signed link before anything is sent to it but that link."""

from __future__ import annotations

import re
import time
from urllib.parse import urlsplit

import pytest
from django.core import mail
from django.core.signing import TimestampSigner
from django.urls import reverse

from dogs import accounts
from dogs.models import Owner
from dogs.tests.test_signup import SIGNUP
from tests.factories import make_owner

pytestmark = pytest.mark.django_db


def path_of_link(message) -> str:
    return urlsplit(re.search(r"https?://\S+", message.body).group(0)).path


def test_sign_up_queues_a_verification_email_and_the_link_confirms_the_address(client, run_worker):
    client.post(reverse("signup"), SIGNUP)
    owner = Owner.objects.get()
    assert not owner.email_verified and not mail.outbox, "queued, not sent in the request"

    run_worker()

    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["maria@example.com"]
    response = client.get(path_of_link(mail.outbox[0]))
    assert response.status_code == 302
    owner.refresh_from_db()
    assert owner.email_verified


def test_the_profile_says_the_address_is_not_confirmed_yet(client):
    owner = make_owner(email_verified_at=None)
    client.force_login(owner.user)

    html = client.get(reverse("dogs:profile")).content.decode()

    assert "is not confirmed yet" in html and "Send the link again" in html


def test_changing_the_address_unverifies_it_and_the_old_link_cannot_confirm_the_new_one(client, run_worker):
    owner = make_owner("ana", email="ana@example.com")
    old_link = accounts.verification_link(owner)
    client.force_login(owner.user)

    client.post(reverse("dogs:profile"), {"name": "Ana", "email": "ana@new.example", "phone": "1", "address": "X"})
    run_worker()

    owner.refresh_from_db()
    assert not owner.email_verified and owner.user.email == "ana@new.example"
    assert [m.to for m in mail.outbox] == [["ana@new.example"]]
    response = client.get(urlsplit(old_link).path)
    assert response.status_code == 400 and "no longer on the account" in response.content.decode()
    owner.refresh_from_db()
    assert not owner.email_verified
    client.get(path_of_link(mail.outbox[0]))
    owner.refresh_from_db()
    assert owner.email_verified


def test_saving_the_same_address_keeps_it_confirmed(client, run_worker):
    owner = make_owner("ana", email="ana@example.com")
    client.force_login(owner.user)

    client.post(reverse("dogs:profile"), {"name": "Ana B", "email": "ana@example.com", "phone": "1", "address": "X"})
    run_worker()

    owner.refresh_from_db()
    assert owner.email_verified and not mail.outbox


def test_an_expired_or_altered_link_says_what_to_do(client, monkeypatch):
    owner = make_owner(email_verified_at=None)
    signer = TimestampSigner(salt=accounts.VERIFICATION_SALT)
    token = signer.sign_object({"owner": owner.pk, "email": owner.email})

    altered = client.get(reverse("verify_email", args=[token[:-2] + "xx"]))
    assert altered.status_code == 400 and "not valid" in altered.content.decode()

    # A link signed eight days ago: the signer's clock is set back for the signing only.
    eight_days_ago = time.time() - 8 * 24 * 3600
    with monkeypatch.context() as patch:
        patch.setattr(time, "time", lambda: eight_days_ago)
        old = signer.sign_object({"owner": owner.pk, "email": owner.email})
    expired = client.get(reverse("verify_email", args=[old]))
    assert expired.status_code == 400 and "has expired" in expired.content.decode()
    owner.refresh_from_db()
    assert not owner.email_verified


def test_sending_the_link_again_is_limited(client, run_worker):
    owner = make_owner(email_verified_at=None)
    client.force_login(owner.user)

    statuses = [client.post(reverse("send_verification")).status_code for _ in range(4)]
    run_worker()

    assert statuses == [302, 302, 302, 429]
    assert len(mail.outbox) == 3
