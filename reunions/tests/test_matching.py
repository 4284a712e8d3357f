from __future__ import annotations

import pytest
from django.core import mail
from django.urls import reverse

from dogs.models import Dog
from reunions.matching import MatchFilters, rank_dogs_for_found, rank_found_for_lost
from reunions.models import MatchCandidate
from search.backends.base import SearchFilters
from search.embeddings import active_model_name
from search.index import get_index
from tests.factories import make_dog, make_owner
from tests.support.photos import photo_upload

pytestmark = pytest.mark.django_db

AMSTERDAM, UTRECHT, PARIS = (52.37, 4.90), (52.09, 5.12), (48.86, 2.35)


@pytest.fixture
def dogs(index_backend):
    """Ten registered dogs, photo seeds 10..19; the dog with seed 13 has a microchip."""
    return [
        make_dog(
            make_owner(f"o{i}", email=f"o{i}@example.com"),
            f"Dog {i}",
            seeds=(10 + i,),
            microchip="985-1120-0000-0013" if i == 3 else "",
            breed="Beagle" if i % 2 else "Collie",
            sex="female" if i < 5 else "male",
        )
        for i in range(10)
    ]


def names(candidates) -> list[str]:
    return [c.dog.name for c in candidates]


def test_found_dogs_are_indexed_apart_and_never_offered_as_owners_dogs(dogs, record_found, client, staff):
    found = record_found(seeds=(15,))
    photo = found.dog.photos.get()

    assert found.dog.kind == Dog.Kind.FOUND and found.dog.owner is None
    hits = get_index().search(photo.vector, 3, active_model_name(), SearchFilters(kinds=("found",)))
    assert [h.photo_id for h in hits] == [photo.pk]
    client.force_login(staff)
    html = client.post(reverse("search:find_owner"), {"photo": photo_upload(15)}).content.decode()
    assert "Found 15" not in html and "Dog 5" in html


def test_the_same_dog_ranks_first_and_only_it_is_a_strong_match(dogs, record_found):
    candidates = rank_dogs_for_found(record_found(seeds=(16,)))

    assert names(candidates)[0] == "Dog 6"
    assert [c.dog.name for c in candidates if c.strong] == ["Dog 6"]
    assert len(set(names(candidates))) == len(candidates), "one result per dog"


def test_a_microchip_match_is_certain_and_ranks_first(dogs, record_found):
    candidates = rank_dogs_for_found(record_found(seeds=(16,), microchip="985 1120 0000 0013"))

    assert names(candidates)[:2] == ["Dog 3", "Dog 6"]
    assert candidates[0].microchip_match and candidates[0].strong


def test_lost_dogs_rank_before_other_dogs(dogs, record_found, report_lost):
    report_lost(dogs[8])

    candidates = rank_dogs_for_found(record_found(seeds=(16,)))

    assert names(candidates)[0] == "Dog 8"
    assert candidates[0].is_lost
    assert names(candidates)[1] == "Dog 6"


def test_filters_on_breed_sex_distance_and_dates(dogs, record_found, report_lost):
    report_lost(dogs[1], days_ago=2, point=UTRECHT)
    report_lost(dogs[2], days_ago=30, point=PARIS)
    found = record_found(seeds=(11,), point=AMSTERDAM)

    assert set(names(rank_dogs_for_found(found, MatchFilters(breed="beagle")))) == {f"Dog {i}" for i in (1, 3, 5, 7, 9)}
    assert set(names(rank_dogs_for_found(found, MatchFilters(sex="male")))) == {f"Dog {i}" for i in range(5, 10)}
    near = rank_dogs_for_found(found, MatchFilters(radius_km=50))
    assert names(near) == ["Dog 1"] and 25 < near[0].distance_km < 45
    assert names(rank_dogs_for_found(found, MatchFilters(days=7))) == ["Dog 1"]
    assert set(names(rank_dogs_for_found(found, MatchFilters(radius_km=1000, days=60)))) == {"Dog 1", "Dog 2"}


def test_rejected_pairs_stay_hidden(dogs, record_found, staff, client):
    found = record_found(seeds=(16,))
    client.force_login(staff)

    client.post(reverse("reunions:review", args=[found.pk, dogs[6].pk]), {"decision": "reject"})

    assert "Dog 6" not in names(rank_dogs_for_found(found))
    assert MatchCandidate.objects.get(found_report=found, dog=dogs[6]).status == "rejected"


def test_a_found_dog_matching_a_lost_dog_alerts_staff_and_the_owner(dogs, record_found, report_lost):
    report_lost(dogs[4])
    mail.outbox.clear()

    found = record_found(seeds=(14,))

    candidate = MatchCandidate.objects.get(found_report=found)
    assert candidate.dog == dogs[4] and candidate.status == "pending"
    staff_mail = next(m for m in mail.outbox if "review" in m.subject)
    owner_mail = next(m for m in mail.outbox if m.to == ["o4@example.com"])
    assert f"https://reunite.example.org{found.get_absolute_url()}" in staff_mail.body
    lost_url = dogs[4].lost_reports.get().get_absolute_url()
    assert f"https://reunite.example.org{lost_url}" in owner_mail.body
    for private in ("desk@northside.example", "sam@shelter.example", "Main St"):
        assert private not in owner_mail.body


def test_a_weak_look_alike_raises_no_alert(dogs, record_found):
    mail.outbox.clear()

    record_found(seeds=(99,))

    assert not MatchCandidate.objects.exists()
    assert mail.outbox == []


def test_reporting_a_dog_lost_ranks_open_found_dogs_and_emails_the_owner(dogs, record_found, report_lost):
    record_found(seeds=(17,), name="Shelter #A")
    record_found(seeds=(55,), name="Shelter #B")
    mail.outbox.clear()

    lost = report_lost(dogs[7])

    candidates = rank_found_for_lost(lost)
    assert names(candidates)[0] == "Shelter #A" and candidates[0].strong
    assert [c.strong for c in candidates] == [True, False]
    assert any(m.to == ["o7@example.com"] for m in mail.outbox)
    assert MatchCandidate.objects.get().dog == dogs[7]


def test_the_owner_sees_found_matches_with_the_shelters_contact_only(dogs, record_found, report_lost, client):
    record_found(seeds=(17,), name="Shelter #A")
    lost = report_lost(dogs[7])
    client.force_login(dogs[7].owner.user)

    html = client.get(lost.get_absolute_url()).content.decode()

    assert "Northside Shelter" in html and "+1 555 0199" in html
    assert "sam@shelter.example" not in html
    other = make_owner("nosy")
    client.force_login(other.user)
    assert client.get(lost.get_absolute_url()).status_code == 404
