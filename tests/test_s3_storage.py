"""Photos in an S3 bucket (moto's S3 server over real HTTP) through Django's storage API."""

from __future__ import annotations

import io
import uuid

import numpy as np
import pytest
from django.urls import reverse
from PIL import Image
from storages.backends.s3 import S3Storage

from dogs.models import Dog, DogPhoto
from search.embeddings import active_model_name, embed_image
from search.index import get_index
from tests.factories import make_owner, make_staff
from tests.support.photos import photo_upload
from tests.support.s3_server import S3Server

# A real S3 server (moto) in its own process: slow by the markers' rule.
pytestmark = [pytest.mark.django_db, pytest.mark.slow]

DOG = {"name": "Biscuit", "breed": "Beagle", "sex": "female", "colour": "tricolour", "microchip": ""}
PREFIX = "reunite-media"


@pytest.fixture(scope="module")
def s3_server():
    with S3Server() as server:
        yield server


@pytest.fixture
def bucket(s3_server, settings):
    """A fresh bucket, made Django's default storage for this test (photos stored under PREFIX/)."""
    name = s3_server.create_bucket(f"reunite-{uuid.uuid4().hex[:12]}")
    # pytest-django's settings fixture sends setting_changed, on which Django drops its cached
    # storages and resets `default_storage`. The ImageField holds that lazy `default_storage`,
    # not a storage instance, so the model follows the change without reloading anything.
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": s3_server.storage_options(name, location=PREFIX),
        },
    }
    return name


def _keys(s3_server: S3Server, bucket: str) -> set[str]:
    listing = s3_server.client().list_objects_v2(Bucket=bucket)
    return {item["Key"] for item in listing.get("Contents", [])}


def _object(s3_server: S3Server, bucket: str, photo: DogPhoto) -> bytes:
    return s3_server.client().get_object(Bucket=bucket, Key=f"{PREFIX}/{photo.image.name}")["Body"].read()


@pytest.fixture
def owner_client(client):
    owner = make_owner("alice")
    client.force_login(owner.user)
    return client


def test_it_stores_a_registered_dogs_photos_in_the_bucket(owner_client, s3_server, bucket):
    uploads = [photo_upload(1), photo_upload(2)]
    sent = [upload.read() for upload in uploads]
    for upload in uploads:
        upload.seek(0)

    response = owner_client.post(reverse("dogs:create"), {**DOG, "photos": uploads})

    dog = Dog.objects.get(name="Biscuit")
    assert response.status_code == 302
    photos = list(dog.photos.all())
    assert isinstance(photos[0].image.storage._wrapped, S3Storage)
    assert _keys(s3_server, bucket) == {f"{PREFIX}/{photo.image.name}" for photo in photos}
    assert sorted(_object(s3_server, bucket, photo) for photo in photos) == sorted(sent)
    assert (photos[0].width, photos[0].height) == (320, 240)


def test_the_embedding_is_that_of_the_stored_photo(owner_client, s3_server, bucket, run_worker):
    owner_client.post(reverse("dogs:create"), {**DOG, "photos": [photo_upload(3)]})
    run_worker()  # it reads the photo back from the bucket

    photo = DogPhoto.objects.get()
    stored = Image.open(io.BytesIO(_object(s3_server, bucket, photo)))
    assert photo.embedding_model == active_model_name()
    np.testing.assert_allclose(photo.vector, embed_image(stored), atol=1e-5)
    assert get_index().photo_ids() == {photo.pk}


def test_the_worker_embeds_photos_again_by_reading_them_from_the_bucket(owner_client, s3_server, bucket, run_worker):
    owner_client.post(reverse("dogs:create"), {**DOG, "photos": [photo_upload(4)]})
    run_worker()
    photo = DogPhoto.objects.get()
    expected = photo.vector.copy()
    # As after a model change: the stored vector is gone and the photo waits in the outbox.
    DogPhoto.objects.filter(pk=photo.pk).update(embedding=None, embedding_model="")
    get_index().delete([photo.pk])
    from search.sync import photos_changed

    photos_changed([photo.pk])
    assert run_worker() == 1, "one change, read from S3, embedded and indexed"

    photo.refresh_from_db()
    np.testing.assert_allclose(photo.vector, expected, atol=1e-5)
    assert get_index().photo_ids() == {photo.pk}
    assert run_worker() == 0, "nothing left to do"


def test_the_photo_is_served_from_the_bucket_to_its_owner_and_staff_only(owner_client, client, s3_server, bucket):
    upload = photo_upload(5)
    sent = upload.read()
    upload.seek(0)
    owner_client.post(reverse("dogs:create"), {**DOG, "photos": [upload]})
    url = reverse("dogs:photo_image", args=[DogPhoto.objects.get().pk])

    response = owner_client.get(url)

    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content) == sent

    owner_client.logout()
    client.force_login(make_owner("bob").user)
    assert client.get(url).status_code == 404
    client.force_login(make_staff())
    assert b"".join(client.get(url).streaming_content) == sent


def test_a_photo_missing_from_the_bucket_is_a_404(owner_client, s3_server, bucket):
    owner_client.post(reverse("dogs:create"), {**DOG, "photos": [photo_upload(6)]})
    photo = DogPhoto.objects.get()
    s3_server.client().delete_object(Bucket=bucket, Key=f"{PREFIX}/{photo.image.name}")

    assert owner_client.get(reverse("dogs:photo_image", args=[photo.pk])).status_code == 404


def test_deleting_a_photo_or_the_dog_removes_their_objects(
    owner_client, s3_server, bucket, run_worker, django_capture_on_commit_callbacks
):
    owner_client.post(reverse("dogs:create"), {**DOG, "photos": [photo_upload(7), photo_upload(8), photo_upload(9)]})
    run_worker()  # it stores each photo's renditions beside the original
    dog = Dog.objects.get()
    first, *rest = dog.photos.all()

    with django_capture_on_commit_callbacks(execute=True):
        owner_client.post(reverse("dogs:photo_delete", args=[first.pk]))

    kept = {
        f"{PREFIX}/{name}" for photo in rest for name in (photo.image.name, photo.thumbnail.name, photo.display.name)
    }
    assert _keys(s3_server, bucket) == kept, "the deleted photo's original and renditions are gone"

    with django_capture_on_commit_callbacks(execute=True):
        owner_client.post(reverse("dogs:delete", args=[dog.pk]))
    run_worker()

    assert not Dog.objects.exists()
    assert _keys(s3_server, bucket) == set()
    assert get_index().photo_ids() == set()
