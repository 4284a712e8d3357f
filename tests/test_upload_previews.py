"""Every photo input carries what upload-previews.js needs; the script loads on every page."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from django.utils import timezone

from dogs.models import Dog
from dogs.photos import open_checked_photo
from reunions import services
from reunions.models import FoundReport, Shelter
from tests.factories import make_dog, make_owner, make_shelter, make_staff
from tests.support.photos import photo_upload

pytestmark = pytest.mark.django_db

FILE_INPUT = re.compile(r"<input type=\"file\"[^>]*>")


def file_inputs(response) -> list[str]:
    """The photo inputs, not the "Take a photo" camera inputs beside some of them."""
    assert response.status_code == 200
    return [tag for tag in FILE_INPUT.findall(response.content.decode()) if "capture=" not in tag]


def found_report(staff) -> FoundReport:
    shelter = Shelter.objects.create(name="Northside Shelter", stray_hold_days=5)
    report = FoundReport(shelter=shelter, found_at=timezone.now(), place="Main St park")
    report.hold_until = FoundReport.default_hold_until(shelter, report.found_at.date())
    upload = photo_upload(3)
    return services.record_found_dog(report, Dog(name="Found 3"), [(upload, open_checked_photo(upload))], staff)


@pytest.fixture
def small_limit(settings):
    settings.PHOTO_MAX_UPLOAD_BYTES = 1_234_567
    settings.PHOTOS_PER_FORM = 5


def test_it_marks_the_owners_photo_inputs_with_the_servers_limits(client, small_limit):
    owner = make_owner("ana")
    dog = make_dog(owner, "Luna", seeds=(21,))
    found = found_report(make_staff())
    client.force_login(owner.user)

    for url in (
        reverse("dogs:create"),
        reverse("dogs:edit", args=[dog.pk]),
        reverse("dogs:detail", args=[dog.pk]),
        reverse("public:found_search"),
        reverse("public:claim_create", args=[found.pk]),
    ):
        [photo_input] = file_inputs(client.get(url))
        assert "data-preview" in photo_input, url
        assert 'data-max-bytes="1234567"' in photo_input, url


def test_it_marks_the_staff_photo_inputs_too(client, small_limit):
    client.force_login(make_staff(shelters=[make_shelter()]))

    [search_input] = file_inputs(client.get(reverse("search:find_owner")))
    [found_input] = file_inputs(client.get(reverse("reunions:found_create")))

    assert "data-preview" in search_input and 'data-max-bytes="1234567"' in search_input
    assert "data-max-files" not in search_input
    assert "multiple" in found_input and 'data-max-files="5"' in found_input


def test_it_loads_the_preview_script_deferred(client):
    html = client.get(reverse("home")).content.decode()

    assert re.search(r'<script src="/static/js/upload-previews\.js" defer></script>', html)
