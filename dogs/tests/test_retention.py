"""The contact-view log is kept CONTACT_VIEW_RETENTION_DAYS; the background worker purges it daily."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from dogs import retention
from dogs.models import ContactView
from dogs.services import log_contact_views
from tests.factories import make_owner, make_staff

pytestmark = pytest.mark.django_db


@pytest.fixture
def views_of_all_ages(settings):
    settings.CONTACT_VIEW_RETENTION_DAYS = 365
    owner, staff = make_owner(), make_staff()
    for days in (1, 364, 366, 800):
        log_contact_views(staff, [(owner, "the dog's page")], f"/dogs/{days}/")
        ContactView.objects.filter(page=f"/dogs/{days}/").update(viewed_at=timezone.now() - timedelta(days=days))


@pytest.fixture
def fresh_day(monkeypatch):
    monkeypatch.setattr(retention, "_last_purge", None)


def pages() -> list[str]:
    return sorted(ContactView.objects.values_list("page", flat=True))


def test_the_worker_purges_rows_older_than_the_retention(views_of_all_ages, fresh_day, run_worker):
    run_worker()

    assert pages() == ["/dogs/1/", "/dogs/364/"]


def test_the_worker_purges_at_most_once_a_day(views_of_all_ages, fresh_day):
    assert retention.drain("w1") == 2
    ContactView.objects.filter(page="/dogs/364/").update(viewed_at=timezone.now() - timedelta(days=400))

    assert retention.drain("w1") == 0, "not again the same day"
    assert len(pages()) == 2


def test_the_command_says_what_it_would_delete_and_then_deletes_it(views_of_all_ages, capsys):
    call_command("purge_contact_views", dry_run=True)
    assert "2 contact view(s) older than 365 days would be deleted" in capsys.readouterr().out
    assert len(pages()) == 4

    call_command("purge_contact_views")

    assert pages() == ["/dogs/1/", "/dogs/364/"]
