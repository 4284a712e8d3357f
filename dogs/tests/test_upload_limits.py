"""Too many files or too large a form: a message naming the limit, never Django's bare 400."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from dogs.models import Dog
from tests.factories import make_dog, make_owner
from tests.support.photos import photo_upload

pytestmark = pytest.mark.django_db

DOG = {"name": "Biscuit", "breed": "Beagle", "sex": "female"}


@pytest.fixture
def owner_client(client):
    client.force_login(make_owner("alice").user)
    return client


def test_nine_photos_get_the_forms_message_and_keep_what_was_typed(owner_client):
    response = owner_client.post(reverse("dogs:create"), {**DOG, "photos": [photo_upload(i) for i in range(9)]})

    html = response.content.decode()
    assert response.status_code == 200
    assert "Upload at most 8 photos at a time." in html
    assert 'value="Biscuit"' in html and 'value="Beagle"' in html
    assert not Dog.objects.exists()


def test_nine_photos_added_to_a_dog_get_the_forms_message(client):
    dog = make_dog(make_owner("alice"), "Rex", index=False)
    client.force_login(dog.owner.user)

    response = client.post(reverse("dogs:photo_add", args=[dog.pk]), {"photos": [photo_upload(i) for i in range(9)]})

    assert response.status_code == 400 and "Upload at most 8 photos at a time." in response.content.decode()
    assert dog.photos.count() == 1


def test_far_too_many_files_get_a_page_naming_the_limit(owner_client, settings):
    files = [
        SimpleUploadedFile(f"{i}.jpg", b"x", "image/jpeg") for i in range(settings.DATA_UPLOAD_MAX_NUMBER_FILES + 1)
    ]

    response = owner_client.post(reverse("dogs:create"), {**DOG, "photos": files})

    html = response.content.decode()
    assert response.status_code == 413
    assert "upload at most 8 photos at a time, each up to 15.0" in html
    assert "Nothing was saved" in html and 'class="site-header"' in html
    assert "Bad Request" not in html
    assert not Dog.objects.exists()


def test_a_form_body_over_the_limit_gets_a_page_naming_the_limit(owner_client, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 100_000
    dog = Dog.objects.create(name="Rex", owner=make_owner("bob"))

    response = owner_client.post(reverse("reunions:lost_create", args=[dog.pk]), {"notes": "x" * 200_000})

    html = response.content.decode()
    assert response.status_code == 413
    assert "at most 97.7\xa0KB besides the photos" in html and "limited to 2000 characters" in html


def test_a_multipart_form_with_text_over_the_limit_gets_the_same_page(owner_client, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 100_000

    response = owner_client.post(reverse("dogs:create"), {**DOG, "notes": "x" * 200_000, "photos": [photo_upload(1)]})

    assert response.status_code == 413 and "besides the photos" in response.content.decode()
    assert not Dog.objects.exists()
