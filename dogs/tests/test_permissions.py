from __future__ import annotations

import pytest
from django.urls import reverse

from dogs.models import Dog
from tests.factories import make_dog, make_owner, make_staff
from tests.support.photos import photo_upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def alices_dog():
    return make_dog(make_owner("alice", phone="+1 555 0101", email="alice@example.com"), "Rex", seeds=(1,))


@pytest.fixture
def bob_client(client):
    client.force_login(make_owner("bob").user)
    return client


@pytest.mark.parametrize(
    "url_name,method",
    [
        ("dogs:detail", "get"),
        ("dogs:edit", "get"),
        ("dogs:edit", "post"),
        ("dogs:delete", "get"),
        ("dogs:delete", "post"),
        ("dogs:photo_add", "post"),
    ],
)
def test_an_owner_cannot_reach_another_owners_dog_by_guessing_urls(bob_client, alices_dog, url_name, method):
    url = reverse(url_name, args=[alices_dog.pk])
    response = getattr(bob_client, method)(url, {"name": "Stolen", "photos": [photo_upload(9)]})

    assert response.status_code == 404
    assert Dog.objects.get(pk=alices_dog.pk).name == "Rex"
    assert alices_dog.photos.count() == 1


@pytest.mark.parametrize("url_name", ["dogs:photo_delete", "dogs:photo_image"])
def test_an_owner_cannot_reach_another_owners_photos(bob_client, alices_dog, url_name):
    photo = alices_dog.photos.get()

    assert bob_client.get(reverse(url_name, args=[photo.pk])).status_code == 404
    assert bob_client.post(reverse("dogs:photo_delete", args=[photo.pk])).status_code == 404
    assert alices_dog.photos.count() == 1


def test_my_dogs_lists_only_my_own(bob_client, alices_dog):
    make_dog(bob_client.get(reverse("dogs:my_dogs")).wsgi_request.user.owner, "Fido", seeds=(2,))

    page = bob_client.get(reverse("dogs:my_dogs")).content.decode()

    assert "Fido" in page and "Rex" not in page


def test_a_non_staff_user_cannot_open_the_photo_search(bob_client):
    assert bob_client.get(reverse("search:find_owner")).status_code == 403
    response = bob_client.post(reverse("search:find_owner"), {"photo": photo_upload(1)})
    assert response.status_code == 403
    assert "alice@example.com" not in response.content.decode()


def test_anonymous_visitors_are_sent_to_log_in(client, alices_dog):
    for url in (reverse("search:find_owner"), reverse("dogs:detail", args=[alices_dog.pk]), reverse("dogs:my_dogs")):
        response = client.get(url)
        assert response.status_code == 302 and response.url.startswith(reverse("login"))


def test_staff_see_the_owners_contact_on_the_dog_page(client, alices_dog):
    client.force_login(make_staff())

    page = client.get(reverse("dogs:detail", args=[alices_dog.pk])).content.decode()

    assert "+1 555 0101" in page and "alice@example.com" in page
    assert "Edit" not in page, "staff correct records in the admin, not through the owner's form"


def test_photos_are_served_as_images_only(client, alices_dog):
    client.force_login(alices_dog.owner.user)

    response = client.get(reverse("dogs:photo_image", args=[alices_dog.photos.get().pk]))

    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_media_files_are_not_served_by_path(client, alices_dog):
    photo = alices_dog.photos.get()
    assert client.get("/media/" + photo.image.name).status_code == 404
