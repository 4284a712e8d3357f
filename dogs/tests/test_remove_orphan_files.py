from __future__ import annotations

import os
import time

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command

from dogs.models import DogPhoto
from tests.factories import make_dog, make_owner

pytestmark = pytest.mark.django_db


def age(name: str, hours: float) -> None:
    old = time.time() - hours * 3600
    os.utime(default_storage.path(name), (old, old))


@pytest.fixture
def files():
    dog = make_dog(make_owner(), "Rex", seeds=(1,), index=False)
    photo = dog.photos.get()
    orphan = default_storage.save("dogs/photos/left-by-a-crash.jpg", ContentFile(b"jpeg bytes"))
    fresh = default_storage.save("dogs/photos/still-committing.jpg", ContentFile(b"jpeg bytes"))
    for name in (photo.image.name, orphan):
        age(name, hours=3)
    return photo, orphan, fresh


def test_a_dry_run_lists_files_without_rows_and_deletes_nothing(files, capsys):
    photo, orphan, fresh = files

    call_command("remove_orphan_files", dry_run=True)

    out = capsys.readouterr().out
    assert f"Would delete {orphan}" in out
    assert photo.image.name not in out and fresh not in out
    assert default_storage.exists(orphan)


def test_it_deletes_only_old_files_that_no_row_refers_to(files):
    photo, orphan, fresh = files

    call_command("remove_orphan_files", verbosity=0)

    assert not default_storage.exists(orphan)
    assert default_storage.exists(photo.image.name), "a photo's file stays"
    assert default_storage.exists(fresh), "an upload may still be committing"
    assert DogPhoto.objects.filter(pk=photo.pk).exists()
