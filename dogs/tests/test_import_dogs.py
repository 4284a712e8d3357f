from __future__ import annotations

import json

import pytest
from django.core.management import CommandError, call_command

from dogs.models import Dog, DogPhoto, Owner
from search.index import get_index
from tests.support.photos import make_image

pytestmark = pytest.mark.django_db


@pytest.fixture
def seed(tmp_path):
    images = tmp_path / "images"
    images.mkdir()
    dogs = []
    for i in range(5):
        dog_id = f"dog-{i}"
        make_image(200 + i).save(images / f"{dog_id}.png")
        owner = "Ana" if i < 3 else "Ben"
        dogs.append({"dog_id": dog_id, "image_path": f"images/{dog_id}.png", "breed": "Husky", "owner_name": owner})
    dogs.append({"dog_id": "dog-missing", "image_path": "x.png", "breed": "Pug", "owner_name": "Ben"})
    seed_file = tmp_path / "dogs.json"
    seed_file.write_text(json.dumps({"dogs": dogs}))
    return seed_file, images


def test_it_imports_dogs_owners_and_embedded_photos(seed, capsys, run_worker):
    seed_file, images = seed

    call_command("import_dogs", str(seed_file), images=str(images), batch_size=2)
    run_worker()

    assert Dog.objects.count() == 6
    assert sorted(Owner.objects.values_list("name", flat=True)) == ["Ana", "Ben"]
    assert Dog.objects.get(external_id="dog-3").owner.name == "Ben"
    assert DogPhoto.objects.filter(embedding__isnull=False).count() == 5
    assert get_index().photo_ids() == set(DogPhoto.objects.values_list("pk", flat=True))
    captured = capsys.readouterr()
    assert "dog-missing: no image found" in captured.err
    assert "6 dogs: 6 new, 0 updated, 5 photos" in captured.out


def test_running_it_again_does_not_duplicate(seed):
    seed_file, images = seed
    call_command("import_dogs", str(seed_file), images=str(images))

    call_command("import_dogs", str(seed_file), images=str(images))

    assert Dog.objects.count() == 6
    assert DogPhoto.objects.count() == 5
    assert Owner.objects.count() == 2


def test_a_dry_run_changes_nothing(seed):
    seed_file, images = seed

    call_command("import_dogs", str(seed_file), images=str(images), dry_run=True)

    assert not Dog.objects.exists()


def test_a_malformed_file_is_reported(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text('{"cats": []}')

    with pytest.raises(CommandError, match="'dogs' list"):
        call_command("import_dogs", str(bad), images=str(tmp_path))
