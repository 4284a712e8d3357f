"""A dog has at most one open lost report: several at chosen points would let its owner place a found dog."""

from __future__ import annotations

import pytest
from django import forms
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from reunions.forms import LostReportForm
from reunions.models import LostReport
from tests.factories import make_dog, make_owner

pytestmark = pytest.mark.django_db

REPORT = {"lost_at": "2026-11-01T10:00", "place": "Riverside park", "latitude": "52.1", "longitude": "4.3"}


@pytest.fixture
def rex():
    return make_dog(make_owner("ana"), "Rex", index=False)


def report_lost(client, dog, **fields):
    return client.post(reverse("reunions:lost_create", args=[dog.pk]), {**REPORT, **fields})


def test_it_refuses_a_second_open_report_for_the_same_dog(client, rex):
    client.force_login(rex.owner.user)
    assert report_lost(client, rex).status_code == 302

    response = report_lost(client, rex, place="Somewhere else", latitude="52.2")

    assert response.status_code == 200
    assert "Rex is already reported lost" in response.content.decode()
    assert 'value="Somewhere else"' in response.content.decode(), "what was typed is kept"
    assert LostReport.objects.count() == 1


def test_it_shows_the_open_report_instead_of_a_second_form(client, rex):
    client.force_login(rex.owner.user)
    report_lost(client, rex)

    response = client.get(reverse("reunions:lost_create", args=[rex.pk]))

    assert response.status_code == 302 and response.url == LostReport.objects.get().get_absolute_url()


def test_it_accepts_a_new_report_once_the_dog_was_marked_home(client, rex):
    client.force_login(rex.owner.user)
    report_lost(client, rex)
    client.post(reverse("reunions:lost_home", args=[LostReport.objects.get().pk]))

    assert report_lost(client, rex, place="Old town").status_code == 302
    assert LostReport.objects.open().get().place == "Old town"


def test_two_tabs_racing_get_the_forms_message_not_a_500(client, rex, monkeypatch):
    # The other tab's report lands after this form's check: the database constraint decides.
    monkeypatch.setattr(LostReportForm, "clean", forms.ModelForm.clean)
    client.force_login(rex.owner.user)
    LostReport.objects.create(dog=rex, lost_at=timezone.now(), place="Park")

    response = report_lost(client, rex)

    assert response.status_code == 200 and "Rex is already reported lost" in response.content.decode()
    assert LostReport.objects.count() == 1


def test_the_database_refuses_a_second_open_report(rex):
    LostReport.objects.create(dog=rex, lost_at=timezone.now(), place="Park")

    with pytest.raises(IntegrityError), transaction.atomic():
        LostReport.objects.create(dog=rex, lost_at=timezone.now(), place="Elsewhere")
