"""Stored photos are never served by their path, in any mode: only through views that check who asks."""

from __future__ import annotations

import importlib

import pytest
from django.urls import clear_url_caches, reverse

from tests.factories import make_dog, make_owner

pytestmark = pytest.mark.django_db


def stored_thumbnail(client, photo) -> str:
    """The thumbnail's stored name, made the way pages make it: by asking the checked view for it."""
    client.force_login(photo.dog.owner.user)
    assert client.get(reverse("dogs:photo_thumbnail", args=[photo.pk])).status_code == 200
    client.logout()
    photo.refresh_from_db()
    return photo.thumbnail.name


@pytest.fixture
def debug_urls(settings):
    """The URLs as `make run` builds them: DEBUG on when the URL configuration is imported."""
    import shelter.urls

    settings.DEBUG = True
    importlib.reload(shelter.urls)
    clear_url_caches()
    yield
    settings.DEBUG = False
    importlib.reload(shelter.urls)
    clear_url_caches()


def test_it_serves_no_file_under_media_root_by_its_path_with_debug_on(client, settings, debug_urls):
    photo = make_dog(make_owner(), "Rex", index=False).photos.get()
    thumbnail = stored_thumbnail(client, photo)
    assert (settings.MEDIA_ROOT / photo.image.name).is_file() and (settings.MEDIA_ROOT / thumbnail).is_file()

    for name in (photo.image.name, thumbnail):
        assert client.get(f"{settings.MEDIA_URL}{name}").status_code == 404, name


def test_it_serves_nothing_by_path_to_the_photos_owner_or_staff_either(client, settings, debug_urls):
    photo = make_dog(make_owner(), "Rex", index=False).photos.get()
    client.force_login(photo.dog.owner.user)

    assert client.get(f"{settings.MEDIA_URL}{photo.image.name}").status_code == 404
    assert client.get(reverse("dogs:photo_image", args=[photo.pk])).status_code == 200, "the checked view serves it"


def test_it_names_thumbnails_so_that_a_photo_id_does_not_guess_them(client):
    photo = make_dog(make_owner(), "Rex", index=False).photos.get()

    name = stored_thumbnail(client, photo).rsplit("/", 1)[-1]

    assert name != f"{photo.pk}.jpg" and len(name.split(".")[0]) == 32
