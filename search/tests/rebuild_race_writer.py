"""The second process of `test_rebuild_race`: it commits edits while a rebuild runs, as the app does.

    python -m search.tests.rebuild_race_writer HANDSHAKE_DIR RENAMED_DOG PHOTO_DOG DELETED_PHOTO LATE_DOG

In one transaction it changes a dog's breed, adds a photo and deletes one, writes `saved` and waits
for `commit` (the rebuild has read the database meanwhile), commits, runs the worker's pass over its
index changes and writes `applied`. After `switched` (the alias moved) it changes another dog and writes `done`.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import django

RACE_BREED = "Changed during the rebuild"
LATE_BREED = "Changed after the switch"


def apply_index_changes() -> None:
    """Bring the index up to date with what was committed, the way the app does it: the worker's pass."""
    from worker.loop import drain

    drain()


def wait_for(path: Path, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while not path.exists():
        if time.monotonic() > deadline:
            sys.exit(f"no {path.name} within {timeout} s")
        time.sleep(0.05)


def add_photo(dog_id: int):
    """A new photo with a stored vector, without loading the model (the index needs only the vector)."""
    import numpy as np
    from django.core.files.base import ContentFile

    from dogs.models import DogPhoto
    from search.embeddings import active_model_name
    from tests.support.photos import image_bytes, make_image

    dimension = len(DogPhoto.objects.exclude(embedding=None).values_list("embedding", flat=True).first()) // 4
    vector = np.random.default_rng(dog_id).standard_normal(dimension).astype(np.float32)
    photo = DogPhoto(dog_id=dog_id, image=ContentFile(image_bytes(make_image(dog_id)), name="race.jpg"))
    photo.set_vector(vector / np.linalg.norm(vector), active_model_name())
    photo.save()
    return photo


def main(handshake: Path, renamed_dog: int, photo_dog: int, deleted_photo: int, late_dog: int) -> None:
    django.setup()
    from django.db import transaction

    from dogs.models import Dog, DogPhoto

    with transaction.atomic():
        dog = Dog.objects.get(pk=renamed_dog)
        dog.breed = RACE_BREED
        dog.save()
        added = add_photo(photo_dog)
        DogPhoto.objects.get(pk=deleted_photo).delete()
        (handshake / "saved").write_text(str(added.pk))
        wait_for(handshake / "commit")
    apply_index_changes()
    (handshake / "applied").touch()

    wait_for(handshake / "switched")
    dog = Dog.objects.get(pk=late_dog)
    dog.breed = LATE_BREED
    dog.save()
    apply_index_changes()
    (handshake / "done").touch()


if __name__ == "__main__":
    main(Path(sys.argv[1]), *(int(value) for value in sys.argv[2:6]))
