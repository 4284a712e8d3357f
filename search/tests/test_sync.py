from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from dogs.models import Dog, DogPhoto
from search.backends.base import SearchFilters
from search.embeddings import active_model_name
from search.index import get_index
from search.models import PendingIndexUpdate
from tests.factories import make_dog, make_owner
from tests.support.photos import image_bytes, make_image

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, django_user_model):
    client.force_login(django_user_model.objects.create_superuser("root", "root@example.com", "x-long-password"))
    return client


def test_a_breed_corrected_in_the_admin_is_reindexed(admin_client, index_backend, run_worker):
    dog = make_dog(make_owner(), "Rex", breed="Labrador")
    vector = dog.photos.get().vector

    data = {
        "owner": dog.owner_id,
        "kind": "registered",
        "size": "unknown",
        "status": "home",
        "name": "Rex",
        "breed": "Golden Retriever",
        "sex": "male",
        "colour": "",
        "notes": "",
        "birth_date": "",
        "microchip": "",
        "photos-TOTAL_FORMS": "1",
        "photos-INITIAL_FORMS": "1",
        "photos-MIN_NUM_FORMS": "0",
        "photos-MAX_NUM_FORMS": "1000",
        "photos-0-id": dog.photos.get().pk,
        "photos-0-dog": dog.pk,
        "photos-0-taken_at_0": "",
        "photos-0-taken_at_1": "",
        "photos-0-latitude": "",
        "photos-0-longitude": "",
    }
    response = admin_client.post(reverse("admin:dogs_dog_change", args=[dog.pk]), data)
    run_worker()

    assert response.status_code == 302, response.content.decode()[:2000]
    index = get_index()
    golden = index.search(vector, 5, active_model_name(), SearchFilters(breed="Golden Retriever"))
    labrador = index.search(vector, 5, active_model_name(), SearchFilters(breed="Labrador"))
    assert [m.dog_id for m in golden] == [dog.pk]
    assert labrador == []


def test_a_photo_replaced_in_the_admin_is_embedded_again(admin_client, index_backend, run_worker):
    dog = make_dog(make_owner(), "Rex", seeds=(1,))
    photo = dog.photos.get()
    old_vector = photo.vector.copy()
    new_file = SimpleUploadedFile("new.jpg", image_bytes(make_image(77)), "image/jpeg")

    response = admin_client.post(
        reverse("admin:dogs_dogphoto_change", args=[photo.pk]),
        {"dog": dog.pk, "image": new_file, "taken_at_0": "", "taken_at_1": "", "latitude": "", "longitude": ""},
    )
    run_worker()

    assert response.status_code == 302, response.content.decode()[:2000]
    photo.refresh_from_db()
    assert photo.vector is not None
    assert float(photo.vector @ old_vector) < 0.999
    top = get_index().search(photo.vector, 1, active_model_name())
    assert top[0].photo_id == photo.pk and top[0].score > 0.999


def test_photos_saved_from_code_are_indexed_by_the_worker(index_backend, run_worker):
    dog = make_dog(make_owner(), "Rex", seeds=(1,))
    photo = dog.photos.get()
    photo.pk = None
    photo.embedding = None
    photo.embedding_model = ""
    photo.save()
    assert PendingIndexUpdate.objects.filter(photo_id=photo.pk).exists(), "recorded with the save"
    run_worker()

    assert get_index().photo_ids() == set(DogPhoto.objects.values_list("pk", flat=True))
    photo.refresh_from_db()
    assert photo.embedding_model == active_model_name()


def test_a_rolled_back_change_never_reaches_the_index(index_backend):
    from django.db import transaction

    dog = make_dog(make_owner(), "Rex", seeds=(1,))
    with pytest.raises(RuntimeError), transaction.atomic():
        Dog.objects.get(pk=dog.pk).delete()
        raise RuntimeError("rolled back")

    assert Dog.objects.filter(pk=dog.pk).exists()
    assert get_index().photo_ids() == {dog.photos.get().pk}
    assert dog.photos.get().image.storage.exists(dog.photos.get().image.name)
    assert not PendingIndexUpdate.objects.exists()
