from __future__ import annotations

import numpy as np
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from dogs.models import Dog, DogPhoto
from search.embeddings import active_model_name
from search.index import get_index
from search.models import PendingIndexUpdate
from tests.factories import make_owner
from tests.support.photos import photo_upload

pytestmark = pytest.mark.django_db

DOG = {"name": "Biscuit", "breed": "Beagle", "sex": "female", "colour": "tricolour", "microchip": "985112000000001"}


@pytest.fixture
def owner_client(client):
    owner = make_owner("alice")
    client.force_login(owner.user)
    client.owner = owner
    return client


def test_it_registers_a_dog_with_two_photos_embedded_and_indexed(owner_client, run_worker):
    response = owner_client.post(reverse("dogs:create"), {**DOG, "photos": [photo_upload(1), photo_upload(2)]})

    # The request only stores: embedding and indexing are the worker's.
    assert not DogPhoto.objects.filter(embedding__isnull=False).exists()
    assert PendingIndexUpdate.objects.count() == 2
    run_worker()
    dog = Dog.objects.get(name="Biscuit")
    assert response.status_code == 302 and response.url == dog.get_absolute_url()
    assert dog.owner == owner_client.owner
    photos = list(dog.photos.all())
    assert len(photos) == 2
    for photo in photos:
        assert photo.embedding_model == active_model_name()
        assert photo.vector.shape == (512,)
        assert abs(np.linalg.norm(photo.vector) - 1) < 1e-5
        assert not photo.image.name.endswith("dog-1.jpg")  # a generated name, not the browser's
    assert get_index().photo_ids() == {p.pk for p in photos}
    assert not PendingIndexUpdate.objects.exists()


def test_it_requires_a_photo(owner_client):
    response = owner_client.post(reverse("dogs:create"), DOG)

    assert response.status_code == 200
    assert "Add at least one photo" in response.content.decode()
    assert not Dog.objects.exists()


def test_a_bad_file_is_refused_with_its_name_and_nothing_is_stored(owner_client):
    fake = SimpleUploadedFile("holiday.jpg", b"<html>not a photo</html>", content_type="image/jpeg")

    response = owner_client.post(reverse("dogs:create"), {**DOG, "photos": [photo_upload(1), fake]})

    assert response.status_code == 200
    assert "holiday.jpg" in response.content.decode()
    assert not Dog.objects.exists() and not DogPhoto.objects.exists()
    assert 'value="Biscuit"' in response.content.decode()


def test_the_owner_can_add_and_delete_photos(owner_client, run_worker):
    owner_client.post(reverse("dogs:create"), {**DOG, "photos": [photo_upload(1)]})
    dog = Dog.objects.get()

    owner_client.post(reverse("dogs:photo_add", args=[dog.pk]), {"photos": [photo_upload(2)]})
    assert dog.photos.count() == 2
    first, second = dog.photos.all()

    owner_client.post(reverse("dogs:photo_delete", args=[first.pk]))
    run_worker()
    assert list(dog.photos.all()) == [second]
    assert get_index().photo_ids() == {second.pk}

    response = owner_client.post(reverse("dogs:photo_delete", args=[second.pk]), follow=True)
    assert dog.photos.count() == 1, "the last photo stays"
    assert "at least one photo" in response.content.decode()


def test_the_owner_can_edit_and_delete_their_dog(owner_client, run_worker):
    owner_client.post(reverse("dogs:create"), {**DOG, "photos": [photo_upload(1)]})
    dog = Dog.objects.get()

    owner_client.post(reverse("dogs:edit", args=[dog.pk]), {**DOG, "name": "Biscuit II", "sex": "female"})
    dog.refresh_from_db()
    assert dog.name == "Biscuit II"

    run_worker()
    assert get_index().photo_ids() == {dog.photos.get().pk}
    owner_client.post(reverse("dogs:delete", args=[dog.pk]))
    run_worker()
    assert not Dog.objects.exists() and not DogPhoto.objects.exists()
    assert get_index().photo_ids() == set()


def test_when_the_model_cannot_load_the_dog_is_still_saved(owner_client, settings, tmp_path, run_worker):
    from django.utils import timezone

    from search import embeddings

    good_model = settings.CLIP_MODEL
    settings.CLIP_MODEL = str(tmp_path / "no-such-model")
    embeddings.reset()

    response = owner_client.post(reverse("dogs:create"), {**DOG, "photos": [photo_upload(1)]}, follow=True)
    run_worker()

    dog = Dog.objects.get()
    assert response.status_code == 200
    assert "Not searchable yet" in response.content.decode()
    assert dog.photos.get().embedding is None
    waiting = PendingIndexUpdate.objects.get()
    assert waiting.attempts >= 1 and "CLIP_MODEL" in waiting.last_error
    assert waiting.next_attempt_at > timezone.now(), "retried after a back-off, not in a busy loop"

    settings.CLIP_MODEL = good_model
    embeddings.reset()
    PendingIndexUpdate.objects.update(next_attempt_at=timezone.now())  # the back-off has passed
    run_worker()
    assert not PendingIndexUpdate.objects.exists()
    assert get_index().photo_ids() == {dog.photos.get().pk}


def test_a_registration_whose_transaction_fails_leaves_no_file_behind(owner_client):
    from django.core.files.storage import default_storage
    from django.db import DatabaseError

    from dogs.services import register_dog
    from tests.factories import checked_uploads

    def files() -> set[str]:
        return set(default_storage.listdir("dogs/photos/")[1]) if default_storage.exists("dogs/photos/") else set()

    before = files()

    def locked(dog) -> None:  # what SQLite said under load, after both photos were written
        raise DatabaseError("database is locked")

    with pytest.raises(DatabaseError):
        register_dog(Dog(name="Rex"), owner_client.owner, checked_uploads((1, 2)), also=locked)

    assert not Dog.objects.exists() and not DogPhoto.objects.exists()
    assert files() == before, "the two photo files went with the rolled-back rows"


def test_a_registration_never_loads_or_waits_for_the_model(owner_client, monkeypatch):
    """With the model unreachable (a hub that never answers, say), uploads answer at once: the worker embeds."""
    from search import embeddings

    def unreachable(*args, **kwargs):
        raise AssertionError("a web request asked for the model")

    monkeypatch.setattr(embeddings, "get_encoder", unreachable)
    monkeypatch.setattr(embeddings, "embed_images", unreachable)

    response = owner_client.post(reverse("dogs:create"), {**DOG, "photos": [photo_upload(1), photo_upload(2)]})
    added = owner_client.post(reverse("dogs:photo_add", args=[Dog.objects.get().pk]), {"photos": [photo_upload(3)]})

    assert response.status_code == added.status_code == 302
    assert DogPhoto.objects.count() == 3 and PendingIndexUpdate.objects.count() == 3
