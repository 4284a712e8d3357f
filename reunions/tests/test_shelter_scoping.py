"""Staff see their own shelters' found dogs, review, claims and dashboard; owners are found network-wide."""

from __future__ import annotations

import pytest
from django.core import mail
from django.urls import reverse

from dogs.models import ContactView
from reunions.models import Claim, FoundReport, MatchCandidate
from tests.factories import make_dog, make_owner, make_shelter, make_staff, record_intake
from tests.support.photos import photo_upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def south_staff(db):
    return make_staff("tess")


@pytest.fixture
def south(south_staff):
    return make_shelter("Southside Shelter", members=[south_staff])


@pytest.fixture
def record_south(south, south_staff):
    def record(seeds=(1,), name="South dog") -> FoundReport:
        return record_intake(south, seeds, name, user=south_staff)

    return record


@pytest.fixture
def luna():
    return make_dog(make_owner("ana", name="Anastasia Quill", phone="+1 555 0142"), "Luna", seeds=(21,))


@pytest.fixture
def theirs(record_south, luna) -> FoundReport:
    """A found dog of the other shelter, with a candidate (Luna, the same photo) and an owner's claim."""
    report = record_south(seeds=(21,))
    assert MatchCandidate.objects.filter(found_report=report, dog=luna).exists()
    Claim.objects.create(owner=luna.owner, found_report=report, dog_photo=luna.photos.get(), message="Mine!")
    return report


def test_it_answers_404_for_another_shelters_found_dog_review_and_claims(client, staff, theirs, luna):
    claim = theirs.claims.get()
    client.force_login(staff)

    assert client.get(theirs.get_absolute_url()).status_code == 404
    review = client.post(reverse("reunions:review", args=[theirs.pk, luna.pk]), {"decision": "confirm"})
    assert review.status_code == 404
    for name in ("claim_found_photo", "claim_owner_photo", "claim_resolve"):
        method = client.post if name == "claim_resolve" else client.get
        assert method(reverse(f"reunions:{name}", args=[claim.pk])).status_code == 404, name
    claim.refresh_from_db()
    theirs.refresh_from_db()
    assert claim.status == Claim.Status.OPEN and theirs.status == FoundReport.Status.OPEN


def test_the_dashboard_lists_and_counts_only_the_members_shelters(client, staff, south_staff, theirs, record_found):
    ours = record_found(seeds=(31,), name="North dog")
    client.force_login(staff)

    response = client.get(reverse("reunions:dashboard"))

    html = response.content.decode()
    assert [r.pk for r in response.context["open_found"]] == [ours.pk]
    assert list(response.context["awaiting"]) == [] and list(response.context["open_claims"]) == []
    assert response.context["counts"]["found_this_month"] == 1
    assert "South dog" not in html and "Anastasia Quill" not in html
    client.force_login(south_staff)
    theirs_page = client.get(reverse("reunions:dashboard"))
    assert [r.pk for r in theirs_page.context["open_found"]] == [theirs.pk]
    assert [c.dog.name for c in theirs_page.context["awaiting"]] == ["Luna"]
    assert "Anastasia Quill" in theirs_page.content.decode(), "their own claim, with the owner's contact"


def test_a_network_administrator_sees_every_shelters_found_dogs(client, theirs, record_found, django_user_model):
    ours = record_found(seeds=(31,), name="North dog")
    admin = django_user_model.objects.create_superuser("root", "root@example.org", "pw")
    client.force_login(admin)

    response = client.get(reverse("reunions:dashboard"))

    assert {r.pk for r in response.context["open_found"]} == {ours.pk, theirs.pk}
    assert client.get(theirs.get_absolute_url()).status_code == 200


def test_the_photo_search_finds_owners_registered_through_any_shelter(client, staff, shelter, theirs, luna):
    client.force_login(staff)

    response = client.post(reverse("search:find_owner"), {"photo": photo_upload(21)})

    assert [m.dog for m in response.context["results"]] == [luna]
    assert "Anastasia Quill" in response.content.decode()
    view = ContactView.objects.get(owner=luna.owner)
    assert (view.viewer, view.shelter) == (staff, shelter), "logged for the shelter the member acts for"


def test_a_found_dogs_page_logs_contacts_for_that_dogs_shelter(client, south_staff, south, theirs, luna):
    client.force_login(south_staff)

    html = client.get(theirs.get_absolute_url()).content.decode()

    assert "Anastasia Quill" in html
    view = ContactView.objects.get()
    assert (view.shelter, view.reason) == (south, "Likely match")


def test_a_member_of_several_shelters_chooses_whom_the_search_acts_for(client, staff, shelter, south, luna):
    south.memberships.create(user=staff)
    client.force_login(staff)

    page = client.get(reverse("search:find_owner")).content.decode()
    chosen = client.post(reverse("shelters:acting_for"), {"shelter": south.pk, "next": reverse("search:find_owner")})
    client.post(reverse("search:find_owner"), {"photo": photo_upload(21)})

    assert "Acting for" in page and "Southside Shelter" in page
    assert chosen.status_code == 302 and chosen["Location"] == reverse("search:find_owner")
    assert ContactView.objects.get().shelter == south


def test_a_member_cannot_act_for_a_shelter_they_do_not_work_for(client, staff, south):
    client.force_login(staff)

    assert client.post(reverse("shelters:acting_for"), {"shelter": south.pk}).status_code == 404
    assert client.post(reverse("shelters:acting_for"), {"shelter": "south"}).status_code == 404


def test_match_alerts_go_to_the_members_of_the_found_dogs_shelter_only(staff, south_staff, record_south, luna):
    mail.outbox.clear()

    record_south(seeds=(21,))

    alert = next(m for m in mail.outbox if "review" in m.subject)
    assert alert.to == [south_staff.email] and staff.email not in alert.to


def test_intake_offers_only_the_members_shelters(client, staff, shelter, south):
    client.force_login(staff)

    form = client.get(reverse("reunions:found_create")).context["report_form"]
    response = client.post(
        reverse("reunions:found_create"),
        {
            "dog-name": "Sneaky",
            "dog-sex": "unknown",
            "dog-size": "unknown",
            "dog-photos": [photo_upload(5)],
            "report-shelter": south.pk,
            "report-place": "Quay",
            "report-found_at": "2024-05-01T10:00",
        },
    )

    assert list(form.fields["shelter"].queryset) == [shelter]
    assert response.status_code == 200 and "Select a valid choice" in response.content.decode()
    assert not FoundReport.objects.exists()


def test_show_contact_on_a_found_dogs_page_is_logged_for_that_dogs_shelter(client, staff, shelter, south, luna):
    south.memberships.create(user=staff)
    client.force_login(staff)
    contact = reverse("dogs:contact", args=[luna.pk])

    client.post(contact, {"page": "/reunions/found/1/", "shelter": south.pk})
    client.post(contact, {"page": "/reunions/found/1/", "shelter": "999"})

    assert [view.shelter for view in ContactView.objects.order_by("pk")] == [south, shelter]
