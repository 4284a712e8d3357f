from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from dogs.models import Dog
from reunions.models import FoundReport, LostReport, MatchCandidate, Reunion
from reunions.views import (
    AWAITING_REVIEW_PER_PAGE,
    FOUND_IN_CARE_PER_PAGE,
    LOST_WITHOUT_MATCHES_PER_PAGE,
    OPEN_CLAIMS_PER_PAGE,
    REUNIONS_PER_PAGE,
)
from tests.factories import make_owner

pytestmark = pytest.mark.django_db

DASHBOARD = reverse("reunions:dashboard")
NOW = timezone.now()


def found(shelter, name: str, hold_days: int = 5, status=FoundReport.Status.OPEN) -> FoundReport:
    return FoundReport.objects.create(
        dog=Dog.objects.create(kind=Dog.Kind.FOUND, name=name),
        shelter=shelter,
        found_at=NOW,
        place="Harbour",
        hold_until=NOW.date() + timedelta(days=hold_days),
        status=status,
    )


def in_care(shelter, count: int) -> None:
    """Found dogs whose holds end a day apart: "In care 00" ends first."""
    for n in range(count):
        found(shelter, f"In care {n:02}", hold_days=n)


def lost_without_matches(count: int) -> None:
    owner = make_owner("lostowner")
    for n in range(count):
        dog = Dog.objects.create(owner=owner, name=f"Lost {n:02}", status=Dog.Status.LOST)
        LostReport.objects.create(dog=dog, lost_at=NOW - timedelta(hours=n + 1), place="Riverside")


@pytest.fixture
def staff_client(client, staff):
    client.force_login(staff)
    return client


def test_it_pages_the_found_dogs_in_care_and_counts_them_all(staff_client, shelter):
    in_care(shelter, FOUND_IN_CARE_PER_PAGE + 2)

    first = staff_client.get(DASHBOARD)
    second = staff_client.get(DASHBOARD, {"found_page": 2})

    assert [r.dog.name for r in first.context["open_found"]] == [f"In care {n:02}" for n in range(25)]
    assert [r.dog.name for r in second.context["open_found"]] == ["In care 25", "In care 26"]
    assert first.context["counts"]["open_found"] == second.context["counts"]["open_found"] == 27
    assert "<strong>27</strong> found dogs in care" in second.content.decode()


def test_it_pages_each_list_on_its_own_and_keeps_the_others_page(staff_client, shelter):
    in_care(shelter, FOUND_IN_CARE_PER_PAGE + 2)
    lost_without_matches(LOST_WITHOUT_MATCHES_PER_PAGE + 1)

    response = staff_client.get(DASHBOARD, {"found_page": 2})
    html = response.content.decode()

    assert response.context["open_found"].number == 2
    assert response.context["lost_without_matches"].number == 1
    assert "Lost dogs without matches (26)" in html
    assert 'href="?found_page=2&amp;lost_page=2#lost" rel="next"' in html
    assert 'href="?found_page=1#in-care" rel="prev"' in html
    lost = staff_client.get(DASHBOARD, {"found_page": 2, "lost_page": 2}).context["lost_without_matches"]
    assert [r.dog.name for r in lost] == ["Lost 25"]


def test_it_pages_candidates_past_the_first_fifty(staff_client, shelter):
    report = found(shelter, "Found dog")
    owner = make_owner("candidateowner")
    total = 2 * AWAITING_REVIEW_PER_PAGE + 3
    for n in range(total):
        dog = Dog.objects.create(owner=owner, name=f"Candidate {n:02}")
        MatchCandidate.objects.create(found_report=report, dog=dog, score=0.99 - n / 1000)

    last = staff_client.get(DASHBOARD, {"review_page": 3})

    assert [c.dog.name for c in last.context["awaiting"]] == ["Candidate 50", "Candidate 51", "Candidate 52"]
    assert f"Candidate matches awaiting review ({total})" in last.content.decode()


def test_it_pages_the_reunions_newest_first(staff_client, shelter):
    owner = make_owner("homeowner")
    for n in range(REUNIONS_PER_PAGE + 2):
        report = found(shelter, f"Found {n}", status=FoundReport.Status.REUNITED)
        dog = Dog.objects.create(owner=owner, name=f"Home {n:02}")
        Reunion.objects.create(found_report=report, dog=dog, confirmed_at=NOW - timedelta(days=n))

    older = staff_client.get(DASHBOARD, {"reunions_page": 2}).context["recent_reunions"]

    assert [r.dog.name for r in older] == ["Home 10", "Home 11"]


@pytest.mark.parametrize("bad, expected", [("", 1), ("nope", 1), ("0", 2), ("1e3", 1), ("500", 2)])
def test_it_answers_a_bad_page_number_with_the_first_or_last_page(staff_client, shelter, bad, expected):
    in_care(shelter, FOUND_IN_CARE_PER_PAGE + 2)

    response = staff_client.get(DASHBOARD, {"found_page": bad, "review_page": bad})

    assert response.status_code == 200
    assert response.context["open_found"].number == expected
    assert response.context["awaiting"].number == 1


def test_it_pages_the_owners_claims_and_logs_only_the_contacts_shown(staff_client, staff, shelter):
    from dogs.models import ContactView
    from reunions.models import Claim

    report = found(shelter, "Claimed")
    for n in range(OPEN_CLAIMS_PER_PAGE + 1):
        Claim.objects.create(owner=make_owner(f"owner{n:02}"), found_report=report, message=f"Mine {n}")

    first = staff_client.get(DASHBOARD)
    shown_first = set(ContactView.objects.values_list("owner__name", flat=True))
    second = staff_client.get(DASHBOARD, {"claims_page": 2})

    assert len(first.context["open_claims"]) == OPEN_CLAIMS_PER_PAGE
    assert [c.message for c in second.context["open_claims"]] == ["Mine 0"], "oldest last"
    assert f"({OPEN_CLAIMS_PER_PAGE + 1})" in first.content.decode()
    assert len(shown_first) == OPEN_CLAIMS_PER_PAGE and "Owner00" not in shown_first
    assert "Owner00" in set(ContactView.objects.values_list("owner__name", flat=True))
