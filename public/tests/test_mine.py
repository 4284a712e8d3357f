from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from dogs.models import Dog
from public.views import MY_CLAIMS_PER_PAGE, MY_LOST_PER_PAGE
from reunions.models import Claim, FoundReport, LostReport
from tests.factories import make_owner

pytestmark = pytest.mark.django_db

MINE = reverse("public:mine")
NOW = timezone.now()


def lost_dogs(owner, count: int, prefix: str) -> None:
    """Open lost reports, the newest first: prefix 00 was lost most recently."""
    for n in range(count):
        dog = Dog.objects.create(owner=owner, name=f"{prefix} {n:02}", status=Dog.Status.LOST)
        LostReport.objects.create(dog=dog, lost_at=NOW - timedelta(hours=n + 1), place="Riverside")


def claims(owner, shelter, count: int) -> None:
    for n in range(count):
        found = FoundReport.objects.create(
            dog=Dog.objects.create(kind=Dog.Kind.FOUND, name=f"Found {n}"),
            shelter=shelter,
            found_at=NOW,
            place=f"Place {n:02}",
            hold_until=NOW.date() + timedelta(days=5),
        )
        Claim.objects.create(owner=owner, found_report=found, message="Mine")


@pytest.fixture
def ana_client(client, ana):
    client.force_login(ana.user)
    return client


def test_it_pages_my_lost_dogs(ana_client, ana):
    lost_dogs(ana, MY_LOST_PER_PAGE + 2, "Lost")

    first = ana_client.get(MINE).context["lost_reports"]
    second = ana_client.get(MINE, {"lost_page": 2}).context["lost_reports"]

    assert [r.dog.name for r in first] == [f"Lost {n:02}" for n in range(MY_LOST_PER_PAGE)]
    assert [r.dog.name for r in second] == ["Lost 12", "Lost 13"]
    assert second.paginator.count == MY_LOST_PER_PAGE + 2


def test_it_pages_my_claims_apart_from_my_lost_dogs(ana_client, ana, shelter):
    lost_dogs(ana, MY_LOST_PER_PAGE + 2, "Lost")
    claims(ana, shelter, MY_CLAIMS_PER_PAGE + 1)

    response = ana_client.get(MINE, {"lost_page": 2, "claims_page": 2})
    html = response.content.decode()

    assert response.context["lost_reports"].number == 2
    assert [c.found_report.place for c in response.context["claims"]] == ["Place 00"], "the oldest claim last"
    # Each pager keeps the other list's page.
    assert 'href="?lost_page=1&amp;claims_page=2#lost" rel="prev"' in html
    assert 'href="?lost_page=2&amp;claims_page=1#claims" rel="prev"' in html


@pytest.mark.parametrize("bad, expected", [("x", 1), ("1.5", 1), ("99", 2)])
def test_it_answers_a_bad_page_number_with_the_first_or_last_page(ana_client, ana, bad, expected):
    lost_dogs(ana, MY_LOST_PER_PAGE + 2, "Lost")

    response = ana_client.get(MINE, {"lost_page": bad, "claims_page": bad})

    assert response.status_code == 200
    assert response.context["lost_reports"].number == expected
    assert response.context["claims"].number == 1, "no claims: one empty page"


def test_it_never_shows_another_owners_lost_dogs_or_claims(ana_client, ana, shelter):
    bob = make_owner("bobowner")
    lost_dogs(bob, 3, "Bobs")
    claims(bob, shelter, 2)
    lost_dogs(ana, MY_LOST_PER_PAGE + 2, "Lost")

    pages = [ana_client.get(MINE, {"lost_page": n, "claims_page": n}) for n in (1, 2)]

    for response in pages:
        assert "Bobs" not in response.content.decode()
        assert len(response.context["claims"]) == 0
