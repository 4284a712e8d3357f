from __future__ import annotations

import re

import pytest
from django.urls import reverse

from dogs.models import Dog
from tests.factories import make_dog, make_owner, make_staff
from tests.support.photos import photo_upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def thirty_dogs(index_backend):
    dogs = []
    for i in range(30):
        owner = make_owner(f"owner{i}", phone=f"+1 555 01{i:02d}", email=f"owner{i}@example.com")
        dogs.append(make_dog(owner, f"Dog {i}", seeds=(100 + i,), breed="Mixed" if i % 2 else "Collie"))
    return dogs


@pytest.fixture
def staff_client(client):
    client.force_login(make_staff())
    return client


def cards(html: str) -> list[str]:
    return html.split('<li class="card result strength-')[1:]


def result_names(html: str) -> list[str]:
    """Every card's dog, linked (likely or possible) or not (unlikely, folded away)."""
    return [re.search(r'<h3>(?:<a href="/dogs/\d+/">)?([^<]+)(?:</a>)?</h3>', card)[1] for card in cards(html)]


def test_the_exact_photo_ranks_its_dog_first_with_the_owners_contact(staff_client, thirty_dogs):
    response = staff_client.post(reverse("search:find_owner"), {"photo": photo_upload(100 + 17)})

    html = response.content.decode()
    assert response.status_code == 200
    names = result_names(html)
    assert names[0] == "Dog 17"
    assert len(names) == 10, "the top 10 dogs, one card each"
    assert len(set(names)) == 10
    first_card, *others = cards(html)
    assert "owner17@example.com" in first_card and "+1 555 0117" in first_card
    assert "Likely match</strong> · similarity 1.000" in first_card
    assert len(others) == 9 and all("Unlikely" in card and "@example.com" not in card for card in others)


def test_one_card_per_dog_scored_by_its_best_photo(staff_client, index_backend):
    owner = make_owner("multi")
    make_dog(owner, "Many Photos", seeds=(1, 2, 3, 4))
    for i in range(5):
        make_dog(make_owner(f"other{i}"), f"Other {i}", seeds=(50 + i,))

    html = staff_client.post(reverse("search:find_owner"), {"photo": photo_upload(3)}).content.decode()

    names = result_names(html)
    assert names[0] == "Many Photos"
    assert names.count("Many Photos") == 1


def test_a_deleted_dog_disappears_from_results(staff_client, thirty_dogs):
    Dog.objects.get(name="Dog 17").delete()

    html = staff_client.post(reverse("search:find_owner"), {"photo": photo_upload(100 + 17)}).content.decode()

    assert "Dog 17" not in result_names(html)
    assert "owner17@example.com" not in html


def test_the_breed_filter_keeps_only_that_breed(staff_client, thirty_dogs):
    html = staff_client.post(
        reverse("search:find_owner"), {"photo": photo_upload(100 + 17), "breed": "collie"}
    ).content.decode()

    names = result_names(html)
    assert names and all(int(name.split()[1]) % 2 == 0 for name in names)


def test_a_bad_upload_gets_a_clear_message(staff_client, index_backend):
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = staff_client.post(
        reverse("search:find_owner"), {"photo": SimpleUploadedFile("dog.jpg", b"GIF89a broken", "image/jpeg")}
    )

    assert response.status_code == 400
    assert 'class="errors"' in response.content.decode()


def test_with_no_dogs_registered_it_says_so(staff_client, index_backend):
    html = staff_client.post(reverse("search:find_owner"), {"photo": photo_upload(1)}).content.decode()

    assert "No registered dogs to compare with yet." in html
