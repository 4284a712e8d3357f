from __future__ import annotations

import pytest
from django.urls import reverse

from reunions.models import FoundReport
from search.labels import Strength
from tests.factories import make_dog, make_owner
from tests.support.photos import photo_upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def found_dogs(index_backend, record_found):
    """Six found dogs in care, photo seeds 10..15, and one gone home that looks exactly like Luna."""
    dogs = [record_found(seeds=(10 + i,), place=f"Street {i}", breed="Beagle") for i in range(6)]
    gone = record_found(seeds=(21,), place="Gone Home Lane")
    FoundReport.objects.filter(pk=gone.pk).update(status=FoundReport.Status.REUNITED)
    return dogs


def ranked(response) -> list:
    """Every result, best first: the likely and possible ones shown, then the unlikely ones folded away."""
    return response.context["results"] + response.context["unlikely"]


def test_it_ranks_the_same_dog_first_from_one_of_my_photos(client, found_dogs, ana):
    rex = make_dog(ana, "Rex", seeds=(13,))
    client.force_login(ana.user)

    response = client.post(reverse("public:found_search"), {"dog_photo": rex.photos.get().pk})

    results = ranked(response)
    assert response.status_code == 200
    assert results[0].dog.pk == found_dogs[3].pk and results[0].score > 0.99
    assert results[0].strength == Strength.LIKELY
    assert all(r.strength == Strength.UNLIKELY for r in results[1:])
    assert [r.score for r in results] == sorted((r.score for r in results), reverse=True)
    assert len({r.dog.pk for r in results}) == len(results), "one result per dog"
    html = response.content.decode()
    assert "Found Beagle near Street 3" in html and "Likely match</strong> · similarity 1.000" in html
    assert reverse("public:claim_create", args=[found_dogs[3].pk]) + f"?photo={rex.photos.get().pk}" in html


def test_it_ranks_the_same_dog_first_from_an_upload_and_stores_nothing(client, found_dogs, ana):
    from dogs.models import DogPhoto

    client.force_login(ana.user)
    photos_before = DogPhoto.objects.count()

    response = client.post(reverse("public:found_search"), {"photo": photo_upload(12)})

    assert ranked(response)[0].dog.pk == found_dogs[2].pk
    assert 'src="data:image/jpeg;base64,' in response.content.decode()
    assert DogPhoto.objects.count() == photos_before


def test_it_offers_only_found_dogs_in_care(client, found_dogs, luna):
    client.force_login(luna.owner.user)

    response = client.post(reverse("public:found_search"), {"dog_photo": luna.photos.get().pk})

    places = [r.dog.place for r in ranked(response)]
    assert "Gone Home Lane" not in places and len(places) == 6


def test_it_offers_only_my_own_photos(client, found_dogs, luna):
    other = make_dog(make_owner("mallory"), "Spot", seeds=(14,))
    client.force_login(luna.owner.user)

    response = client.post(reverse("public:found_search"), {"dog_photo": other.photos.get().pk})

    assert response.status_code == 400 and response.context["results"] is None
    assert "Select a valid choice" in response.content.decode()


def test_it_wants_one_photo(client, luna):
    client.force_login(luna.owner.user)

    neither = client.post(reverse("public:found_search"), {})
    both = client.post(reverse("public:found_search"), {"dog_photo": luna.photos.get().pk, "photo": photo_upload(1)})

    assert neither.status_code == 400 and "Choose one of your dogs" in neither.content.decode()
    assert both.status_code == 400 and "not both" in both.content.decode()


def test_it_rejects_non_images(client, luna):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(luna.owner.user)

    response = client.post(
        reverse("public:found_search"), {"photo": SimpleUploadedFile("x.jpg", b"<html>hi</html>", "image/jpeg")}
    )

    assert response.status_code == 400 and "not a supported image" in response.content.decode()


def test_it_needs_a_login(client):
    response = client.get(reverse("public:found_search"))

    assert response.status_code == 302 and "login" in response.url


def test_a_chosen_photo_whose_file_is_gone_gets_a_clear_message(client, found_dogs, ana):
    from dogs.models import DogPhoto

    rex = make_dog(ana, "Rex", seeds=(13,))
    photo = rex.photos.get()
    # A stale vector (another model) forces a fresh embedding from the file, which is missing.
    DogPhoto.objects.filter(pk=photo.pk).update(embedding_model="an-older-model")
    photo.image.storage.delete(photo.image.name)
    client.force_login(ana.user)

    response = client.post(reverse("public:found_search"), {"dog_photo": photo.pk})

    assert response.status_code == 400
    assert "could not be read" in response.content.decode()
    assert DogPhoto.objects.filter(pk=photo.pk).exists(), "nothing the owner stored is touched"
