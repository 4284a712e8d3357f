from __future__ import annotations

import pytest
from django.urls import reverse

from dogs.models import Dog
from dogs.views import MY_DOGS_PER_PAGE
from tests.factories import make_dog, make_owner

pytestmark = pytest.mark.django_db

MY_DOGS = reverse("dogs:my_dogs")


@pytest.fixture
def bob(client):
    owner = make_owner("bob")
    # Photo-less rows are enough for a list; names sort as created.
    Dog.objects.bulk_create(Dog(owner=owner, name=f"Dog {n:02}") for n in range(MY_DOGS_PER_PAGE + 6))
    client.force_login(owner.user)
    return owner


def names(response) -> list[str]:
    assert response.status_code == 200
    return [dog.name for dog in response.context["dogs"]]


def test_it_shows_a_page_of_my_dogs_at_a_time(client, bob):
    first = client.get(MY_DOGS)
    second = client.get(MY_DOGS, {"page": 2})

    assert names(first) == [f"Dog {n:02}" for n in range(MY_DOGS_PER_PAGE)]
    assert names(second) == [f"Dog {n:02}" for n in range(MY_DOGS_PER_PAGE, MY_DOGS_PER_PAGE + 6)]
    assert "Page 1 of 2" in first.content.decode() and 'href="?page=2" rel="next"' in first.content.decode()
    assert 'href="?page=1" rel="prev"' in second.content.decode()


@pytest.mark.parametrize("bad, expected", [("abc", 1), ("0", 2), ("-1", 2), ("99", 2), ("", 1)])
def test_it_answers_a_bad_page_number_with_the_first_or_last_page(client, bob, bad, expected):
    response = client.get(MY_DOGS, {"page": bad})

    assert response.status_code == 200
    assert response.context["dogs"].number == expected


def test_it_never_pages_in_another_owners_dogs(client, bob):
    make_dog(make_owner("alice"), "Alices Rex", seeds=(1,))

    pages = [client.get(MY_DOGS, {"page": n}).content.decode() for n in (1, 2, 3)]

    assert all("Alices Rex" not in page for page in pages)
    assert sum(len(names(client.get(MY_DOGS, {"page": n}))) for n in (1, 2)) == MY_DOGS_PER_PAGE + 6


def test_it_needs_no_more_queries_for_a_full_page(client, bob, django_assert_max_num_queries):
    with django_assert_max_num_queries(7):
        client.get(MY_DOGS)


def test_it_shows_no_pager_for_a_single_page(client):
    owner = make_owner("cleo")
    Dog.objects.create(owner=owner, name="Solo")
    client.force_login(owner.user)

    html = client.get(MY_DOGS).content.decode()

    assert "Solo" in html and 'class="pagination"' not in html
