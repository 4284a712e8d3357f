"""Password reset by email: one email for a confirmed address, the same answer for any other, rate-limited."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from django.contrib.auth.models import User
from django.core import mail
from django.urls import reverse

from tests.factories import make_owner, make_staff
from worker.models import QueuedTask

pytestmark = pytest.mark.django_db


def ask_reset(client, email: str):
    return client.post(reverse("password_reset"), {"email": email})


def test_it_sends_one_email_whose_link_sets_a_new_password(client, run_worker):
    make_owner("ana", email="ana@example.com")

    response = ask_reset(client, "ANA@example.com")
    assert not mail.outbox, "queued for the worker, not sent in the request"
    run_worker()

    assert response.status_code == 302 and response.url == reverse("password_reset_done")
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["ana@example.com"]
    link = urlsplit(re.search(r"https?://\S+", mail.outbox[0].body).group(0)).path
    form = client.get(link, follow=True)
    assert "Choose a new password" in form.content.decode()
    done = client.post(
        form.redirect_chain[-1][0],
        {"new_password1": "a-brand-new-passphrase", "new_password2": "a-brand-new-passphrase"},
    )
    assert done.status_code == 302
    assert User.objects.get(username="ana").check_password("a-brand-new-passphrase")
    logged_in = client.post(reverse("login"), {"username": "ana", "password": "a-brand-new-passphrase"})
    assert logged_in.status_code == 302 and logged_in.url == reverse("dogs:my_dogs")


def test_it_answers_an_unknown_address_exactly_like_a_known_one(client, run_worker):
    make_owner("ana", email="ana@example.com")

    known = ask_reset(client, "ana@example.com")
    unknown = ask_reset(client, "nobody@example.com")

    assert (known.status_code, known.url) == (unknown.status_code, unknown.url)
    assert [t.task_path for t in QueuedTask.objects.all()] == ["dogs.accounts.send_password_reset"] * 2
    run_worker()
    assert [m.to for m in mail.outbox] == [["ana@example.com"]]
    page = client.get(known.url).content.decode()
    assert "If an account has that address" in page


def test_it_sends_nothing_to_an_address_never_confirmed(client, run_worker):
    make_owner("ana", email="ana@example.com", email_verified_at=None)

    response = ask_reset(client, "ana@example.com")
    run_worker()

    assert response.status_code == 302 and not mail.outbox


def test_staff_without_an_owner_record_can_reset_too(client, run_worker):
    make_staff("sam")

    ask_reset(client, "sam@shelter.example")
    run_worker()

    assert [m.to for m in mail.outbox] == [["sam@shelter.example"]]


@pytest.mark.parametrize("email", ["ana@example.com", "nobody@example.com"])
def test_it_limits_requests_per_address_known_or_not(client, settings, run_worker, email):
    make_owner("ana", email="ana@example.com")

    statuses = [ask_reset(client, email.upper() if i % 2 else email).status_code for i in range(4)]
    refused = ask_reset(client, email)
    run_worker()

    assert statuses == [302] * settings.PASSWORD_RESETS_PER_HOUR + [429]
    assert refused.status_code == 429 and 0 < int(refused["Retry-After"]) <= 3601
    assert "several reset emails for this address" in refused.content.decode()
    assert len(mail.outbox) == (3 if email == "ana@example.com" else 0)
    assert ask_reset(client, "other@example.com").status_code == 302, "another address is counted apart"


def test_the_login_page_links_to_it(client):
    assert reverse("password_reset") in client.get(reverse("login")).content.decode()
